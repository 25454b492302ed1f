"""One unit of work for every service: a command's events, its read models and its outbox rows commit in one
transaction.

A service supplies two things: an `EventCodec` (its domain events to and from the stored form) and a
`Projector`, which updates the read models from the domain events the command produced, handed over as they
are (no decoding of what was encoded a line earlier), with the record the store made of each (version,
position, time).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Generic, Protocol, TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session

from zdz_common.context import CommandContext
from zdz_common.eventstore import EventStore, NewEvent, RecordedEvent, StreamAppend
from zdz_common.transaction import command_transaction

E = TypeVar("E")


class EventCodec(Protocol[E]):
    def encode(self, event: E) -> NewEvent: ...

    def decode(self, recorded: RecordedEvent) -> E: ...


Projector = Callable[[Session, E, RecordedEvent], None]
"""Updates the read models for one new event, inside the command's transaction."""


def no_projection(session: Session, event: object, recorded: RecordedEvent) -> None:
    """For stores without read models (an audit-only stream)."""


class UnitOfWork(Generic[E]):
    def __init__(
        self,
        session: Session,
        store: EventStore,
        context: CommandContext,
        codec: EventCodec[E],
        projector: Projector[E],
    ) -> None:
        self.session = session
        self._store = store
        self._context = context
        self._codec = codec
        self._projector = projector
        self.recorded: list[RecordedEvent] = []

    def load(self, stream_id: str) -> list[E]:
        """The stream's events, decoded, oldest first."""
        return [self._codec.decode(e) for e in self._store.read(self.session, stream_id)]

    def save(self, stream_id: str, expected_version: int | None, events: Sequence[E]) -> list[RecordedEvent]:
        """Append an aggregate's new events (`expected_version` None: no version check) and project them."""
        return self.save_all([(stream_id, expected_version, events)])

    def save_all(self, changes: Sequence[tuple[str, int | None, Sequence[E]]]) -> list[RecordedEvent]:
        """Append several aggregates' new events in one go (bulk imports) and project them."""
        in_hand = [event for _, _, events in changes for event in events]
        recorded = self._store.append_many(
            self.session,
            [
                StreamAppend(stream, expected, [self._codec.encode(e) for e in events])
                for stream, expected, events in changes
            ],
            self._context,
        )
        for event, record in zip(in_hand, recorded, strict=True):
            self._projector(self.session, event, record)
        self.recorded.extend(recorded)
        return recorded


class UnitOfWorkFactory(Generic[E]):
    """What bootstrap builds once per service and the service layer calls per command."""

    def __init__(
        self, engine: Engine, store: EventStore, codec: EventCodec[E], projector: Projector[E]
    ) -> None:
        self.engine = engine
        self.store = store
        self._codec = codec
        self._projector = projector

    @contextmanager
    def __call__(self, context: CommandContext) -> Iterator[UnitOfWork[E]]:
        with command_transaction(
            self.engine,
            lambda session: UnitOfWork(session, self.store, context, self._codec, self._projector),
        ) as uow:
            yield uow
