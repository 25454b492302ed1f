"""The process workflow's activities: all its I/O, with the dependencies injected through one instance.

Thin transport (STYLE 2, 8): each takes its dataclass input, maps it to what the service layer takes, and calls it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from sqlalchemy.engine import Engine
from temporalio import activity

from zdz_common.context import CommandContext
from zdz_common.errors import DomainError
from zdz_common.eventstore import EventStore, NewEvent
from zdz_workflow.adapters import event_mapping
from zdz_workflow.domain.calendar import HolidaySchedule
from zdz_workflow.domain.findings import FindingFiling, FindingsToFile
from zdz_workflow.domain.ports import HolidayScheduleSource, ProblemLedger, SheetSource
from zdz_workflow.domain.sheets import SignedSheet
from zdz_workflow.service_layer import effects
from zdz_workflow.temporal.payloads import Outgoing, PublishBatch
from zdz_workflow.temporal.refusals import refusal


class ProcessActivities:
    def __init__(
        self,
        *,
        engine: Engine,
        store: EventStore,
        schedules: HolidayScheduleSource,
        ledger: ProblemLedger,
        sheets: SheetSource,
    ) -> None:
        self._engine = engine
        self._store = store
        self._schedules = schedules
        self._ledger = ledger
        self._sheets = sheets

    @activity.defn(name="LoadHolidaySchedule")
    async def load_holiday_schedule(self) -> HolidaySchedule:
        """The schedule as data, recorded in the workflow's history: a replay never reads the installed library."""
        return await asyncio.to_thread(self._schedules.load)

    @activity.defn(name="PublishProcessEvents")
    async def publish_events(self, batch: PublishBatch) -> int:
        """Append the events to the process's stream and the outbox; the relay takes them to JetStream."""
        steps = [
            (CommandContext(actor=item.actor, request_id=item.request_id), _wire(item, batch))
            for item in batch.items
        ]
        return await asyncio.to_thread(
            effects.append_to_stream,
            self._engine,
            self._store,
            batch.stream_id,
            batch.expected_version,
            steps,
        )

    @activity.defn(name="FileFindings")
    async def file_findings(self, request: FindingsToFile) -> tuple[FindingFiling, ...]:
        """File the findings as problem points in the registry, with their tasks when a deadline was set."""
        return await effects.file_findings(self._ledger, request)

    @activity.defn(name="ReadSheets")
    async def read_sheets(self, sheet_ids: tuple[str, ...]) -> tuple[SignedSheet, ...]:
        """The signed sheets a verdict or an import names, from the scoring service, recorded in the history so a
        replay never reads them again. An unknown sheet is a refusal (not retried); scoring unreachable, a retry."""
        try:
            return tuple([await self._sheets.sheet(sheet_id) for sheet_id in sheet_ids])
        except DomainError as error:
            raise refusal(error) from None

    def all(self) -> list[Callable[..., object]]:
        return [self.load_holiday_schedule, self.publish_events, self.file_findings, self.read_sheets]


def _wire(item: Outgoing, batch: PublishBatch) -> list[NewEvent]:
    """The wire events of one outgoing item: a reminder, or a step of the process."""
    if item.reminder is not None:
        reminder = item.reminder
        return [event_mapping.reminder_event(batch.unit, reminder.deadline, reminder.working_days_before)]
    assert item.step is not None, "an outgoing item is a step or a reminder"
    return event_mapping.step_events(batch.unit, item.step)
