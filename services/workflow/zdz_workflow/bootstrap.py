"""The workflow service's composition root: engine, event store, holiday schedule, the activities' dependencies.

Nothing is built at import time; tests call `bootstrap` with fakes for the registry and the scoring service's sheets.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from zdz_common import migrations
from zdz_common.authorisation import Guard
from zdz_common.eventstore import STORE_TABLES, EventStore, create_store_engine
from zdz_workflow.adapters.holidays import HolidayScheduleFiles
from zdz_workflow.domain.permissions import WORKFLOW_POLICY
from zdz_workflow.domain.ports import ProblemLedger, SheetSource
from zdz_workflow.temporal.activities import ProcessActivities
from zdz_workflow.temporal.round_activities import SpotCheckRoundActivities

SOURCE = "zdz/workflow"
# The store's tables (the event store alone); the migrations (zdz_workflow/migrations) create them.
TABLES = STORE_TABLES


@dataclass(frozen=True)
class WorkflowApp:
    engine: Engine
    store: EventStore
    schedules: HolidayScheduleFiles
    activities: ProcessActivities
    rounds: SpotCheckRoundActivities  # the spot-check rounds' activities
    guard: Guard  # who may do what (domain/permissions.py), refusals audited in this store


def bootstrap(
    database_url: str,
    *,
    holidays_dir: Path,
    ledger: ProblemLedger,
    sheets: SheetSource,
    migrate: bool = True,
) -> WorkflowApp:
    """`migrate`: upgrade the store to the head first (tests, embedded callers); the service at start passes
    False and only checks it (SystemExit with what to run when it is unmigrated, behind or newer)."""
    engine = create_store_engine(database_url)
    migrations.prepare(engine, "zdz_workflow", migrate=migrate)
    schedules = HolidayScheduleFiles(holidays_dir)
    store = EventStore(SOURCE)
    activities = ProcessActivities(
        engine=engine, store=store, schedules=schedules, ledger=ledger, sheets=sheets
    )
    guard = Guard(WORKFLOW_POLICY, service="workflow", engine=engine, store=store)
    rounds = SpotCheckRoundActivities(engine=engine, store=store)
    return WorkflowApp(
        engine=engine, store=store, schedules=schedules, activities=activities, rounds=rounds, guard=guard
    )
