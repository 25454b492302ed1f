"""The registry's composition root: one engine and event store; the directory's and the ledger's services on
them (one database, one transaction per command). Nothing is built at import time."""

from __future__ import annotations

from collections.abc import Callable

from zdz_common import migrations
from zdz_common.eventstore import STORE_TABLES, EventStore, create_store_engine
from zdz_common.transaction import listen_for_commits
from zdz_registry.directory.adapters.orm import DIRECTORY_TABLES
from zdz_registry.directory.service_layer.services import RegistryService
from zdz_registry.directory.service_layer.unit_of_work import directory_unit_of_work
from zdz_registry.ledger.adapters.orm import LEDGER_TABLES, units_in_states
from zdz_registry.ledger.service_layer.services import LedgerService
from zdz_registry.ledger.service_layer.unit_of_work import ledger_unit_of_work

SOURCE = "zdz/registry"
# The store's tables as the models define them; the migrations (zdz_registry/migrations) create them.
TABLES = [*STORE_TABLES, *DIRECTORY_TABLES, *LEDGER_TABLES]


def bootstrap(
    database_url: str, *, on_commit: Callable[[], None] | None = None, migrate: bool = True
) -> RegistryService:
    """The directory's service. `on_commit` (the outbox relay's wake-up) listens for the commits of every command
    on the engine, the ledger's included (`zdz_common.transaction.listen_for_commits`). `migrate`: upgrade the
    store to the head first (tests, embedded callers); the service at start passes False and only checks it
    (SystemExit with what to run when the store is unmigrated, behind or newer)."""
    engine = create_store_engine(database_url)
    migrations.prepare(engine, "zdz_registry", migrate=migrate)
    if on_commit is not None:
        listen_for_commits(engine, on_commit)
    # The directory filters units by the acceptance states the ledger keeps, without importing the ledger.
    return RegistryService(
        directory_unit_of_work(engine, EventStore(SOURCE)), units_in_states=units_in_states
    )


def bootstrap_ledger(registry: RegistryService) -> LedgerService:
    """The ledger's service on the registry's engine and event store."""
    return LedgerService(ledger_unit_of_work(registry.engine, registry.store))
