"""What the process workflow, its activities and its clients exchange (the Temporal payload contracts).

Plain frozen dataclasses (the domain's values among them) that `temporalio.contrib.pydantic`'s data converter
encodes: dates, Decimals and timezone-aware datetimes survive the round trip. Nothing here does I/O, so the
workflow sandbox imports it as it is.

Changing a payload: running processes decode what their histories recorded (the workflow input, update
arguments, activity results) with the classes here, so a field is only ever added with a default; the recorded
histories in tests/integration/workflow/histories/ must keep replaying.
"""

from __future__ import annotations

import functools
import typing
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import GetCoreSchemaHandler, TypeAdapter
from pydantic_core import core_schema

from zdz_common.context import Actor
from zdz_common.vocabulary import Grade, Stage
from zdz_workflow.domain.calendar import HolidaySchedule
from zdz_workflow.domain.commands import ImportProcess, OpenProcess
from zdz_workflow.domain.demonstration import Demonstration, demonstration_of
from zdz_workflow.domain.events import Event
from zdz_workflow.domain.findings import FindingFiling
from zdz_workflow.domain.process import ProcessState
from zdz_workflow.domain.settings import ProcessSettings
from zdz_workflow.domain.standing import Standing
from zdz_workflow.domain.standing import standing as standing_of
from zdz_workflow.domain.units import UnitInfo
from zdz_workflow.domain.values import Deadline

WORKFLOW_ID_PREFIX = "zdz-process"


def process_id(district_code: str, unit_id: str, campaign: str) -> str:
    """The workflow id processes were started with before issue 13, e.g. "zdz-process/wanzhou/<unit>/2024"; they
    keep it while they run, and look-ups try it after the unit's current form (`unit_process_id`)."""
    return f"{WORKFLOW_ID_PREFIX}/{district_code}/{unit_id}/{campaign}"


def unit_process_id(unit: UnitInfo, campaign: str) -> str:
    """The workflow id a new process starts with: the unit's official code (统计用区划代码; a park group's
    official name, having none) before its id, so an operator finds it by the code,
    e.g. "zdz-process/wanzhou/500101001/<unit>/2026" or "zdz-process/wanzhou/九龙园/<unit>/2026"."""
    return f"{WORKFLOW_ID_PREFIX}/{unit.district_code}/{unit.id_key}/{unit.unit_id}/{campaign}"


def successor_id(own_id: str, unit: UnitInfo, campaign: str) -> str:
    """The id of the process that continues `own_id` in `campaign`: in the form `own_id` has (a history recorded
    before issue 13 replays with the id it started then)."""
    if len(own_id.split("/")) == 5:
        return unit_process_id(unit, campaign)
    return process_id(unit.district_code, unit.unit_id, campaign)


def ref_parts(workflow_id: str) -> tuple[str, str, str] | None:
    """(district code, unit id, campaign) of a process's workflow id in either form; None for another id."""
    parts = workflow_id.split("/")
    if parts[0] != WORKFLOW_ID_PREFIX:
        return None
    if len(parts) == 4:
        return parts[1], parts[2], parts[3]
    if len(parts) == 5:
        return parts[1], parts[3], parts[4]
    return None


@dataclass(frozen=True)
class Carried:
    """What a run hands to the next: on continue-as-new, or to the process of the next campaign."""

    state: ProcessState
    schedule: HolidaySchedule
    stream_version: int  # events appended to the process's stream in the service's event store so far
    filings: tuple[FindingFiling, ...] = ()


@dataclass(frozen=True)
class ProcessInput:
    """Start a process with `open` or `imported`; a continued run gets `carried` instead."""

    unit: UnitInfo
    open: OpenProcess | None = None
    imported: ImportProcess | None = None
    settings: ProcessSettings = field(default_factory=ProcessSettings)
    # Drills and tests: the process's clock runs this far from the Temporal server's (0 in production), so a
    # time-skipping test can walk a unit through 2024 with every timer real.
    clock_offset: timedelta = timedelta(0)
    carried: Carried | None = None


