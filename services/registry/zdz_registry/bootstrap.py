"""The registry's composition root: engine, event store, service. Nothing is built at import time."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import SQLModel

from zdz_common.eventstore import STORE_TABLES, EventStore, create_store_engine
from zdz_registry.adapters.ledger_orm import LEDGER_TABLES
from zdz_registry.adapters.orm import REGISTRY_TABLES
from zdz_registry.service_layer.ledger_services import LedgerService
from zdz_registry.service_layer.services import RegistryService

SOURCE = "zdz/registry"


def bootstrap(database_url: str, *, on_commit: Callable[[], None] = lambda: None) -> RegistryService:
    engine = create_store_engine(database_url)
    SQLModel.metadata.create_all(engine, tables=[*STORE_TABLES, *REGISTRY_TABLES, *LEDGER_TABLES])
    return RegistryService(engine, EventStore(SOURCE), on_commit=on_commit)


def bootstrap_ledger(
    registry: RegistryService, *, on_commit: Callable[[], None] = lambda: None
) -> LedgerService:
    """The ledger's service on the registry's engine and event store (one database, one transaction per command)."""
    return LedgerService(registry.engine, registry.store, on_commit=on_commit)
