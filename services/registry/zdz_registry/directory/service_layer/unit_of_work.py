"""The directory's unit of work: `zdz_common.unit_of_work` with the directory's codec and projector."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from zdz_common.eventstore import EventStore
from zdz_common.unit_of_work import UnitOfWork, UnitOfWorkFactory
from zdz_registry.directory.adapters.event_mapping import CODEC
from zdz_registry.directory.adapters.projection import project
from zdz_registry.directory.domain.events import Event

DirectoryUnitOfWork = UnitOfWork[Event]
DirectoryUnitOfWorkFactory = UnitOfWorkFactory[Event]


def directory_unit_of_work(engine: Engine, store: EventStore) -> DirectoryUnitOfWorkFactory:
    return UnitOfWorkFactory(engine, store, CODEC, project)
