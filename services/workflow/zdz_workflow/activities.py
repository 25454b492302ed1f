"""The process workflow's activities: all its I/O, with the dependencies injected through one instance.

Thin transport (STYLE 2, 8): each parses nothing more than its dataclass input and calls the service layer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from sqlalchemy.engine import Engine
from temporalio import activity

from zdz_common.eventstore import EventStore
from zdz_workflow.domain.calendar import HolidaySchedule
from zdz_workflow.service_layer import effects
from zdz_workflow.service_layer.ports import HolidayScheduleSource, ProblemLedger
from zdz_workflow.shared import FindingFiling, FindingsToFile, PublishBatch


class ProcessActivities:
    def __init__(
        self,
        *,
        engine: Engine,
        store: EventStore,
        schedules: HolidayScheduleSource,
        ledger: ProblemLedger,
        on_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self._engine = engine
        self._store = store
        self._schedules = schedules
        self._ledger = ledger
        self._on_commit = on_commit

    @activity.defn(name="LoadHolidaySchedule")
    async def load_holiday_schedule(self) -> HolidaySchedule:
        """The schedule as data, recorded in the workflow's history: a replay never reads the installed library."""
        return await asyncio.to_thread(self._schedules.load)

    @activity.defn(name="PublishProcessEvents")
    async def publish_events(self, batch: PublishBatch) -> int:
        """Append the events to the process's stream and the outbox; the relay takes them to JetStream."""
        return await asyncio.to_thread(
            effects.append_process_events, self._engine, self._store, batch, self._on_commit
        )

    @activity.defn(name="FileFindings")
    async def file_findings(self, request: FindingsToFile) -> tuple[FindingFiling, ...]:
        """File the findings as problem points in the registry, with their tasks when a deadline was set."""
        return await effects.file_findings(self._ledger, request)

    def all(self) -> list[Callable[..., object]]:
        return [self.load_holiday_schedule, self.publish_events, self.file_findings]
