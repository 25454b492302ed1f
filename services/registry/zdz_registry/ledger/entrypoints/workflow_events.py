"""The registry follows each unit's process: stage events from services/workflow move its acceptance state,
so district progress against the 2025/2027 targets is current. Each event is applied once (zdz_common.consumer)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlmodel import Session

from zdz.events.v1.envelope_pb2 import Envelope
from zdz.workflow.v1 import events_pb2 as workflow_events
from zdz_common.consumer import ConsumerSettings
from zdz_common.context import Actor, CommandContext
from zdz_common.nats_streams import stream_name
from zdz_registry.ledger.service_layer.services import LedgerService

STAGE_ENTERED = "zdz.workflow.process.stage_entered"
SHANGHAI = ZoneInfo("Asia/Shanghai")
SETTINGS = ConsumerSettings(
    name="registry-progress", stream=stream_name("workflow"), filter_subject=STAGE_ENTERED
)


def stage_follower(ledger: LedgerService):  # type: ignore[no-untyped-def]
    """The consumer's handler: one StageEntered event → the unit's acceptance state, in the given transaction."""

    def handle(session: Session, envelope: Envelope) -> None:
        event = workflow_events.StageEntered()
        envelope.data.Unpack(event)
        context = CommandContext(
            actor=Actor(envelope.actor.organisation, envelope.actor.role, envelope.actor.person),
            request_id=envelope.request_id or envelope.id,
            traceparent=envelope.traceparent,
        )
        reason = f"流程进入 {event.to_stage}：{event.reason}".strip("：")
        ledger.follow_stage(
            session,
            event.unit.id,
            event.to_stage,
            event.at.ToDatetime(tzinfo=SHANGHAI).date(),
            reason,
            context,
        )

    return handle
