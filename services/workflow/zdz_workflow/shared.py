"""What the process workflow, its activities and its clients exchange.

Plain frozen dataclasses (the domain's values among them) that `temporalio.contrib.pydantic`'s data converter
encodes: dates, Decimals and timezone-aware datetimes survive the round trip. Nothing here does I/O, so the
workflow sandbox imports it as it is.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import typing
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from temporalio.exceptions import ApplicationError

from zdz_common.context import Actor
from zdz_common.errors import (
    AlreadyExists,
    ConcurrencyConflict,
    DomainError,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)
from zdz_workflow.domain.calendar import HolidaySchedule
from zdz_workflow.domain.commands import ImportProcess, OpenProcess
from zdz_workflow.domain.events import Event
from zdz_workflow.domain.process import ProcessState
from zdz_workflow.domain.stages import Grade, Stage, UnitKind
from zdz_workflow.domain.values import Deadline, Finding, ReminderPolicy

WORKFLOW_ID_PREFIX = "zdz-process"


def process_id(district_code: str, unit_id: str, campaign: str) -> str:
    """The readable workflow id of a unit's process in a campaign, e.g. "zdz-process/wanzhou/<unit>/2024"."""
    return f"{WORKFLOW_ID_PREFIX}/{district_code}/{unit_id}/{campaign}"


@dataclass(frozen=True)
class UnitInfo:
    """The unit as the registry describes it; the workflow shows it to operators and puts it on every event."""

    unit_id: str
    district_code: str
    kind: UnitKind
    name: str
    along_river: bool = False  # 000 附件2
    target_year: int = 0  # 2025 or 2027


@dataclass(frozen=True)
class ProcessSettings:
    """What the documents leave open, and when a long history continues as new."""

    # 000 三（五）"多次整改不到位": this many consecutive failed 回头看 rounds order 重新实施建设验收.
    look_back_failure_limit: int = 2
    reminders: ReminderPolicy = field(default_factory=ReminderPolicy)
    # Continue as new past this many history events, or earlier when Temporal suggests it.
    history_limit: int = 5000


@dataclass(frozen=True)
class FindingFiling:
    """What became of one finding sent to the registry's problem list (问题清单)."""

    code: str
    description: str
    problem_id: str = ""
    refused: str = ""  # why the registry did not take it, for the clerk


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


@dataclass(frozen=True)
class StepTaken:
    """A domain event of the process with the stages around it; the publishing activity maps it to the wire.

    The event travels as a plain dict under its class name: the events share their fields, so a union would not
    decode to the right class."""

    event_type: str
    event: dict[str, Any]
    from_stage: Stage | None
    to_stage: Stage
    campaign: str
    latest_score: Decimal | None
    latest_grade: Grade | None
    deadline: Deadline | None = None  # DeadlineMissed: the deadline that passed

    @classmethod
    def of(
        cls, event: Event, before: ProcessState | None, after: ProcessState, deadline: Deadline | None = None
    ) -> StepTaken:
        return cls(
            event_type=type(event).__name__,
            event=dataclasses.asdict(event),
            from_stage=None if before is None else before.stage,
            to_stage=after.stage,
            campaign=after.campaign.name,
            latest_score=after.latest_score,
            latest_grade=after.latest_grade,
            deadline=deadline,
        )


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


class FoundBy(enum.StrEnum):
    # The registry's FoundBy names.
    ACCEPTANCE = "ACCEPTANCE"  # 区县验收, and objections to its result
    SPOT_CHECK = "SPOT_CHECK"  # 市级抽查 and 复核
    LOOK_BACK = "LOOK_BACK"  # 回头看


@dataclass(frozen=True)
class FindingsToFile:
    """Findings of one verdict to file as problem points, each under a code that makes a retry harmless."""

    unit: UnitInfo
    found_by: FoundBy
    found_on: date
    finder: str
    findings: tuple[Finding, ...]
    codes: tuple[str, ...]
    rectify_by: date | None = None  # opens each problem's task with this deadline


def finding_codes(found_by: FoundBy, campaign: str, request_id: str, count: int) -> tuple[str, ...]:
    """Problem codes unique in the unit's list and the same on every retry, e.g. "ACCEPTANCE-2024-3f2a9c1b-01"."""
    digest = hashlib.sha256(request_id.encode()).hexdigest()[:8]
    return tuple(
        f"{found_by.value}-{campaign}-{digest}-{n:02d}".replace("/", "-") for n in range(1, count + 1)
    )


# --- refusals: domain errors across the workflow boundary ---------------------------------------------------------

_STATUS_OF: tuple[tuple[type[DomainError], str], ...] = (
    (InvalidArgument, "INVALID_ARGUMENT"),
    (NotFound, "NOT_FOUND"),
    (AlreadyExists, "ALREADY_EXISTS"),
    (FailedPrecondition, "FAILED_PRECONDITION"),
    (PermissionDenied, "PERMISSION_DENIED"),
    (ConcurrencyConflict, "ABORTED"),
)
_ERROR_OF = {status: error_class for error_class, status in _STATUS_OF}


def refusal(error: DomainError) -> ApplicationError:
    """The domain error as a Temporal failure that rejects an update and keeps the clerk's message and field."""
    status = next((s for cls, s in _STATUS_OF if isinstance(error, cls)), "FAILED_PRECONDITION")
    return ApplicationError(
        str(error),
        {"status": status, "message": error.message, "field": error.field or ""},
        type=type(error).__name__,
        non_retryable=True,
    )


def domain_error_of(failure: ApplicationError) -> DomainError | None:
    """The domain error a refusal carries, or None when the failure is not a refusal."""
    details = failure.details[0] if failure.details else None
    if not isinstance(details, dict) or details.get("status") not in _ERROR_OF:
        return None
    return _ERROR_OF[details["status"]](
        details.get("message", failure.message), field=details.get("field") or None
    )
