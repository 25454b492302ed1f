"""The outbox relay: publishes stored events to JetStream, at least once, de-duplicated by event id.

Rows are written by `EventStore.append` in the command's own transaction. The relay reads unsent rows in
position order, publishes each with `Nats-Msg-Id` = event id and marks them sent only after JetStream's ack.
A crash between ack and mark re-publishes; JetStream drops the duplicate inside its window and consumers
are idempotent past it. NATS being down only delays publishing.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from nats.js import JetStreamContext
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from zdz_common.envelope import nats_headers, to_envelope
from zdz_common.errors import FailedPrecondition, InvalidArgument
from zdz_common.eventstore.engine import write_transaction_slot
from zdz_common.eventstore.store import RecordedEvent, format_time, parse_time, utc_now
from zdz_common.eventstore.tables import EventRecord, OutboxRecord
from zdz_common.metrics import EVENTS_PUBLISHED, add_gauge, remove_gauge
from zdz_common.telemetry import publishing, untraced
from zdz_common.transaction import committed

log = logging.getLogger(__name__)


class OutboxRelay:
    """Moves outbox rows to JetStream. Call `wake()` after a commit to publish at once; it also polls."""

    def __init__(
        self,
        engine: Engine,
        js: JetStreamContext,
        *,
        batch_size: int = 500,
        poll_interval: float = 0.5,
        publish_timeout: float = 5.0,
        on_published: Callable[[int], None] | None = None,
    ) -> None:
        self._engine = engine
        self._js = js
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._publish_timeout = publish_timeout
        self._on_published = on_published
        self._wakeup = asyncio.Event()

    def wake(self) -> None:
        self._wakeup.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Publish until `stop` is set; back off while NATS is unreachable."""
        add_gauge("zdz.outbox.backlog", self._backlog)
        add_gauge("zdz.outbox.oldest_age", self._oldest_age)
        try:
            await self._relay(stop)
        finally:
            remove_gauge("zdz.outbox.backlog", self._backlog)
            remove_gauge("zdz.outbox.oldest_age", self._oldest_age)

    def _unsent_summary(self) -> tuple[int, str | None]:
        with untraced(), Session(self._engine) as session:
            count, oldest = session.execute(
                select(func.count(), func.min(EventRecord.recorded_at))
                .select_from(OutboxRecord)
                .join(EventRecord, EventRecord.position == OutboxRecord.position)  # type: ignore[arg-type]
                .where(OutboxRecord.sent_at.is_(None))  # type: ignore[union-attr]
            ).one()
        return int(count), oldest

    def _backlog(self) -> list[tuple[float, dict[str, str]]]:
        return [(float(self._unsent_summary()[0]), {"db.name": str(self._engine.url.database or "")})]

    def _oldest_age(self) -> list[tuple[float, dict[str, str]]]:
        _, oldest = self._unsent_summary()
        age = (utc_now() - parse_time(oldest)).total_seconds() if oldest else 0.0
        return [(age, {"db.name": str(self._engine.url.database or "")})]

    async def _relay(self, stop: asyncio.Event) -> None:
        backoff = self._poll_interval
        while not stop.is_set():
            try:
                published = await self.publish_pending()
                backoff = self._poll_interval
            except Exception as exc:  # NATS down, timeouts: the rows stay unsent and are retried
                log.warning("outbox: publishing failed, will retry in %.1fs: %s", backoff, exc)
                published = 0
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            if published >= self._batch_size:
                continue
            self._wakeup.clear()
            try:
                await asyncio.wait_for(self._wakeup.wait(), timeout=self._poll_interval)
            except TimeoutError:
                pass

    async def publish_pending(self) -> int:
        """Publish one batch of unsent events; return how many were published."""
        with untraced():
            batch = await asyncio.to_thread(self._load_unsent)
        if not batch:
            return 0
        acks = await asyncio.gather(*(self._publish(event) for event in batch), return_exceptions=True)
        sent = [
            event.position
            for event, ack in zip(batch, acks, strict=True)
            if not isinstance(ack, BaseException)
        ]
        if sent:
            with untraced():
                await asyncio.to_thread(self._mark_sent, sent)
            published = set(sent)
            for subject, count in Counter(
                event.type for event in batch if event.position in published
            ).items():
                EVENTS_PUBLISHED.add(count, {"messaging.destination.name": subject})
            if self._on_published:
                self._on_published(len(sent))
        failures = [ack for ack in acks if isinstance(ack, BaseException)]
        if failures:
            raise failures[0]
        return len(sent)

    async def _publish(self, event: RecordedEvent) -> object:
        envelope = to_envelope(event)
        with publishing(event.type, envelope.traceparent) as traceparent:
            headers = nats_headers(envelope)
            if traceparent:
                headers["traceparent"] = traceparent  # the publish span's: the consumer's span is its child
            return await self._js.publish(
                event.type, envelope.SerializeToString(), timeout=self._publish_timeout, headers=headers
            )

    def _load_unsent(self) -> list[RecordedEvent]:
        with Session(self._engine) as session:
            rows = session.exec(
                select(EventRecord)
                .join(OutboxRecord, OutboxRecord.position == EventRecord.position)  # type: ignore[arg-type]
                .where(OutboxRecord.sent_at.is_(None))  # type: ignore[union-attr]
                .order_by(OutboxRecord.position)  # type: ignore[arg-type]
                .limit(self._batch_size)
            ).all()
            return [RecordedEvent.from_record(r) for r in rows]

    def _mark_sent(self, positions: list[int]) -> None:
        with Session(self._engine) as session:
            session.execute(
                sa.update(OutboxRecord)
                .where(OutboxRecord.position.in_(positions))  # type: ignore[attr-defined]
                .values(sent_at=format_time(utc_now()))
            )
            session.commit()


