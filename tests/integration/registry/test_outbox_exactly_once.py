"""Every event reaches JetStream exactly once, with nats-server killed and restarted mid-stream."""

from __future__ import annotations

import asyncio
import threading

import nats
import pytest
from sqlmodel import Session, func, select

from zdz_common.context import CommandContext
from zdz_common.eventstore import EventRecord, OutboxRecord
from zdz_common.nats_streams import stream_name
from zdz_common.outbox import OutboxRelay, publish_outbox_forever
from zdz_common.vocabulary import UnitKind
from zdz_local.nats_server import NatsServer
from zdz_registry.bootstrap import bootstrap
from zdz_registry.directory.domain.commands import CreateDistrict, CreateUnit
from zdz_registry.directory.domain.model import DistrictTargets, UnitDetails

WRITES = 2000
KILL_AFTER = 600


def _count(service, table) -> int:  # type: ignore[no-untyped-def]
    with Session(service.engine) as session:
        return int(session.exec(select(func.count()).select_from(table)).one())


def _unsent(service) -> int:  # type: ignore[no-untyped-def]
    with Session(service.engine) as session:
        return int(
            session.exec(
                select(func.count()).select_from(OutboxRecord).where(OutboxRecord.sent_at.is_(None))  # type: ignore[union-attr]
            ).one()
        )


async def _stream_message_ids(url: str) -> list[str]:
    nc = await nats.connect(url)
    js = nc.jetstream()
    info = await js.stream_info(stream_name("registry"))
    ids: list[str] = []
    sub = await js.pull_subscribe("zdz.registry.>", durable=None, stream=stream_name("registry"))
    while len(ids) < info.state.messages:
        for message in await sub.fetch(500, timeout=5):
            ids.append(message.headers["Nats-Msg-Id"])
            await message.ack()
    await nc.drain()
    return ids


async def test_events_reach_the_stream_exactly_once_across_a_nats_crash(
    database_url: str, nats_server: NatsServer
) -> None:
    loop = asyncio.get_running_loop()
    relays: list[OutboxRelay] = []
    service = bootstrap(
        database_url,
        on_commit=lambda: [loop.call_soon_threadsafe(r.wake) for r in relays],  # type: ignore[func-returns-value]
    )
    stop = asyncio.Event()
    publisher = asyncio.create_task(
        publish_outbox_forever(
            service.engine, service="registry", nats_url=nats_server.url, stop=stop, relay_ready=relays.append
        )
    )
    context = CommandContext()
    service.create_district(
        CreateDistrict(code="wanzhou", name="万州区", gb_code="500101", targets=DistrictTargets(35, 80)),
        context,
    )
    written = threading.Event()
    halfway = threading.Event()

    def write_units() -> None:
        for n in range(WRITES):
            service.create_unit(
                CreateUnit(
                    district_code="wanzhou",
                    kind=UnitKind.TOWN,
                    details=UnitDetails(name=f"测试镇{n:05d}", along_river=False, target_year=2027),
                ),
                context,
            )
            if n == KILL_AFTER:
                halfway.set()
        written.set()

    writer = asyncio.create_task(asyncio.to_thread(write_units))
    # Let the relay publish some of the first writes, then crash the broker while writes go on.
    await asyncio.to_thread(halfway.wait, 60)
    nats_server.kill()
    await asyncio.sleep(1.5)
    nats_server.start()
    await writer
    assert written.is_set()

    # Wait for the relay to drain the outbox after the restart.
    for _ in range(600):
        if _unsent(service) == 0:
            break
        await asyncio.sleep(0.1)
    assert _unsent(service) == 0, "the outbox did not drain after NATS came back"
    stop.set()
    await publisher

    stored_ids = _stored_event_ids(service)
    published_ids = await _stream_message_ids(nats_server.url)
    assert len(stored_ids) == WRITES + 1
    assert len(published_ids) == len(set(published_ids)), "an event reached the stream twice"
    assert set(published_ids) == set(stored_ids), "an event never reached the stream"
    service.engine.dispose()


def _stored_event_ids(service) -> list[str]:  # type: ignore[no-untyped-def]
    with Session(service.engine) as session:
        return list(session.exec(select(EventRecord.event_id)).all())


@pytest.mark.parametrize("restarts", [2])
async def test_relay_republishing_the_same_events_is_deduplicated_by_event_id(
    tmp_path, nats_server: NatsServer, restarts: int
) -> None:
    # A relay that crashed after the ack but before marking rows sent publishes them again on restart:
    # JetStream drops the copies because Nats-Msg-Id is the event id.
    from zdz_common.outbox import requeue

    service = bootstrap(f"sqlite:///{tmp_path / 'registry.db'}")
    context = CommandContext()
    service.create_district(
        CreateDistrict(code="fuling", name="涪陵区", gb_code="500102", targets=DistrictTargets(40, 80)),
        context,
    )
    for n in range(50):
        service.create_unit(
            CreateUnit(
                district_code="fuling",
                kind=UnitKind.TOWN,
                details=UnitDetails(name=f"镇{n}", along_river=False, target_year=2027),
            ),
            context,
        )
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    from zdz_common.nats_streams import ensure_stream

    await ensure_stream(js, "registry")
    relay = OutboxRelay(service.engine, js)
    assert await relay.publish_pending() == 51
    for _ in range(restarts):
        assert requeue(service.engine, from_position=1).queued == 51
        assert await relay.publish_pending() == 51
    info = await js.stream_info(stream_name("registry"))
    assert info.state.messages == 51
    await nc.drain()
    service.engine.dispose()
