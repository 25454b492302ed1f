"""The scoring service's composition root: engine, event store, registry port, service. Nothing is built at
import time; tests pass a fake registry or one on an in-process registry server."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import SQLModel

from zdz_common.eventstore import STORE_TABLES, EventStore, create_store_engine
from zdz_scoring.adapters.orm import SCORING_TABLES
from zdz_scoring.adapters.registry import Registry
from zdz_scoring.service_layer.services import ScoringService

SOURCE = "zdz/scoring"


def bootstrap(
    database_url: str, registry: Registry, *, on_commit: Callable[[], None] = lambda: None
) -> ScoringService:
    engine = create_store_engine(database_url)
    SQLModel.metadata.create_all(engine, tables=[*STORE_TABLES, *SCORING_TABLES])
    return ScoringService(engine, EventStore(SOURCE), registry, on_commit=on_commit)