@dataclass(frozen=True)
class ProcessView:
    """A process as its queries and updates answer: the domain state and what the workflow adds to it."""

    process_id: str
    unit: UnitInfo
    state: ProcessState | None  # None only while the process is being opened
    filings: tuple[FindingFiling, ...] = ()
    continued_by: str = ""  # workflow id of the next campaign's process (重新实施建设验收)


# --- effects: what the activities are asked to do ----------------------------------------------------------------

EVENT_TYPES: dict[str, type] = {cls.__name__: cls for cls in typing.get_args(Event)}


@functools.cache
def _event_adapter(event_type: str) -> TypeAdapter[Any]:
    return TypeAdapter(EVENT_TYPES[event_type])


@dataclass(frozen=True)
class StepTaken:
    """A domain event of the process with the stages around it; the publishing activity maps it to the wire.

    A tagged union: the event travels with its class name beside it (`event_type`), which picks the class it
    decodes into, because the events share their fields (SurveyCompleted and PlanSubmitted have the same ones)
    and an untagged union would not know which to build. The shape on the wire is the one recorded before the
    event was typed (`{"event_type": …, "event": {…fields}}`), so activities scheduled by older code decode."""

    event_type: str
    event: Event
    from_stage: Stage | None
    to_stage: Stage
    campaign: str
    latest_score: Decimal | None
    latest_grade: Grade | None
    deadline: Deadline | None = None  # DeadlineMissed: the deadline that passed
    # After the step (None or empty in activities scheduled before these were carried):
    standing: Standing | None = None  # whether the unit counts as meeting the standard
    filing_number: str = ""  # 备案, once filed
    demonstration: Demonstration | None = None  # park groups: the 001 四 track

    def __post_init__(self) -> None:
        if self.event_type != type(self.event).__name__:
            raise ValueError(f"event_type {self.event_type!r} names another class than {type(self.event)!r}")

    @classmethod
    def of(
        cls, event: Event, before: ProcessState | None, after: ProcessState, deadline: Deadline | None = None
    ) -> StepTaken:
        return cls(
            event_type=type(event).__name__,
            event=event,
            from_stage=None if before is None else before.stage,
            to_stage=after.stage,
            campaign=after.campaign.name,
            latest_score=after.latest_score,
            latest_grade=after.latest_grade,
            deadline=deadline,
            standing=standing_of(after),
            filing_number=after.filing.filing_number if after.filing else "",
            demonstration=demonstration_of(after),
        )

    @classmethod
    def __get_pydantic_core_schema__(cls, source: type[Any], handler: GetCoreSchemaHandler) -> Any:
        # Decode the event by its tag before the dataclass validates it; an event already built passes as is.
        return core_schema.no_info_before_validator_function(_decode_tagged_event, handler(source))


def _decode_tagged_event(data: Any) -> Any:
    if not isinstance(data, dict) or not isinstance(data.get("event"), dict):
        return data
    event_type = data.get("event_type")
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event_type {event_type!r}; expected one of {sorted(EVENT_TYPES)}")
    return {**data, "event": _event_adapter(event_type).validate_python(data["event"])}


@dataclass(frozen=True)
class ReminderDue:
    """A deadline is near: `working_days_before` working days are left."""

    deadline: Deadline
    working_days_before: int
    at: datetime


@dataclass(frozen=True)
class Outgoing:
    """One thing to publish, with who caused it: a step of the process or a reminder."""

    actor: Actor
    request_id: str
    step: StepTaken | None = None
    reminder: ReminderDue | None = None


@dataclass(frozen=True)
class PublishBatch:
    """Outgoing items for the process's stream, appended after `expected_version` (so a retry appends nothing)."""

    stream_id: str
    unit: UnitInfo
    expected_version: int
    items: tuple[Outgoing, ...]
