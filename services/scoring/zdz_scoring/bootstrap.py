"""The scoring service's composition root: engine, event store, unit of work, registry port, service. Nothing
is built at import time; tests pass a fake registry or one on an in-process registry server."""

from __future__ import annotations

from sqlmodel import SQLModel

from zdz_common.eventstore import STORE_TABLES, EventStore, create_store_engine
from zdz_common.unit_of_work import UnitOfWorkFactory
from zdz_scoring.adapters.event_mapping import SheetCodec
from zdz_scoring.adapters.orm import SCORING_TABLES
from zdz_scoring.adapters.projection import project_recorded
from zdz_scoring.adapters.registry import Registry
from zdz_scoring.service_layer.services import ScoringService

SOURCE = "zdz/scoring"


def bootstrap(database_url: str, registry: Registry) -> ScoringService:
    engine = create_store_engine(database_url)
    SQLModel.metadata.create_all(engine, tables=[*STORE_TABLES, *SCORING_TABLES])
    return ScoringService(
        UnitOfWorkFactory(engine, EventStore(SOURCE), SheetCodec(), project_recorded), registry
    )
