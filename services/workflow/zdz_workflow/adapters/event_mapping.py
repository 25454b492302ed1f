"""A process's steps and reminders in their wire form (proto/zdz/workflow/v1/events.proto), with their CloudEvents
types (= NATS subjects).

Every step yields at least one event, so the service's event store is the complete trail: StageEntered when the
stage changed, the step's own event when it has one (a notice published, suspended or resumed, a spot-check
draw, a look-back's findings, a missed deadline), ProcessStepRecorded when neither applies.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from google.protobuf.message import Message

from zdz.events.v1 import refs_pb2
from zdz.workflow.v1 import events_pb2 as pb
from zdz_common.eventstore import NewEvent
from zdz_common.pb_enums import enum_to_pb
from zdz_common.vocabulary import Grade, Stage
from zdz_workflow.domain.calendar import end_of_day
from zdz_workflow.domain.events import (
    DeadlineMissed,
    Event,
    LookBackFailed,
    LookBackPassed,
    NoticePublished,
    ObjectionDismissed,
    ObjectionRaised,
    SpotCheckDrawn,
)
from zdz_workflow.domain.units import UnitInfo
from zdz_workflow.domain.values import Deadline

STAGE_ENTERED = "zdz.workflow.process.stage_entered"
STEP_RECORDED = "zdz.workflow.process.step_recorded"
DEADLINE_APPROACHING = "zdz.workflow.deadline.approaching"
DEADLINE_MISSED = "zdz.workflow.deadline.missed"
NOTICE_PUBLISHED = "zdz.workflow.notice.published"
NOTICE_SUSPENDED = "zdz.workflow.notice.suspended"
NOTICE_RESUMED = "zdz.workflow.notice.resumed"
SPOT_CHECK_SELECTED = "zdz.workflow.spot_check.selected"
LOOK_BACK_FINDINGS = "zdz.workflow.look_back.findings_recorded"


class ProcessStep(Protocol):
    """A step of the process as the publishing activity hands it over (temporal.payloads.StepTaken)."""

    @property
    def event(self) -> Event: ...
    @property
    def from_stage(self) -> Stage | None: ...
    @property
    def to_stage(self) -> Stage: ...
    @property
    def campaign(self) -> str: ...
    @property
    def latest_score(self) -> Decimal | None: ...
    @property
    def latest_grade(self) -> Grade | None: ...
    @property
    def deadline(self) -> Deadline | None: ...


def unit_ref(unit: UnitInfo) -> refs_pb2.UnitRef:
    return refs_pb2.UnitRef(
        id=unit.unit_id,
        district_code=unit.district_code,
        kind=enum_to_pb(refs_pb2.UnitKind, unit.kind),
        name=unit.name,
    )


def reminder_event(unit: UnitInfo, deadline: Deadline, working_days_before: int) -> NewEvent:
    """DeadlineApproaching: `working_days_before` working days are left before `deadline`."""
    return NewEvent(
        DEADLINE_APPROACHING,
        pb.DeadlineApproaching(
            unit=unit_ref(unit),
            deadline_kind=deadline.kind.value,
            due=deadline.due_at,
            working_days_left=working_days_before,
            provisional=deadline.provisional,
            calendar_version=deadline.calendar_version,
        ),
    )


def step_events(unit: UnitInfo, step: ProcessStep) -> list[NewEvent]:
    """The wire events of one step: StageEntered, the step's own event, or ProcessStepRecorded."""
    event = step.event
    step_name = type(event).__name__
    ref = unit_ref(unit)
    wire: list[NewEvent] = []
    if step.from_stage is not step.to_stage:
        wire.append(
            NewEvent(
                STAGE_ENTERED,
                pb.StageEntered(
                    unit=ref,
                    campaign=step.campaign,
                    from_stage=step.from_stage.value if step.from_stage else "",
                    to_stage=step.to_stage.value,
                    reason=event.reason,
                    at=event.at,
                    latest_score=float(step.latest_score) if step.latest_score is not None else 0.0,
                    latest_grade=step.latest_grade.value if step.latest_grade else "",
                    step=step_name,
                ),
            )
        )
    own = _own_event(event, step, ref)
    if own is not None:
        wire.append(own)
    if not wire:
        wire.append(
            NewEvent(
                STEP_RECORDED,
                pb.ProcessStepRecorded(
                    unit=ref,
                    campaign=step.campaign,
                    step=step_name,
                    stage=step.to_stage.value,
                    reason=event.reason,
                    evidence=event.evidence,
                    at=event.at,
                ),
            )
        )
    return wire


def _own_event(event: Event, step: ProcessStep, ref: refs_pb2.UnitRef) -> NewEvent | None:
    message: Message
    match event:
        case NoticePublished(notice=notice):
            ends = notice.ends
            message = pb.NoticePublished(
                unit=ref,
                score=float(step.latest_score) if step.latest_score is not None else 0.0,
                grade=step.latest_grade.value if step.latest_grade else "",
                # The day after publication is the first day counted (民法典第二百零一条).
                period_start=end_of_day(notice.published_on),
                period_end=ends.ends_at if ends else None,
                provisional=bool(ends and ends.provisional),
            )
            return NewEvent(NOTICE_PUBLISHED, message)
        case ObjectionRaised():
            objection = f"{event.objection_id}：{event.reason}" if event.reason else event.objection_id
            message = pb.NoticeSuspended(
                unit=ref, objection=objection, working_days_left=event.working_days_remaining
            )
            return NewEvent(NOTICE_SUSPENDED, message)
        case ObjectionDismissed(resumed=resumed) if resumed is not None:
            return NewEvent(NOTICE_RESUMED, pb.NoticeResumed(unit=ref, period_end=resumed.ends_at))
        case SpotCheckDrawn():
            draw = event.evidence[0] if event.evidence else event.request_id
            return NewEvent(SPOT_CHECK_SELECTED, pb.SelectedForSpotCheck(unit=ref, draw_id=draw))
        case LookBackPassed() | LookBackFailed():
            message = pb.LookBackFindingsRecorded(
                unit=ref,
                round=event.round,
                passed=isinstance(event, LookBackPassed),
                findings=len(event.findings),
                rectification_due=event.deadline.due_at if event.deadline else None,
            )
            return NewEvent(LOOK_BACK_FINDINGS, message)
        case DeadlineMissed():
            due = step.deadline.due_at if step.deadline else None
            message = pb.DeadlineMissed(unit=ref, deadline_kind=event.kind.value, due=due)
            return NewEvent(DEADLINE_MISSED, message)
    return None
