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

import sqlalchemy as sa
from nats.js import JetStreamContext
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from zdz_common.envelope import nats_headers, to_envelope
from zdz_common.eventstore.store import RecordedEvent, format_time, parse_time, utc_now
from zdz_common.eventstore.tables import EventRecord, OutboxRecord
from zdz_common.metrics import EVENTS_PUBLISHED, add_gauge, remove_gauge
from zdz_common.telemetry import publishing, untraced

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
            for subject, count in Counter(
                event.type for event in batch if event.position in set(sent)
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


def refeed(engine: Engine, *, from_position: int = 0) -> int:
    """Mark every event from `from_position` on as unsent, so the relay publishes it again.

    For a broker that lost data: JetStream de-duplicates what it still has, consumers skip what they processed.
    Returns how many events will be re-published.
    """
    with Session(engine) as session:
        positions = session.exec(
            select(EventRecord.position).where(EventRecord.position >= from_position)  # type: ignore[operator]
        ).all()
        known = set(session.exec(select(OutboxRecord.position)).all())
        for position in positions:
            if position not in known:
                event = session.get(EventRecord, position)
                assert event is not None
                session.add(OutboxRecord(position=position, event_id=event.event_id, subject=event.type))
        session.execute(
            sa.update(OutboxRecord)
            .where(OutboxRecord.position >= from_position)  # type: ignore[operator]
            .values(sent_at=None)
        )
        session.commit()
        return len(positions)


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
