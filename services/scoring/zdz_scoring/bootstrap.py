"""The scoring service's composition root: engine, event store, unit of work, registry port, service. Nothing
is built at import time; tests pass a fake registry or one on an in-process registry server."""

from __future__ import annotations

from zdz_common import migrations
from zdz_common.eventstore import STORE_TABLES, EventStore, create_store_engine
from zdz_common.unit_of_work import UnitOfWorkFactory
from zdz_scoring.adapters.event_mapping import SheetCodec
from zdz_scoring.adapters.orm import SCORING_TABLES
from zdz_scoring.adapters.projection import project_recorded
from zdz_scoring.adapters.registry import Registry
from zdz_scoring.service_layer.services import ScoringService

SOURCE = "zdz/scoring"
# The store's tables as the models define them; the migrations (zdz_scoring/migrations) create them.
TABLES = [*STORE_TABLES, *SCORING_TABLES]


def bootstrap(database_url: str, registry: Registry, *, migrate: bool = True) -> ScoringService:
    """`migrate`: upgrade the store to the head first (tests, embedded callers); the service at start passes
    False and only checks it (SystemExit with what to run when it is unmigrated, behind or newer)."""
    engine = create_store_engine(database_url)
    migrations.prepare(engine, "zdz_scoring", migrate=migrate)
    return ScoringService(
        UnitOfWorkFactory(engine, EventStore(SOURCE), SheetCodec(), project_recorded), registry
    )
