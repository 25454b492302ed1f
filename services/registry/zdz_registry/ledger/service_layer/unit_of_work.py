"""The ledger's unit of work: `zdz_common.unit_of_work` with the ledger's codec and projector."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Engine
from sqlmodel import Session

from zdz_common.context import CommandContext
from zdz_common.eventstore import EventStore
from zdz_common.unit_of_work import UnitOfWork, UnitOfWorkFactory
from zdz_registry.ledger.adapters.event_mapping import CODEC
from zdz_registry.ledger.adapters.projection import batched, project
from zdz_registry.ledger.domain.events import LedgerEvent

LedgerUnitOfWork = UnitOfWork[LedgerEvent]
LedgerUnitOfWorkFactory = UnitOfWorkFactory[LedgerEvent]


def ledger_unit_of_work(engine: Engine, store: EventStore) -> LedgerUnitOfWorkFactory:
    return UnitOfWorkFactory(engine, store, CODEC, project)


def ledger_unit_of_work_in(session: Session, store: EventStore, context: CommandContext) -> LedgerUnitOfWork:
    """A unit of work inside a transaction someone else holds and commits (the workflow follower's)."""
    return UnitOfWork(session, store, context, CODEC, project)


@contextmanager
def projected_together(uow: LedgerUnitOfWork) -> Iterator[None]:
    """The read models of the events saved inside the block are written together when it ends (a bulk import:
    one statement per table instead of one per event)."""
    with batched(uow.session):
        yield
