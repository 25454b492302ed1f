"""One SQL transaction for a command: the set-up change and its audit event (with its outbox row) commit together."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Engine
from sqlmodel import Session

from zdz_common.context import CommandContext
from zdz_common.eventstore import EventStore
from zdz_common.transaction import command_transaction
from zdz_notify.adapters.event_mapping import to_new_event
from zdz_notify.domain.events import Event


class UnitOfWork:
    def __init__(self, session: Session, store: EventStore, context: CommandContext) -> None:
        self.session = session
        self._store = store
        self._context = context
        self.recorded = 0

    def record(self, stream_id: str, event: Event) -> None:
        """Append the audit event to `stream_id` (no version check: set-up changes do not conflict)."""
        self._store.append(self.session, stream_id, None, [to_new_event(event)], self._context)
        self.recorded += 1


@contextmanager
def unit_of_work(
    engine: Engine, store: EventStore, context: CommandContext, on_commit: Callable[[], None]
) -> Iterator[UnitOfWork]:
    with command_transaction(engine, lambda session: UnitOfWork(session, store, context), on_commit) as uow:
        yield uow
