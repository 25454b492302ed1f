"""One SQL transaction for a command: events, read models and outbox rows commit together."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Engine
from sqlmodel import Session

from zdz_common.context import CommandContext
from zdz_common.eventstore import EventStore, RecordedEvent
from zdz_common.transaction import command_transaction
from zdz_scoring.adapters.event_mapping import sheet_event, to_new_event
from zdz_scoring.adapters.projection import project
from zdz_scoring.domain.records import Event, SheetDraftSaved, SheetSigned


class UnitOfWork:
    def __init__(self, session: Session, store: EventStore, context: CommandContext) -> None:
        self.session = session
        self._store = store
        self._context = context
        self.recorded: list[RecordedEvent] = []

    def load_sheet(self, stream_id: str) -> list[SheetDraftSaved | SheetSigned]:
        return [sheet_event(e) for e in self._store.read(self.session, stream_id)]

    def save(self, stream_id: str, expected_version: int | None, events: list[Event]) -> None:
        """Append the new events and project them into the read models."""
        recorded = self._store.append(
            self.session, stream_id, expected_version, [to_new_event(e) for e in events], self._context
        )
        for event in recorded:
            project(self.session, event)
        self.recorded.extend(recorded)


@contextmanager
def unit_of_work(
    engine: Engine, store: EventStore, context: CommandContext, on_commit: Callable[[], None]
) -> Iterator[UnitOfWork]:
    with command_transaction(engine, lambda session: UnitOfWork(session, store, context), on_commit) as uow:
        yield uow
