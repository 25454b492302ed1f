"""The process workflow's activities: all its I/O, with the dependencies injected through one instance.

Thin transport (STYLE 2, 8): each takes its dataclass input, maps it to what the service layer takes, and calls it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio import activity

from zdz_common.context import CommandContext
from zdz_common.errors import DomainError
from zdz_common.eventstore import EventStore, NewEvent
from zdz_common.metrics import DEADLINES_MISSED
from zdz_common.telemetry import current_traceparent
from zdz_workflow.adapters import event_mapping
from zdz_workflow.domain.calendar import HolidaySchedule
from zdz_workflow.domain.events import DeadlineMissed
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
        """Append the events to the process's stream and the outbox; the relay takes them to JetStream. The events
        name this activity's span (Temporal's tracing), so their consumers join the command's trace."""
        here = current_traceparent()
        steps = [
            (
                CommandContext(actor=item.actor, request_id=item.request_id, traceparent=here),
                _wire(item, batch),
            )
            for item in batch.items
        ]
        missed = [
            item.step.event.kind
            for item in batch.items
            if item.step is not None and isinstance(item.step.event, DeadlineMissed)
        ]
        # A retry may find its events already appended by an attempt whose answer was lost: count them once.
        counts = bool(missed) and (
            activity.info().attempt == 1
            or await asyncio.to_thread(self._stream_version, batch.stream_id) == batch.expected_version
        )
        version = await asyncio.to_thread(
            effects.append_to_stream,
            self._engine,
            self._store,
            batch.stream_id,
            batch.expected_version,
            steps,
        )
        if counts:
            for kind in missed:
                DEADLINES_MISSED.add(
                    1, {"zdz.deadline.kind": kind.value, "zdz.unit.kind": batch.unit.kind.value}
                )
        return version

    def _stream_version(self, stream_id: str) -> int:
        with Session(self._engine) as session:
            return self._store.version(session, stream_id)

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
