"""The workflow service follows the scoring service's draws through real NATS: a zdz.scoring.spot_check.drawn event
starts the draw's round, which moves the drawn process into spot-check; the event delivered again (a re-feed under
another broker message id) starts nothing more."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import nats
from google.protobuf.any_pb2 import Any as AnyMessage
from google.protobuf.timestamp_pb2 import Timestamp

from tests.integration.workflow.harness import PARK, TOWN, Harness
from tests.integration.workflow.scenarios import import_filed, stage_is
from zdz.events.v1 import refs_pb2
from zdz.events.v1.envelope_pb2 import Actor, Envelope
from zdz.events.v1.refs_pb2 import UnitRef
from zdz.scoring.v1 import events_pb2 as scoring_events
from zdz.scoring.v1 import scoring_pb2
from zdz_common.consumer import EventConsumer
from zdz_common.nats_streams import ensure_stream
from zdz_common.pb_enums import enum_to_pb
from zdz_common.vocabulary import Stage
from zdz_local.nats_server import NatsServer
from zdz_workflow.domain.units import UnitInfo
from zdz_workflow.entrypoints import spot_check_draws
from zdz_workflow.temporal.rounds import SpotCheckRounds

CITY_CLERK = Actor(organisation="重庆市污水零直排区工作专班", role="MUNICIPAL_TASK_FORCE", person="王芳")


def _ref(unit: UnitInfo) -> UnitRef:
    return UnitRef(
        id=unit.unit_id,
        district_code=unit.district_code,
        kind=enum_to_pb(refs_pb2.UnitKind, unit.kind),
        name=unit.name,
    )


def _drawn_event() -> Envelope:
    drawn_at = Timestamp()
    drawn_at.FromDatetime(datetime(2025, 4, 1, 2, tzinfo=UTC))  # 10:00 Asia/Shanghai
    payload = scoring_events.SpotCheckDrawn(
        draw_id="draw-2025-1",
        seed="20250401",
        districts=[scoring_events.DistrictSpotCheckDraw(district_code="wanzhou", units=[_ref(TOWN)])],
        spot_check=scoring_pb2.SpotCheck(
            id="draw-2025-1", candidates=[_ref(TOWN), _ref(PARK)], drawn_at=drawn_at, round="2025-1"
        ),
        round="2025-1",
    )
    return Envelope(
        id="evt-draw-2025-1",
        source="zdz/scoring",
        type=spot_check_draws.SPOT_CHECK_DRAWN,
        actor=CITY_CLERK,
        time=drawn_at,
        data=AnyMessage(
            type_url=f"type.googleapis.com/{payload.DESCRIPTOR.full_name}", value=payload.SerializeToString()
        ),
    )


async def _publish(nats_url: str, envelope: Envelope, msg_id: str) -> None:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await ensure_stream(js, "scoring")
    await js.publish(envelope.type, envelope.SerializeToString(), headers={"Nats-Msg-Id": msg_id})
    await nc.drain()


async def test_a_draw_event_starts_its_round_once_and_the_round_moves_the_drawn_process(
    running: Harness, nats_server: NatsServer
) -> None:
    town, park = await import_filed(running, TOWN), await import_filed(running, PARK)
    envelope = _drawn_event()
    await _publish(nats_server.url, envelope, envelope.id)
    await _publish(nats_server.url, envelope, f"{envelope.id}-again")  # a re-feed after a broker loss

    rounds = SpotCheckRounds(running.client, task_queue=running.task_queue)
    # The processes' clocks run in 2025 (the harness's shifted clock); so does the round's.
    starter = spot_check_draws.round_starter(
        lambda draw: rounds.start(draw, clock_offset=town.offset), asyncio.get_running_loop()
    )
    consumer = EventConsumer(running.app.engine, spot_check_draws.SETTINGS, starter)
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(nats_server.url, stop))
    try:
        await town.settled(stage_is(Stage.SPOT_CHECK))
        for _ in range(100):  # both deliveries handled: the second found the first's id and did nothing
            info = await _pending(nats_server.url)
            if info == 0:
                break
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await task
    assert consumer.processed == 1 and consumer.dead_lettered == 0

    round = await rounds.get("draw-2025-1")
    assert [m.unit.unit_id for m in round.drawn] == [TOWN.unit_id]
    assert round.draw.drawn_by.organisation == CITY_CLERK.organisation and round.draw.closes_on is None
    assert [m.unit.unit_id for m in round.waiting] == [PARK.unit_id]
    assert stage_is(Stage.FILED)(await park.view())


async def _pending(nats_url: str) -> int:
    nc = await nats.connect(nats_url)
    try:
        info = await nc.jetstream().consumer_info(
            spot_check_draws.SETTINGS.stream, spot_check_draws.SETTINGS.durable
        )
        return info.num_pending + info.num_ack_pending
    finally:
        await nc.drain()
