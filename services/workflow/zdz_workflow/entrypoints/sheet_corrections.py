"""A correction signed later moves the process's score (DESIGN, rulings: "Verdicts are sheets").

The workflow service follows the scoring service's signed sheets (`zdz.scoring.score_sheet.signed`); a sheet that
replaces another is read whole from scoring and sent to the unit's running process as ApplySheetCorrection, which
records it when the replaced sheet is one of its verdicts. Each event is handled once (zdz_common.consumer) and
its id is the update's id, so a redelivery changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from sqlmodel import Session

from zdz.events.v1.envelope_pb2 import Envelope
from zdz.scoring.v1 import events_pb2 as scoring_events
from zdz_common.consumer import ConsumerSettings, Handler
from zdz_common.context import Actor
from zdz_common.nats_streams import stream_name
from zdz_workflow.domain.commands import ApplySheetCorrection
from zdz_workflow.domain.ports import SheetSource
from zdz_workflow.temporal.processes import ProcessService

log = logging.getLogger(__name__)

SHEET_SIGNED = "zdz.scoring.score_sheet.signed"
SETTINGS = ConsumerSettings(
    name="workflow-sheet-corrections",
    stream=stream_name("scoring"),
    filter_subject=SHEET_SIGNED,
    batch_size=1,  # each event calls Temporal: one event per transaction, so no batch holds the writer slot
)


async def apply_correction(
    processes: ProcessService, sheets: SheetSource, envelope: Envelope
) -> ApplySheetCorrection | None:
    """Send a signed correction to the unit's processes; None when the event is no correction. A process that
    refuses it is logged and passed over (retrying cannot help); scoring or Temporal unreachable raises."""
    if envelope.type != SHEET_SIGNED:
        return None
    signed = scoring_events.ScoreSheetSigned()
    envelope.data.Unpack(signed)
    if not signed.replaces_sheet_id:
        return None
    sheet = await sheets.sheet(signed.sheet_id)
    command = ApplySheetCorrection(
        actor=Actor(envelope.actor.organisation, envelope.actor.role, envelope.actor.person),
        request_id=f"sheet-corrected/{envelope.id}",
        at=datetime.now(UTC),  # the process records it on its own clock (ProcessWorkflow._stamped)
        reason=f"评分表「{signed.replaces_sheet_id}」由更正评分表「{signed.sheet_id}」取代",
        evidence=(f"score-sheet:{signed.sheet_id}",),
        sheet=sheet,
    )
    recorded = await processes.apply_sheet_correction(signed.unit.id, command)
    log.info(
        "correction %s of %s recorded by %s",
        signed.sheet_id,
        signed.replaces_sheet_id,
        recorded or "no process",
    )
    return command


def correction_follower(
    processes: ProcessService, sheets: SheetSource, loop: asyncio.AbstractEventLoop
) -> Handler:
    """The consumer's handler. It runs in a worker thread (zdz_common.consumer); the gRPC and Temporal calls run on
    the service's event loop, and a failure (scoring or Temporal unreachable) raises so the event is retried."""

    def handle(_session: Session, envelope: Envelope) -> None:
        asyncio.run_coroutine_threadsafe(apply_correction(processes, sheets, envelope), loop).result()

    return handle
