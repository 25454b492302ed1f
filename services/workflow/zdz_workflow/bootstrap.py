"""The workflow service's composition root: engine, event store, holiday schedule, the activities' dependencies.

Nothing is built at import time; tests call `bootstrap` with fakes for the registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from zdz_common.eventstore import STORE_TABLES, EventStore, create_store_engine
from zdz_workflow.activities import ProcessActivities
from zdz_workflow.adapters.holidays import HolidayScheduleFiles
from zdz_workflow.service_layer.ports import ProblemLedger

SOURCE = "zdz/workflow"


@dataclass(frozen=True)
class WorkflowApp:
    engine: Engine
    store: EventStore
    schedules: HolidayScheduleFiles
    activities: ProcessActivities


def bootstrap(
    database_url: str,
    *,
    holidays_dir: Path,
    ledger: ProblemLedger,
    on_commit: Callable[[], None] = lambda: None,
) -> WorkflowApp:
    engine = create_store_engine(database_url)
    SQLModel.metadata.create_all(engine, tables=STORE_TABLES)
    schedules = HolidayScheduleFiles(holidays_dir)
    store = EventStore(SOURCE)
    activities = ProcessActivities(
        engine=engine, store=store, schedules=schedules, ledger=ledger, on_commit=on_commit
    )
    return WorkflowApp(engine=engine, store=store, schedules=schedules, activities=activities)
