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
    failures: dict[str, int] = {}

    def flaky(session: Session, envelope: Envelope) -> None:
        if failures.get(envelope.id, 0) < 2:
            failures[envelope.id] = failures.get(envelope.id, 0) + 1
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
    assert failures == {f"event-{n:06d}": 2 for n in range(3)}
    # The failed attempts left nothing behind; a batch rolled back for its neighbour's failure neither.
    assert sorted(_effects(engine)) == [f"event-{n:06d}" for n in range(3)]


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


class Crash(BaseException):
    """Stands for the process dying: no `except Exception` catches it, so the consumer's task ends with it."""


async def _run_until_crash(consumer: EventConsumer, url: str) -> None:
    task = asyncio.create_task(consumer.run(url, asyncio.Event()))
    try:
        await asyncio.wait_for(task, timeout=30)
    except Crash:
        return
    raise AssertionError("the consumer did not crash")


async def _drain_with_fresh_consumer(
    engine: sa.Engine, url: str, settings: ConsumerSettings, count: int
) -> int:
    """A restarted consumer takes over the unacknowledged messages; returns how many events it applied."""
    consumer = EventConsumer(engine, settings, record_effect)
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(url, stop))
    await _until(lambda: len(_effects(engine)) >= count and consumer.lag == 0, within=30)
    await asyncio.sleep(settings.ack_wait_seconds + 0.5)  # any late redelivery arrives and is skipped
    stop.set()
    await task
    return consumer.processed


async def test_a_fetched_batch_is_applied_in_one_transaction(tmp_path: Path, nats_server: NatsServer) -> None:
    engine = _engine(tmp_path)
    transactions = iter(range(1_000_000))
    seen_in: list[int] = []

    def tagged(session: Session, envelope: Envelope) -> None:
        seen_in.append(session.info.setdefault("transaction", next(transactions)))
        record_effect(session, envelope)

    await _publish(nats_server.url, 50)
    consumer = EventConsumer(engine, ConsumerSettings(name="t", stream=stream_name("test")), tagged)
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(nats_server.url, stop))
    await _until(lambda: consumer.processed == 50)
    stop.set()
    await task
    assert len(set(seen_in)) < 50  # at least one transaction held several events
    assert sorted(_effects(engine)) == [f"event-{n:06d}" for n in range(50)]


async def test_one_failing_event_in_a_batch_is_dead_lettered_and_the_others_are_applied_once(
    tmp_path: Path, nats_server: NatsServer
) -> None:
    engine = _engine(tmp_path)

    def refuses_event_4(session: Session, envelope: Envelope) -> None:
        if envelope.id == "event-000004":
            raise ValueError("cannot route this event")
        record_effect(session, envelope)

    await _publish(nats_server.url, 10)
    settings = ConsumerSettings(name="t", stream=stream_name("test"), retry_delays=(0.1, 0.1))
    consumer = EventConsumer(engine, settings, refuses_event_4)
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(nats_server.url, stop))
    await _until(lambda: consumer.dead_lettered == 1 and consumer.processed == 9)
    await asyncio.sleep(0.5)
    stop.set()
    await task
    assert sorted(_effects(engine)) == [f"event-{n:06d}" for n in range(10) if n != 4]


async def test_a_consumer_killed_mid_batch_leaves_nothing_and_its_successor_applies_each_event_once(
    tmp_path: Path, nats_server: NatsServer
) -> None:
    engine = _engine(tmp_path)
    calls = 0

    def dies_at_the_fifth(session: Session, envelope: Envelope) -> None:
        nonlocal calls
        calls += 1
        record_effect(session, envelope)
        if calls == 5:
            raise Crash

    await _publish(nats_server.url, 30)
    settings = ConsumerSettings(name="t", stream=stream_name("test"), ack_wait_seconds=1.0)
    await _run_until_crash(EventConsumer(engine, settings, dies_at_the_fifth), nats_server.url)
    assert _effects(engine) == []  # the four applied before the crash were in the batch's open transaction
    applied = await _drain_with_fresh_consumer(engine, nats_server.url, settings, 30)
    assert applied == 30
    assert sorted(_effects(engine)) == [f"event-{n:06d}" for n in range(30)]


async def test_a_consumer_killed_after_its_commit_before_its_acks_is_not_applied_again(
    tmp_path: Path, nats_server: NatsServer, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    engine = _engine(tmp_path)

    async def dies_before_acking(self: EventConsumer, message: object, handled: bool) -> None:
        raise Crash

    await _publish(nats_server.url, 30)
    settings = ConsumerSettings(name="t", stream=stream_name("test"), ack_wait_seconds=1.0)
    with monkeypatch.context() as patched:
        patched.setattr(EventConsumer, "_acknowledge", dies_before_acking)
        await _run_until_crash(EventConsumer(engine, settings, record_effect), nats_server.url)
    committed = len(_effects(engine))
    assert committed > 1  # a whole batch committed, none of it acknowledged
    applied = await _drain_with_fresh_consumer(engine, nats_server.url, settings, 30)
    assert applied == 30 - committed  # the redelivered batch was found in tracking
    assert sorted(_effects(engine)) == [f"event-{n:06d}" for n in range(30)]
