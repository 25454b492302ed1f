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
from zdz.workflow.v1 import workflow_pb2 as workflow_pb
from zdz_common.eventstore import NewEvent
from zdz_common.pb_enums import enum_to_pb
from zdz_common.vocabulary import Grade, Stage
from zdz_workflow.domain.calendar import end_of_day
from zdz_workflow.domain.demonstration import Demonstration, DemonstrationList
from zdz_workflow.domain.events import (
    DeadlineMissed,
    DemonstrationChecked,
    DemonstrationListed,
    DemonstrationReportSubmitted,
    Event,
    FilingAcknowledged,
    LookBackFailed,
    LookBackPassed,
    NoticePublished,
    ObjectionDismissed,
    ObjectionRaised,
    ObjectionUpheld,
    ProcessImported,
    ReacceptanceFlagRaised,
    ResultFiled,
    SpotCheckDrawn,
)
from zdz_workflow.domain.sheets import SignedSheet
from zdz_workflow.domain.spot_check_rounds import SpotCheckRound
from zdz_workflow.domain.standing import Standing
from zdz_workflow.domain.units import UnitInfo
from zdz_workflow.domain.values import Deadline, Notice, NoticeChannel

STAGE_ENTERED = "zdz.workflow.process.stage_entered"
STEP_RECORDED = "zdz.workflow.process.step_recorded"
DEADLINE_APPROACHING = "zdz.workflow.deadline.approaching"
DEADLINE_MISSED = "zdz.workflow.deadline.missed"
NOTICE_PUBLISHED = "zdz.workflow.notice.published"
NOTICE_SUSPENDED = "zdz.workflow.notice.suspended"
NOTICE_RESUMED = "zdz.workflow.notice.resumed"
SPOT_CHECK_SELECTED = "zdz.workflow.spot_check.selected"
LOOK_BACK_FINDINGS = "zdz.workflow.look_back.findings_recorded"
OBJECTION_RAISED = "zdz.workflow.objection.raised"
OBJECTION_RESOLVED = "zdz.workflow.objection.resolved"
FILING_FILED = "zdz.workflow.filing.filed"
FILING_ACKNOWLEDGED = "zdz.workflow.filing.acknowledged"
DEMONSTRATION_UPDATED = "zdz.workflow.demonstration.updated"
DEMONSTRATION_LIST_PUBLISHED = "zdz.workflow.demonstration.list_published"
LOOK_BACK_FLAGGED = "zdz.workflow.look_back.flagged"
SPOT_CHECK_ROUND_CLOSED = "zdz.workflow.spot_check.round_closed"


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
    @property
    def standing(self) -> Standing | None: ...
    @property
    def filing_number(self) -> str: ...
    @property
    def demonstration(self) -> Demonstration | None: ...


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
                    # an import took effect when the unit entered its stage (e.g. accepted in 2024), not today
                    at=event.stage_since if isinstance(event, ProcessImported) else event.at,
                    latest_score=float(step.latest_score) if step.latest_score is not None else 0.0,
                    latest_grade=step.latest_grade.value if step.latest_grade else "",
                    step=step_name,
                    standing=enum_to_pb(workflow_pb.Standing, step.standing),
                    sheet_id=_sheet_id(event),
                ),
            )
        )
    own = _own_event(event, step, ref)
    if own is not None:
        wire.append(own)
    objection = _objection_event(event, step, ref)
    if objection is not None:
        wire.append(objection)
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
                    standing=enum_to_pb(workflow_pb.Standing, step.standing),
                ),
            )
        )
    return wire


def _sheet_id(event: Event) -> str:
    """The signed sheet a verdict rests on (DESIGN "Verdicts are sheets"); "" for other steps and for verdicts
    recorded before verdicts were sheets."""
    sheet: SignedSheet | None = getattr(event, "sheet", None)
    return sheet.sheet_id if sheet is not None else ""


def _objection_event(event: Event, step: ProcessStep, ref: refs_pb2.UnitRef) -> NewEvent | None:
    """ObjectionRaised / ObjectionResolved for the 公示栏, beside the notice's own suspension or resumption. The
    objector's contact never leaves the process (the district reads it in the process's notice)."""
    match event:
        case ObjectionRaised():
            message: Message = pb.ObjectionRaised(
                unit=ref,
                campaign=step.campaign,
                objection_id=event.objection_id,
                source=enum_to_pb(workflow_pb.ObjectionSource, event.source),
                objector_name=event.objector.name if event.objector else "",
                text=event.reason,
                at=event.at,
            )
            return NewEvent(OBJECTION_RAISED, message)
        case ObjectionUpheld() | ObjectionDismissed():
            message = pb.ObjectionResolved(
                unit=ref,
                campaign=step.campaign,
                objection_id=event.objection_id,
                upheld=isinstance(event, ObjectionUpheld),
                answer=event.reason,
                at=event.at,
            )
            return NewEvent(OBJECTION_RESOLVED, message)
    return None


