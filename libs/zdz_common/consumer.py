"""Durable, idempotent JetStream consumers.

Each event is processed once: its id is recorded (`es_tracking`) in the same SQL transaction as the
handler's effects, and only then acknowledged. A redelivered event finds its id and is acknowledged
without running the handler again. A failing handler is retried with growing delays (`nak` with a
delay); after the last attempt the event goes to a dead-letter subject and stops being redelivered.

A fetched batch is applied in one transaction (`process_batch`): the events already tracked are skipped,
each new event's handler and tracking row run in it, and the messages are acknowledged after the one commit.
A crash before the commit leaves nothing, so every message of the batch is redelivered; after it, every
event is found in tracking. When a handler raises, the batch is rolled back and its messages are handled one
at a time, so that only the failing event is retried or dead-lettered.

nats.py pull subscriptions can go quiet after a server restart (nats-io/nats.py issue 504): the loop
re-creates its subscription after every reconnect, and whenever the consumer reports pending messages
that fetches do not return.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

import nats
import sqlalchemy as sa
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from zdz.events.v1.envelope_pb2 import Envelope
from zdz_common.eventstore.engine import write_transaction_slot
from zdz_common.eventstore.store import format_time, utc_now
from zdz_common.eventstore.tables import TrackingRecord
from zdz_common.metrics import DEAD_LETTERS, EVENTS_CONSUMED, REDELIVERIES, add_gauge, remove_gauge
from zdz_common.telemetry import consuming, untraced
from zdz_common.transaction import committed

log = logging.getLogger(__name__)

DEAD_LETTER_STREAM = "ZDZ_DEADLETTER"

Handler = Callable[[Session, Envelope], None]
"""Applies one event inside the given transaction; raises to have it retried."""


@dataclass(frozen=True)
class ConsumerSettings:
    name: str  # durable name, also the tracking key, e.g. "notify"
    stream: str  # e.g. "ZDZ_REGISTRY"
    filter_subject: str = ""  # empty: every subject of the stream
    retry_delays: Sequence[float] = (1.0, 5.0, 30.0, 120.0)  # after attempts 1, 2, 3, 4
    ack_wait_seconds: float = 60.0
    batch_size: int = 100

    @property
    def max_deliver(self) -> int:
        return len(self.retry_delays) + 1

    @property
    def durable(self) -> str:
        return f"{self.name}-{self.stream}".replace(".", "_")

    @property
    def dead_letter_subject(self) -> str:
        return f"zdz.deadletter.{self.name}"


_TRACKING = TrackingRecord.__table__  # type: ignore[attr-defined]


def process_once(engine: Engine, consumer: str, envelope: Envelope, handler: Handler) -> bool:
    """Run `handler` for `envelope` unless `consumer` already processed it; True when it ran."""
    return process_batch(engine, consumer, [envelope], handler)[0]


def process_batch(
    engine: Engine,
    consumer: str,
    envelopes: Sequence[Envelope],
    handler: Handler,
    *,
    span: Callable[[int], AbstractContextManager[None]] = lambda _index: nullcontext(),
) -> list[bool]:
    """Run `handler` for each of `envelopes` that `consumer` has not processed yet, all in one transaction, each
    event's tracking row written beside its effects; for each envelope, True when its handler ran. An event id
    met twice in the batch runs once. If a handler raises, nothing of the batch is kept and the error propagates.

    `span(i)` wraps the i-th event's handling (the consumer's tracing span)."""
    with write_transaction_slot(engine), Session(engine) as session:
        with untraced():
            done = set(
                session.execute(
                    sa.select(_TRACKING.c.event_id).where(
                        _TRACKING.c.consumer == consumer,
                        _TRACKING.c.event_id.in_([e.id for e in envelopes]),
                    )
                ).scalars()
            )
        ran: list[bool] = []
        for index, envelope in enumerate(envelopes):
            if envelope.id in done:
                ran.append(False)
                continue
            with span(index):
                handler(session, envelope)
                # Executing flushes the handler's ORM changes, so the next handler sees them as committed.
                session.execute(
                    sa.insert(_TRACKING),
                    [{"consumer": consumer, "event_id": envelope.id, "processed_at": format_time(utc_now())}],
                )
            done.add(envelope.id)
            ran.append(True)
        with untraced():
            session.commit()
    if any(ran):
        committed(engine)  # a handler may have appended events (the registry's follower): wake the relay
    return ran


async def ensure_dead_letter_stream(js: JetStreamContext) -> None:
    config = StreamConfig(name=DEAD_LETTER_STREAM, subjects=["zdz.deadletter.>"], storage=StorageType.FILE)
    try:
        await js.stream_info(DEAD_LETTER_STREAM)
    except NotFoundError:
        await js.add_stream(config)


class EventConsumer:
    """Pulls a stream through a durable consumer and processes each event once."""

    def __init__(self, engine: Engine, settings: ConsumerSettings, handler: Handler) -> None:
        self._engine = engine
        self._settings = settings
        self._handler = handler
        self._resubscribe = asyncio.Event()
        self.processed = 0
        self.dead_lettered = 0
        self.lag = 0  # messages pending for the durable consumer, as of the last fetch
        self._attributes = {"messaging.consumer.group.name": settings.durable}

    def _lag(self) -> list[tuple[float, dict[str, str]]]:
        return [(float(self.lag), self._attributes)]

    async def run(self, nats_url: str, stop: asyncio.Event) -> None:
        add_gauge("zdz.consumer.lag", self._lag)
        try:
            await self._run(nats_url, stop)
        finally:
            remove_gauge("zdz.consumer.lag", self._lag)

    async def _run(self, nats_url: str, stop: asyncio.Event) -> None:
        async def reconnected() -> None:
            self._resubscribe.set()

        nc = None
        while nc is None and not stop.is_set():
            try:
                nc = await nats.connect(
                    nats_url,
                    name=f"zdz-{self._settings.durable}",
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=0.5,
                    reconnected_cb=reconnected,
                )
            except Exception as exc:
                log.warning("%s: NATS not reachable (%s); retrying", self._settings.durable, exc)
                await asyncio.sleep(1.0)
        if nc is None:
            return
        try:
            js = nc.jetstream()
            waiting_for_stream = False
            while not stop.is_set():
                try:
                    await self._consume(js, stop)
                except NotFoundError:  # the publishing service has not declared its stream yet
                    if not waiting_for_stream:
                        log.info(
                            "%s: waiting for stream %s to exist",
                            self._settings.durable,
                            self._settings.stream,
                        )
                        waiting_for_stream = True
                    await asyncio.sleep(2.0)
                except Exception as exc:  # broker restarting, consumer lost: subscribe again
                    log.warning(
                        "%s: consuming interrupted (%s); subscribing again", self._settings.durable, exc
                    )
                    await asyncio.sleep(0.5)
        finally:
            await nc.drain()

    async def _subscribe(self, js: JetStreamContext) -> JetStreamContext.PullSubscription:
        s = self._settings
        await ensure_dead_letter_stream(js)
        config = ConsumerConfig(
            durable_name=s.durable,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=s.ack_wait_seconds,
            max_deliver=s.max_deliver,
            filter_subject=s.filter_subject or None,
        )
        await js.add_consumer(s.stream, config)
        return await js.pull_subscribe_bind(s.durable, stream=s.stream)

    async def _consume(self, js: JetStreamContext, stop: asyncio.Event) -> None:
        subscription = await self._subscribe(js)
        self._resubscribe.clear()
        quiet_fetches = 0
        try:
            while not stop.is_set() and not self._resubscribe.is_set():
                try:
                    messages = await subscription.fetch(self._settings.batch_size, timeout=1.0)
                except (TimeoutError, NatsTimeoutError):
                    quiet_fetches += 1
                    if quiet_fetches % 5 == 0 and await self._stalled(subscription):
                        log.warning(
                            "%s: pending messages but fetches return none; subscribing again",
                            self._settings.durable,
                        )
                        return
                    continue
                quiet_fetches = 0
                if messages:  # a fetch may return none before its timeout
                    self.lag = messages[-1].metadata.num_pending
                await self._handle_batch(js, messages)
        finally:
            await subscription.unsubscribe()

    @staticmethod
    async def _stalled(subscription: JetStreamContext.PullSubscription) -> bool:
        info = await subscription.consumer_info()
        return info.num_pending > 0 and info.num_ack_pending == 0

    async def _handle_batch(self, js: JetStreamContext, messages: list[Msg]) -> None:
        """One transaction for the batch; one message at a time when it holds one, or when any fails."""
        if len(messages) > 1:
            try:
                envelopes = [Envelope.FromString(message.data) for message in messages]
                ran = await asyncio.to_thread(
                    process_batch,
                    self._engine,
                    self._settings.name,
                    envelopes,
                    self._handler,
                    span=lambda i: consuming(
                        self._settings.durable, messages[i].subject, messages[i].headers
                    ),
                )
            except Exception as exc:
                log.info(
                    "%s: a batch of %d failed (%s); handling its events one at a time",
                    self._settings.durable,
                    len(messages),
                    exc,
                )
            else:
                for message, handled in zip(messages, ran, strict=True):
                    if message.metadata.num_delivered > 1:
                        REDELIVERIES.add(1, self._attributes)
                    await self._acknowledge(message, handled)
                return
        for message in messages:
            await self._handle(js, message)

    async def _acknowledge(self, message: Msg, handled: bool) -> None:
        await message.ack()
        if handled:
            self.processed += 1
            EVENTS_CONSUMED.add(1, self._attributes)

    async def _handle(self, js: JetStreamContext, message: Msg) -> None:
        envelope = Envelope()
        try:
            envelope.ParseFromString(message.data)
            if message.metadata.num_delivered > 1:
                REDELIVERIES.add(1, self._attributes)
            with consuming(self._settings.durable, message.subject, message.headers):
                ran = await asyncio.to_thread(
                    process_once, self._engine, self._settings.name, envelope, self._handler
                )
        except Exception as exc:
            attempt = message.metadata.num_delivered
            if attempt >= self._settings.max_deliver:
                await js.publish(
                    self._settings.dead_letter_subject,
                    message.data,
                    headers={
                        **(message.headers or {}),
                        "zdz-error": str(exc)[:500],
                        "zdz-stream": self._settings.stream,
                    },
                )
                await message.term()
                self.dead_lettered += 1
                DEAD_LETTERS.add(1, self._attributes)
                log.error(
                    "%s: event %s dead-lettered after %d attempts: %s",
                    self._settings.durable,
                    envelope.id,
                    attempt,
                    exc,
                )
            else:
                delay = self._settings.retry_delays[attempt - 1]
                log.warning(
                    "%s: event %s failed (attempt %d), retrying in %.0fs: %s",
                    self._settings.durable,
                    envelope.id,
                    attempt,
                    delay,
                    exc,
                )
                await message.nak(delay=delay)
            return
        await self._acknowledge(message, ran)
