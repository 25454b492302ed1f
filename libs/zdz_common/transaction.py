"""The transaction of one command: the service's unit of work holds it, everything commits together, and the
outbox relay is woken once something was recorded."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol, TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session

from zdz_common.eventstore.engine import write_transaction_slot


class RecordsEvents(Protocol):
    @property
    def recorded(self) -> object: ...  # the events (or their count) the command appended; falsy when none


U = TypeVar("U", bound=RecordsEvents)


@contextmanager
def command_transaction(
    engine: Engine, unit_of_work: Callable[[Session], U], on_commit: Callable[[], None]
) -> Iterator[U]:
    """Open the writer's transaction, hand the service's unit of work its session, commit when the block ends
    without error (roll back otherwise), then call `on_commit` if any event was recorded."""
    with write_transaction_slot(engine), Session(engine, expire_on_commit=False) as session:
        uow = unit_of_work(session)
        yield uow
        session.commit()
    if uow.recorded:
        on_commit()
