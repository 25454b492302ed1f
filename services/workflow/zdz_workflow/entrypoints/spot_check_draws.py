"""The workflow service follows the municipal spot-check draws: each zdz.scoring.spot_check.drawn event starts the
draw's round (temporal/round_workflow.py), which moves the drawn processes and, when it closes, releases the rest.
The seed is the one the scoring service chose and recorded in the event; a redraw's event names the draw it
replaces, which its round records as evidence (domain/spot_check_rounds.py).

A durable consumer of the scoring service's stream (zdz_common.consumer): each event is handled once, and the
round's workflow id is the draw's, so an event delivered again after a crash starts nothing new.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, date

from sqlmodel import Session

from zdz.events.v1 import refs_pb2
from zdz.events.v1.envelope_pb2 import Envelope
from zdz.scoring.v1 import events_pb2 as scoring_events
from zdz_common.consumer import ConsumerSettings, Handler
from zdz_common.context import Actor
from zdz_common.nats_streams import stream_name
from zdz_common.pb_enums import enum_from_pb
from zdz_common.vocabulary import UnitKind
from zdz_workflow.domain.spot_check_rounds import SpotCheckDraw
from zdz_workflow.domain.units import UnitInfo

SPOT_CHECK_DRAWN = "zdz.scoring.spot_check.drawn"
SETTINGS = ConsumerSettings(
    name="workflow-spot-check-rounds",
    stream=stream_name("scoring"),
    filter_subject=SPOT_CHECK_DRAWN,
    batch_size=1,  # each event calls Temporal: one event per transaction, so no batch holds the writer slot
)
START_TIMEOUT_SECONDS = 30.0


def draw_of(envelope: Envelope) -> SpotCheckDraw:
    """The draw a SpotCheckDrawn event records, as the round needs it."""
    event = scoring_events.SpotCheckDrawn()
    envelope.data.Unpack(event)
    recorded = event.spot_check
    drawn_at = recorded.drawn_at if recorded.HasField("drawn_at") else envelope.time
    return SpotCheckDraw(
        draw_id=event.draw_id or recorded.id,
        round=event.round or recorded.round,
        seed=event.seed,
        drawn_by=Actor(envelope.actor.organisation, envelope.actor.role, envelope.actor.person),
        drawn_at=drawn_at.ToDatetime(tzinfo=UTC),
        candidates=tuple(_unit(ref, "spot_check.candidates") for ref in recorded.candidates),
        drawn=tuple(_unit(ref, "districts.units") for district in event.districts for ref in district.units),
        closes_on=date.fromisoformat(event.closes_on) if event.closes_on else None,
        replaces_draw_id=event.replaces_draw_id,
    )


def _unit(ref: refs_pb2.UnitRef, field: str) -> UnitInfo:
    kind = enum_from_pb(refs_pb2.UnitKind, ref.kind, UnitKind, f"{field}.kind")
    return UnitInfo(unit_id=ref.id, district_code=ref.district_code, kind=kind, name=ref.name)


def round_starter(
    start: Callable[[SpotCheckDraw], Awaitable[bool]], loop: asyncio.AbstractEventLoop
) -> Handler:
    """The consumer's handler: start the draw's round. The consumer runs handlers in a worker thread; the Temporal
    client lives on the service's event loop, so the start is handed to it and awaited from here."""

    def handle(_session: Session, envelope: Envelope) -> None:
        draw = draw_of(envelope)
        asyncio.run_coroutine_threadsafe(start(draw), loop).result(timeout=START_TIMEOUT_SECONDS)

    return handle
