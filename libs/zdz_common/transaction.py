"""The transaction of one command: the service's unit of work holds it, everything commits together, and
whoever listens for the engine's commits (the outbox relay) hears of it once something was recorded.

Listening is per engine (`listen_for_commits`), so no callback is threaded through bootstrap, services and
units of work: the runtime's relay subscribes to its store's engine, and every command transaction on that
engine rings it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy.engine import Engine
from sqlmodel import Session

from zdz_common.eventstore.engine import write_transaction_slot


class RecordsEvents(Protocol):
    @property
    def recorded(self) -> object: ...  # the events (or their count) the command appended; falsy when none


U = TypeVar("U", bound=RecordsEvents)

_listeners: WeakKeyDictionary[Engine, list[Callable[[], None]]] = WeakKeyDictionary()
_listeners_lock = threading.Lock()


def listen_for_commits(engine: Engine, listener: Callable[[], None]) -> Callable[[], None]:
    """Call `listener` (from the committing thread) after each command transaction on `engine` that recorded
    events. Returns the function that stops listening."""
    with _listeners_lock:
        _listeners.setdefault(engine, []).append(listener)

    def stop_listening() -> None:
        with _listeners_lock:
            listeners = _listeners.get(engine, [])
            if listener in listeners:
                listeners.remove(listener)

    return stop_listening


def committed(engine: Engine) -> None:
    """Tell `engine`'s listeners that events were committed (a consumer that appends events calls it too)."""
    with _listeners_lock:
        listeners = list(_listeners.get(engine, ()))
    for listener in listeners:
        listener()


@contextmanager
def command_transaction(engine: Engine, unit_of_work: Callable[[Session], U]) -> Iterator[U]:
    """Open the writer's transaction, hand the service's unit of work its session, commit when the block ends
    without error (roll back otherwise), then tell the engine's listeners if any event was recorded."""
    with write_transaction_slot(engine), Session(engine, expire_on_commit=False) as session:
        uow = unit_of_work(session)
        yield uow
        session.commit()
    if uow.recorded:
        committed(engine)
