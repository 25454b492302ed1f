"""Durable consumers: each event processed once through duplicates, failures and a broker restart."""

from __future__ import annotations

import asyncio
from pathlib import Path

import nats
import sqlalchemy as sa
from sqlmodel import Session, SQLModel

from zdz.events.v1.envelope_pb2 import Envelope
from zdz_common.consumer import DEAD_LETTER_STREAM, ConsumerSettings, EventConsumer
from zdz_common.eventstore import STORE_TABLES, create_store_engine
from zdz_common.nats_streams import ensure_stream, stream_name
from zdz_local.nats_server import NatsServer

EFFECTS = sa.Table("test_effect", SQLModel.metadata, sa.Column("event_id", sa.String(36), nullable=False))


def _engine(tmp_path: Path) -> sa.Engine:
    engine = create_store_engine(f"sqlite:///{tmp_path / 'consumer.db'}")
    SQLModel.metadata.create_all(engine, tables=[*STORE_TABLES, EFFECTS])
    return engine


def record_effect(session: Session, envelope: Envelope) -> None:
    session.execute(EFFECTS.insert().values(event_id=envelope.id))


def _effects(engine: sa.Engine) -> list[str]:
    with engine.connect() as connection:
        return [row[0] for row in connection.execute(sa.select(EFFECTS.c.event_id))]


async def _publish(url: str, count: int, *, start: int = 0, msg_id_suffix: str = "") -> None:
    nc = await nats.connect(url)
    js = nc.jetstream()
    await ensure_stream(js, "test")
    for n in range(start, start + count):
        envelope = Envelope(id=f"event-{n:06d}", type="zdz.test.thing.happened", source="zdz/test")
        await js.publish(
            "zdz.test.thing.happened",
            envelope.SerializeToString(),
            headers={"Nats-Msg-Id": envelope.id + msg_id_suffix},
        )
    await nc.drain()


async def _until(predicate, within: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(within / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached in time")


async def test_a_redelivered_event_is_processed_once(tmp_path: Path, nats_server: NatsServer) -> None:
    engine = _engine(tmp_path)
    # The same event arrives twice (e.g. re-fed after a broker lost data): same event id, different message id.
    await _publish(nats_server.url, 10)
    await _publish(nats_server.url, 10, msg_id_suffix="-refeed")
    consumer = EventConsumer(engine, ConsumerSettings(name="t", stream=stream_name("test")), record_effect)
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(nats_server.url, stop))
    await _until(lambda: consumer.processed == 10)
    await asyncio.sleep(0.5)  # give the duplicates time to arrive and be skipped
    stop.set()
    await task
    assert sorted(_effects(engine)) == [f"event-{n:06d}" for n in range(10)]


async def test_a_failing_handler_is_retried_with_delay_then_succeeds_once(
    tmp_path: Path, nats_server: NatsServer
) -> None:
    engine = _engine(tmp_path)
    attempts: dict[str, int] = {}

    def flaky(session: Session, envelope: Envelope) -> None:
        attempts[envelope.id] = attempts.get(envelope.id, 0) + 1
        if attempts[envelope.id] < 3:
            raise RuntimeError("downstream unavailable")
        record_effect(session, envelope)

    await _publish(nats_server.url, 3)
    settings = ConsumerSettings(name="t", stream=stream_name("test"), retry_delays=(0.1, 0.1, 0.1))
    consumer = EventConsumer(engine, settings, flaky)
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(nats_server.url, stop))
    await _until(lambda: consumer.processed == 3)
    stop.set()
    await task
    assert attempts == {f"event-{n:06d}": 3 for n in range(3)}
    assert len(_effects(engine)) == 3  # the failed attempts left nothing behind


async def test_an_event_that_always_fails_goes_to_the_dead_letter_subject(
    tmp_path: Path, nats_server: NatsServer
) -> None:
    engine = _engine(tmp_path)

    def broken(session: Session, envelope: Envelope) -> None:
        raise ValueError("cannot route this event")

    await _publish(nats_server.url, 1)
    settings = ConsumerSettings(name="t", stream=stream_name("test"), retry_delays=(0.1, 0.1))
    consumer = EventConsumer(engine, settings, broken)
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(nats_server.url, stop))
    await _until(lambda: consumer.dead_lettered == 1)
    stop.set()
    await task
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    message = await js.get_last_msg(DEAD_LETTER_STREAM, "zdz.deadletter.t")
    assert Envelope.FromString(message.data).id == "event-000000"
    assert message.headers["zdz-error"] == "cannot route this event"
    await nc.drain()
    assert _effects(engine) == []


async def test_consumer_resumes_after_nats_restart_and_processes_each_event_once(
    tmp_path: Path, nats_server: NatsServer
) -> None:
    engine = _engine(tmp_path)
    await _publish(nats_server.url, 500)
    consumer = EventConsumer(
        engine, ConsumerSettings(name="t", stream=stream_name("test"), batch_size=50), record_effect
    )
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(nats_server.url, stop))
    await _until(lambda: consumer.processed >= 100)
    # Crash the broker mid-stream, bring it back, and publish more while the consumer recovers.
    nats_server.kill()
    await asyncio.sleep(1.0)
    nats_server.start()
    await _publish(nats_server.url, 500, start=500)
    await _until(lambda: len(_effects(engine)) >= 1000, within=120)
    await asyncio.sleep(0.5)
    stop.set()
    await task
    effects = _effects(engine)
    assert len(effects) == len(set(effects)) == 1000