@dataclass(frozen=True)
class Requeued:
    """What a re-feed queued: how many events, their first and last position, and the store's last."""

    queued: int
    first_position: int
    last_position: int
    store_last_position: int


def requeue(engine: Engine, *, from_position: int, to_position: int | None = None) -> Requeued:
    """Mark the stored events from `from_position` to `to_position` (inclusive; None: the last) as unsent, so
    the relay publishes them again; an event without an outbox row gets one. One transaction.

    Raises InvalidArgument for a position below 1, an end before the start, or a start past the last event;
    FailedPrecondition when the store holds no event yet."""
    if from_position < 1:
        raise InvalidArgument(
            f"起始位置须不小于 1，收到 {from_position} (from_position must be at least 1)",
            field="from_position",
        )
    if to_position is not None and to_position < from_position:
        raise InvalidArgument(
            f"结束位置 {to_position} 早于起始位置 {from_position} (to_position is before from_position)",
            field="to_position",
        )
    position = EventRecord.position
    with write_transaction_slot(engine), Session(engine) as session:
        store_last = int(session.exec(select(func.max(position))).one() or 0)
        if store_last == 0:
            raise FailedPrecondition("该服务的存储中还没有事件，无可重新投递 (the store holds no events yet)")
        if from_position > store_last:
            raise InvalidArgument(
                f"起始位置 {from_position} 超出存储的最后位置 {store_last} "
                f"(from_position is past the store's last event)",
                field="from_position",
            )
        last = store_last if to_position is None else min(to_position, store_last)
        in_range = position.between(from_position, last)  # type: ignore[attr-defined]
        count, first_queued, last_queued = session.execute(
            select(func.count(), func.min(position), func.max(position)).where(in_range)
        ).one()
        missing = select(EventRecord.position, EventRecord.event_id, EventRecord.type).where(
            in_range, ~sa.exists().where(OutboxRecord.position == EventRecord.position)
        )
        session.execute(sa.insert(OutboxRecord).from_select(["position", "event_id", "subject"], missing))
        session.execute(
            sa.update(OutboxRecord)
            .where(OutboxRecord.position.between(from_position, last))  # type: ignore[attr-defined]
            .values(sent_at=None)
        )
        session.commit()
    committed(engine)  # wake the relay at once
    return Requeued(int(count), int(first_queued or 0), int(last_queued or 0), store_last)


async def publish_outbox_forever(
    engine: Engine,
    *,
    service: str,
    nats_url: str,
    stop: asyncio.Event,
    relay_ready: Callable[[OutboxRelay], None] = lambda _relay: None,
) -> None:
    """Connect to NATS (waiting for it if it is not up yet), declare the service's stream, relay until `stop`."""
    from zdz_common.nats_streams import connect, ensure_stream

    delay = 0.5
    while not stop.is_set():
        try:
            nc = await connect(nats_url, name=f"zdz-{service}-outbox")
            break
        except Exception as exc:
            log.warning("outbox: NATS at %s not reachable (%s); retrying in %.1fs", nats_url, exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
    else:
        return
    try:
        js = nc.jetstream()
        while not stop.is_set():
            try:
                await ensure_stream(js, service)
                break
            except Exception as exc:
                log.warning("outbox: cannot declare stream yet (%s); retrying", exc)
                await asyncio.sleep(1.0)
        relay = OutboxRelay(engine, js)
        relay_ready(relay)
        await relay.run(stop)
    finally:
        await nc.drain()