def channel_pb(channel: NoticeChannel) -> workflow_pb.NoticeChannel:
    return workflow_pb.NoticeChannel(
        kind=enum_to_pb(workflow_pb.NoticeChannelKind, channel.kind), name=channel.name, url=channel.url
    )


def demonstration_pb(track: Demonstration) -> workflow_pb.Demonstration:
    report = track.report
    return workflow_pb.Demonstration(
        status=enum_to_pb(workflow_pb.DemonstrationStatus, track.status),
        sheet_id=track.sheet_id,
        typical_practices=report.typical_practices if report else "",
        highlights=report.highlights if report else "",
        outcomes=report.outcomes if report else "",
        experts=track.experts,
        check_note=track.check_note,
        commendation=f"{track.list_title}：{track.commendation}" if track.list_title else "",
    )


def demonstration_list_event(listing: DemonstrationList) -> NewEvent:
    """DemonstrationListPublished: the 示范园区清单 with its commendation, for the 公示栏."""
    return NewEvent(
        DEMONSTRATION_LIST_PUBLISHED,
        pb.DemonstrationListPublished(
            title=listing.title,
            commendation=listing.commendation,
            units=[unit_ref(u) for u in listing.units],
            at=listing.at,
        ),
    )


def _own_event(event: Event, step: ProcessStep, ref: refs_pb2.UnitRef) -> NewEvent | None:
    message: Message
    match event:
        case NoticePublished(notice=notice) | ProcessImported(notice=Notice() as notice):
            # A unit imported during its notice is on the 公示栏 like one published in the system.
            if isinstance(event, NoticePublished):
                sheet_id = event.sheet_id
            else:
                sheet_id = event.sheets[-1].sheet_id if event.sheets else ""
            ends = notice.ends
            message = pb.NoticePublished(
                unit=ref,
                campaign=step.campaign,
                channel=channel_pb(notice.channel) if notice.channel else None,
                sheet_id=sheet_id,
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
        case ReacceptanceFlagRaised(flag=flag):
            message = pb.ReacceptanceFlagRaised(
                unit=ref,
                campaign=step.campaign,
                flag=workflow_pb.ReacceptanceFlag(
                    rule=enum_to_pb(workflow_pb.FlagRule, flag.rule),
                    rule_id=flag.rule_id,
                    rule_text=flag.rule_text,
                    reason=flag.reason,
                    raised_at=flag.raised_at,
                ),
            )
            return NewEvent(LOOK_BACK_FLAGGED, message)
        case ResultFiled():
            message = pb.ResultFiled(
                unit=ref,
                campaign=step.campaign,
                filing_number=event.filing_number,
                sheet_id=event.sheet_id,
                total=f"{step.latest_score:.2f}" if step.latest_score is not None else "",
                grade=enum_to_pb(workflow_pb.Grade, step.latest_grade),
                at=event.at,
            )
            return NewEvent(FILING_FILED, message)
        case FilingAcknowledged():
            message = pb.FilingAcknowledged(
                unit=ref, campaign=step.campaign, filing_number=step.filing_number, at=event.at
            )
            return NewEvent(FILING_ACKNOWLEDGED, message)
        case DemonstrationReportSubmitted() | DemonstrationChecked() | DemonstrationListed():
            assert step.demonstration is not None, "a demonstration step leaves the track in the state"
            message = pb.DemonstrationUpdated(
                unit=ref,
                campaign=step.campaign,
                demonstration=demonstration_pb(step.demonstration),
                at=event.at,
            )
            return NewEvent(DEMONSTRATION_UPDATED, message)
        case DeadlineMissed():
            due = step.deadline.due_at if step.deadline else None
            message = pb.DeadlineMissed(unit=ref, deadline_kind=event.kind.value, due=due)
            return NewEvent(DEADLINE_MISSED, message)
    return None


def round_closed_event(round: SpotCheckRound) -> NewEvent:
    """SpotCheckRoundClosed: the round's draw, the units it drew and those it released FILED → ACCEPTED."""
    assert round.closed_at is not None, "only a closed round is published"
    return NewEvent(
        SPOT_CHECK_ROUND_CLOSED,
        pb.SpotCheckRoundClosed(
            draw_id=round.draw.draw_id,
            round=round.draw.round,
            drawn=[unit_ref(m.unit) for m in round.drawn],
            released=[unit_ref(m.unit) for m in round.released],
            reason=round.close_reason,
            at=round.closed_at,
        ),
    )
