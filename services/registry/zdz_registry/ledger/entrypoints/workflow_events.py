"""The registry follows each unit's process: the workflow's stage events (StageEntered, and ProcessStepRecorded for
steps that change the unit's standing but not its stage, e.g. a look-back failure) move its acceptance state, so
district progress against the 2025/2027 targets is current. Each event is applied once (zdz_common.consumer).

The workflow's reason is taken as the workflow accepted it (zdz_common.validation.command_reason, the check both
apply), and the stage and step are kept beside it: text the workflow accepted is never refused here. An event
recorded before the workflow refused control, non-characters and bidi controls (issue 16) or bounded its reasons
may hold them: its reason is applied without them and within the bound (`followed_reason`), so a unit's
acceptance state follows its whole history."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from google.protobuf.timestamp_pb2 import Timestamp
from sqlmodel import Session

from zdz.events.v1.envelope_pb2 import Envelope
from zdz.workflow.v1 import events_pb2 as workflow_events
from zdz.workflow.v1 import workflow_pb2
from zdz_common.consumer import ConsumerSettings
from zdz_common.context import Actor, CommandContext
from zdz_common.nats_streams import stream_name
from zdz_common.pb_enums import enum_name
from zdz_common.validation import MAX_REASON_LENGTH, without_refused_characters
from zdz_registry.ledger.domain.progress import PLAN_ISSUED, ProcessStanding, ProcessStep
from zdz_registry.ledger.service_layer.services import LedgerService

STAGE_ENTERED = "zdz.workflow.process.stage_entered"
STEP_RECORDED = "zdz.workflow.process.step_recorded"
SHANGHAI = ZoneInfo("Asia/Shanghai")
SETTINGS = ConsumerSettings(
    name="registry-progress", stream=stream_name("workflow"), filter_subject="zdz.workflow.process.>"
)


def _standing(value: int) -> ProcessStanding | None:
    """None for STANDING_UNSPECIFIED: an event recorded by workflow code older than issue 11."""
    if value == workflow_pb2.STANDING_UNSPECIFIED:
        return None
    return ProcessStanding(enum_name(workflow_pb2.Standing, value, "standing"))


def followed_reason(text: str) -> str:
    """A recorded reason as today's `command_reason` accepts it (unchanged for every event the workflow records
    now; older events' refused characters dropped and the text cut to the bound)."""
    return without_refused_characters(text, prose=True).strip()[:MAX_REASON_LENGTH]


def _day(at: Timestamp) -> date:
    """The step's day in Chongqing; a process imported as in its stage since before the plan counts from the plan's
    day (渝环规〔2024〕5号: no unit was accepted under it before)."""
    return max(at.ToDatetime(tzinfo=SHANGHAI).date(), PLAN_ISSUED)


def process_step(envelope: Envelope) -> tuple[str, ProcessStep] | None:
    """The unit and the step an event of the workflow's process subjects records; None for another type, and for
    a step recorded without a standing (older workflow code recorded those only for the stages' own sake)."""
    if envelope.type == STAGE_ENTERED:
        entered = workflow_events.StageEntered()
        envelope.data.Unpack(entered)
        return entered.unit.id, ProcessStep(
            stage=entered.to_stage,
            standing=_standing(entered.standing),
            name=entered.step,
            on=_day(entered.at),
            reason=followed_reason(entered.reason),
        )
    if envelope.type == STEP_RECORDED:
        recorded = workflow_events.ProcessStepRecorded()
        envelope.data.Unpack(recorded)
        standing = _standing(recorded.standing)
        if standing is None:
            return None
        return recorded.unit.id, ProcessStep(
            stage=recorded.stage,
            standing=standing,
            name=recorded.step,
            on=_day(recorded.at),
            reason=followed_reason(recorded.reason),
        )
    return None


def stage_follower(ledger: LedgerService):  # type: ignore[no-untyped-def]
    """The consumer's handler: one process event → the unit's acceptance state, in the given transaction."""

    def handle(session: Session, envelope: Envelope) -> None:
        followed = process_step(envelope)
        if followed is None:
            return
        unit_id, step = followed
        context = CommandContext(
            actor=Actor(envelope.actor.organisation, envelope.actor.role, envelope.actor.person),
            request_id=envelope.request_id or envelope.id,
            traceparent=envelope.traceparent,
        )
        ledger.follow_step(session, unit_id, step, context)

    return handle
