"""An event that can never be published is parked, with the later events of its stream; the rest go on, in order.

A real nats-server with a small `max_payload` refuses the oversized event; after the operator's fix (a larger
limit) a re-feed from its position releases it and the events held behind it, and nothing is lost or doubled.
"""

from __future__ import annotations

import logging
from pathlib import Path

import nats
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from sqlmodel import Session, SQLModel, select

from tests.integration.common.refeed_runtime import running_store, until
from zdz.registry.v1 import events_pb2
from zdz_common.context import Actor, CommandContext
from zdz_common.eventstore import STORE_TABLES, EventStore, NewEvent, OutboxRecord, create_store_engine
from zdz_common.eventstore.store import RecordedEvent
from zdz_common.nats_streams import ensure_stream, stream_name
from zdz_common.outbox import OutboxRelay, parked_count, requeue
from zdz_common.runtime import OUTBOX_HEALTH
from zdz_common.transaction import committed
from zdz_local.nats_server import NatsServer

CLERK = CommandContext(actor=Actor("wanzhou-task-force", "DISTRICT_TASK_FORCE", "clerk-1"), request_id="r-1")
SMALL_LIMIT = 4096


@pytest.fixture
def engine(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = create_store_engine(f"sqlite:///{tmp_path / 'store.db'}")
    SQLModel.metadata.create_all(engine, tables=STORE_TABLES)
    yield engine
    engine.dispose()


@pytest.fixture
def small_nats(tmp_path: Path):  # type: ignore[no-untyped-def]
    server = NatsServer(
        tmp_path / "jetstream", log_file=tmp_path / "nats.log", max_payload=SMALL_LIMIT
    ).start()
    yield server
    server.stop()


def _append(engine, stream: str, name: str) -> RecordedEvent:  # type: ignore[no-untyped-def]
    event = NewEvent(
        type="zdz.registry.district.updated", data=events_pb2.DistrictUpdated(code="x", name=name)
    )
    with Session(engine) as session:
        (recorded,) = EventStore("zdz/test").append(session, stream, None, [event], CLERK)
        session.commit()
    return recorded


async def _published_ids(js) -> list[str]:  # type: ignore[no-untyped-def]
    info = await js.stream_info(stream_name("registry"))
    sub = await js.pull_subscribe("zdz.registry.>", durable=None, stream=stream_name("registry"))
    ids: list[str] = []
    while len(ids) < info.state.messages:
        for message in await sub.fetch(100, timeout=5):
            ids.append(message.headers["Nats-Msg-Id"])
            await message.ack()
    await sub.unsubscribe()
    return ids


def _parked(engine) -> dict[int, str]:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        rows = session.exec(select(OutboxRecord).where(OutboxRecord.parked_at.is_not(None))).all()  # type: ignore[union-attr]
        return {row.position: row.parked_reason or "" for row in rows}


async def test_an_unpublishable_event_is_parked_with_its_stream_and_the_other_streams_go_on_in_order(
    engine, small_nats: NatsServer, caplog: pytest.LogCaptureFixture
) -> None:
    a1 = _append(engine, "district/a", "a1")
    b1 = _append(engine, "district/b", "b1")
    a2 = _append(engine, "district/a", "大" * 3000)  # 9 kB: more than the server's max_payload
    b2 = _append(engine, "district/b", "b2")
    a3 = _append(engine, "district/a", "a3")  # held behind a2: a consumer never sees a3 without a2
    b3 = _append(engine, "district/b", "b3")

    nc = await nats.connect(small_nats.url, reconnect_time_wait=0.1)
    js = nc.jetstream()
    await ensure_stream(js, "registry")
    reported: list[int] = []

    async def on_parked(count: int) -> None:
        reported.append(count)

    relay = OutboxRelay(engine, js, max_payload=lambda: nc.max_payload, on_parked=on_parked)
    with caplog.at_level(logging.ERROR, logger="zdz_common.outbox"):
        assert await relay.publish_pending() == 4
    assert await relay.publish_pending() == 0  # nothing retried for ever: the parked rows are left alone
    assert await _published_ids(js) == [e.event_id for e in (a1, b1, b2, b3)]
    parked = _parked(engine)
    assert sorted(parked) == [a2.position, a3.position]
    assert "maximum payload exceeded" in parked[a2.position]
    assert f"位置 {a2.position}" in parked[a3.position]
    assert parked_count(engine) == 2 and reported == [2]
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any(a2.event_id in line and "re-feed" in line for line in errors)

    # The operator's fix: a larger max_payload (the client reconnects and learns it); then a re-feed from the
    # parked position releases both, in order.
    small_nats.kill()
    small_nats.max_payload = 64 * 1024
    small_nats.start()
    await until(lambda: nc.is_connected and nc.max_payload == 64 * 1024)
    requeued = requeue(engine, from_position=a2.position)
    assert requeued.queued == 4  # a2, b2, a3, b3: b2 and b3 again, dropped as duplicates by their message id
    assert parked_count(engine) == 0
    assert await relay.publish_pending() == 4
    assert await _published_ids(js) == [e.event_id for e in (a1, b1, b2, b3, a2, a3)]
    assert reported == [2, 0]
    await nc.drain()


async def test_nats_refusing_the_payload_parks_the_event_even_without_the_limit_known_beforehand(
    engine, small_nats: NatsServer
) -> None:
    big = _append(engine, "district/a", "大" * 3000)
    small = _append(engine, "district/b", "b1")
    nc = await nats.connect(small_nats.url)
    js = nc.jetstream()
    await ensure_stream(js, "registry")
    relay = OutboxRelay(engine, js)  # no limit given: nats-py's MaxPayloadError is the refusal
    assert await relay.publish_pending() == 1
    assert await _published_ids(js) == [small.event_id]
    assert list(_parked(engine)) == [big.position]
    await nc.drain()


async def test_the_services_health_reports_a_parked_event_while_the_service_itself_stays_serving(
    tmp_path: Path, small_nats: NatsServer
) -> None:
    async with running_store(tmp_path, small_nats.url) as store:
        health = health_pb2_grpc.HealthStub(store.channel)

        async def status(service: str) -> int:
            return (await health.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)).status

        assert await status(OUTBOX_HEALTH) == health_pb2.HealthCheckResponse.SERVING
        _append(store.directory.engine, "district/poisoned", "大" * 3000)
        small = _append(store.directory.engine, "district/other", "b1")
        committed(store.directory.engine)

        async def parked_reported() -> bool:
            return await status(OUTBOX_HEALTH) == health_pb2.HealthCheckResponse.NOT_SERVING

        await until(parked_reported)
        await until(lambda: small.event_id in store.applied())  # the other stream goes on
        assert parked_count(store.directory.engine) == 1
        assert await status("") == health_pb2.HealthCheckResponse.SERVING
