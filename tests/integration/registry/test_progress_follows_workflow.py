"""District progress follows the process: the registry consumes the workflow's stage events, each once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import nats
from google.protobuf.any_pb2 import Any as AnyMessage
from google.protobuf.timestamp_pb2 import Timestamp
from sqlmodel import Session

from zdz.events.v1.envelope_pb2 import Actor, Envelope
from zdz.events.v1.refs_pb2 import UNIT_KIND_TOWN, UnitRef
from zdz.workflow.v1 import events_pb2 as workflow_events
from zdz_common.consumer import EventConsumer
from zdz_common.nats_streams import ensure_stream
from zdz_local.nats_server import NatsServer
from zdz_registry.bootstrap import bootstrap, bootstrap_ledger
from zdz_registry.directory.service_layer.official_data import load_official_data
from zdz_registry.directory.service_layer.services import UnitFilter
from zdz_registry.ledger.adapters.orm import AcceptanceView
from zdz_registry.ledger.entrypoints import workflow_events as follower


def _stage_entered(event_id: str, unit: UnitRef, to_stage: str, at: datetime) -> Envelope:
    moment = Timestamp()
    moment.FromDatetime(at)
    payload = workflow_events.StageEntered(
        unit=unit, campaign="2024", to_stage=to_stage, at=moment, reason="测试"
    )
    return Envelope(
        id=event_id,
        source="zdz/workflow",
        type=follower.STAGE_ENTERED,
        actor=Actor(organisation="district:wanzhou", role="DISTRICT_TASK_FORCE", person="li"),
        data=AnyMessage(
            type_url=f"type.googleapis.com/{payload.DESCRIPTOR.full_name}", value=payload.SerializeToString()
        ),
    )


async def test_stage_events_move_the_units_acceptance_state_and_district_progress(
    tmp_path: Path, nats_server: NatsServer
) -> None:
    registry = bootstrap(f"sqlite:///{tmp_path / 'registry.db'}")
    ledger = bootstrap_ledger(registry)
    load_official_data(registry)
    # 万州 has 20 along-river towns in 附件2; take the first and follow it through its process.
    town = next(
        u
        for u in registry.list_units(UnitFilter(district_code="wanzhou"), page_size=100).items
        if u.kind == "TOWN"
    )
    unit = UnitRef(id=town.id, district_code="wanzhou", kind=UNIT_KIND_TOWN, name=town.name)
    before = ledger.district_progress("wanzhou")

    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    await ensure_stream(js, "workflow")
    notice = _stage_entered("e-1", unit, "PUBLIC_NOTICE", datetime(2024, 9, 27, 2, tzinfo=UTC))
    filed = _stage_entered("e-2", unit, "FILED", datetime(2024, 10, 15, 2, tzinfo=UTC))
    look_back = _stage_entered("e-3", unit, "LOOK_BACK", datetime(2025, 3, 1, 2, tzinfo=UTC))
    for envelope in (notice, filed, look_back):
        await js.publish(envelope.type, envelope.SerializeToString(), headers={"Nats-Msg-Id": envelope.id})
    # The same event delivered again (a re-feed after a broker loss) must not be applied twice.
    await js.publish(filed.type, filed.SerializeToString(), headers={"Nats-Msg-Id": "e-2-again"})
    await nc.drain()

    consumer = EventConsumer(registry.engine, follower.SETTINGS, follower.stage_follower(ledger))
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(nats_server.url, stop))
    for _ in range(200):
        if consumer.processed == 3:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)
    stop.set()
    await task

    assert consumer.processed == 3
    with Session(registry.engine) as session:
        acceptance = session.get(AcceptanceView, town.id)
        assert acceptance is not None
        # Accepted by the district on the day its notice was published (Shanghai date), then filed; the
        # look-back changes nothing; the duplicate added no event.
        assert (acceptance.state, acceptance.accepted_on) == ("FILED", "2024-09-27")
        assert len(registry.store.read(session, f"acceptance/{town.id}")) == 2
    after = ledger.district_progress("wanzhou")
    assert after.along_river_towns_done == before.along_river_towns_done + 1
    assert after.towns_done == before.towns_done + 1
    registry.engine.dispose()
