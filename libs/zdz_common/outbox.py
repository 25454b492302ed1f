"""The outbox relay: publishes stored events to JetStream, at least once, de-duplicated by event id.

Rows are written by `EventStore.append` in the command's own transaction. The relay reads unsent rows in
position order, publishes each with `Nats-Msg-Id` = event id and marks them sent only after JetStream's ack.
A crash between ack and mark re-publishes; JetStream drops the duplicate inside its window and consumers
are idempotent past it. NATS being down only delays publishing.

An event that can never be published (larger than NATS's maximum payload, or refused by JetStream as a bad
request) is parked instead of retried for ever: its row gets `parked_at` and `parked_reason`, an ERROR log, and the
`zdz.outbox.parked` gauge counts it, and the service's health says NOT_SERVING for `zdz.outbox` while any is
parked (`on_parked`; the service as a whole stays SERVING). The later events of its stream are parked behind it (a consumer never sees
event N+1 of a stream without N); the other streams go on. After the operator's fix (a larger `max_payload`), a
re-feed from the parked position (`requeue`, `zdz ops refeed`) releases them in order.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import sqlalchemy as sa
from nats.errors import MaxPayloadError
from nats.js import JetStreamContext
from nats.js.errors import BadRequestError
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from zdz.events.v1 import envelope_pb2
from zdz_common.envelope import nats_headers, to_envelope
from zdz_common.errors import FailedPrecondition, InvalidArgument
from zdz_common.eventstore.engine import write_transaction_slot
from zdz_common.eventstore.store import RecordedEvent, format_time, parse_time, utc_now
from zdz_common.eventstore.tables import EventRecord, OutboxRecord
from zdz_common.metrics import EVENTS_PUBLISHED, add_gauge, remove_gauge
from zdz_common.telemetry import publishing, untraced
from zdz_common.transaction import committed

log = logging.getLogger(__name__)

# What the publish span adds to the headers ("traceparent: 00-<32>-<16>-01\r\n"), counted before it exists.
_TRACEPARENT_HEADER_BYTES = 70


def _header_bytes(headers: dict[str, str]) -> int:
    """The size of the headers as nats-py writes them ("NATS/1.0\r\n", "key: value\r\n" each, "\r\n")."""
    return 12 + sum(len(key.encode()) + len(value.encode()) + 4 for key, value in headers.items())


def _permanent(error: BaseException) -> bool:
    """Whether a publish failure will recur however often it is retried (the event is the problem), as opposed to
    NATS being down, reconnecting or slow."""
    return isinstance(error, (MaxPayloadError, BadRequestError))


def _reason(error: BaseException) -> str:
    if isinstance(error, MaxPayloadError):
        return "超过 NATS 的最大消息长度 (maximum payload exceeded)"
    return f"JetStream 拒绝该事件 (refused by JetStream): {getattr(error, 'description', '') or error}"


_EVENTS = EventRecord.__table__  # type: ignore[attr-defined]
_OUTBOX = OutboxRecord.__table__  # type: ignore[attr-defined]
_JOINED = _OUTBOX.join(_EVENTS, _EVENTS.c.position == _OUTBOX.c.position)
# The relay's batch: unsent, unparked events in position order (Core rows, no ORM objects).
_UNSENT = (
    sa.select(_EVENTS)
    .select_from(_JOINED)
    .where(_OUTBOX.c.sent_at.is_(None), _OUTBOX.c.parked_at.is_(None))
    .order_by(_OUTBOX.c.position)
    .limit(sa.bindparam("limit"))
)
# The streams held by a parked event, with the first parked position of each.
_BLOCKED = (
    sa.select(_EVENTS.c.stream_id, sa.func.min(_OUTBOX.c.position))
    .select_from(_JOINED)
    .where(_OUTBOX.c.sent_at.is_(None), _OUTBOX.c.parked_at.is_not(None))
    .group_by(_EVENTS.c.stream_id)
)


class OutboxRelay:
    """Moves outbox rows to JetStream. Call `wake()` after a commit (from any thread) to publish at once; it also
    polls."""

    def __init__(
        self,
        engine: Engine,
        js: JetStreamContext,
        *,
        batch_size: int = 500,
        poll_interval: float = 0.5,
        publish_timeout: float = 5.0,
        on_published: Callable[[int], None] | None = None,
        max_payload: Callable[[], int] | None = None,
        on_parked: Callable[[int], Awaitable[None]] | None = None,
    ) -> None:
        """`max_payload` gives the connected server's limit (it may change at a reconnect): an event larger than
        it is parked before anything of its batch is published. Without it, NATS's refusal parks the event.
        `on_parked` hears the store's count of parked events when it changes (and once at the start)."""
        self._engine = engine
        self._js = js
        self._max_payload = max_payload
        self._on_parked = on_parked
        self._parked_reported: int | None = None
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._publish_timeout = publish_timeout
        self._on_published = on_published
        self._wakeup = asyncio.Event()
        self._last_batch = 0  # how many events the last batch took (published and parked)
        self._loop: asyncio.AbstractEventLoop | None = None  # the relay's, once it runs
        self._loop_thread = 0
        self._wake_lock = threading.Lock()
        self._wake_scheduled = (
            False  # woken since the last load began: later commits need no call into the loop
        )

    def wake(self) -> None:
        """Publish at once. Safe from a committing worker thread: only the first commit since the relay's last load
        began calls into its event loop. A later commit's wake is dropped; it has committed already, so the load that
        the first wake brings on sees it."""
        loop = self._loop
        if loop is None or threading.get_ident() == self._loop_thread:
            self._wakeup.set()
            return
        with self._wake_lock:
            if self._wake_scheduled:
                return
            self._wake_scheduled = True
        try:
            loop.call_soon_threadsafe(self._wakeup.set)
        except RuntimeError:  # the loop has closed: the relay has stopped
            with self._wake_lock:
                self._wake_scheduled = False

    async def run(self, stop: asyncio.Event) -> None:
        """Publish until `stop` is set; back off while NATS is unreachable."""
        gauges = {
            "zdz.outbox.backlog": self._backlog,
            "zdz.outbox.oldest_age": self._oldest_age,
            "zdz.outbox.parked": self._parked,
        }
        for name, gauge in gauges.items():
            add_gauge(name, gauge)
        self._loop, self._loop_thread = asyncio.get_running_loop(), threading.get_ident()
        try:
            await self._report_parked()
            await self._relay(stop)
        finally:
            for name, gauge in gauges.items():
                remove_gauge(name, gauge)

    def _unsent_summary(self) -> tuple[int, str | None]:
        with untraced(), Session(self._engine) as session:
            count, oldest = session.execute(
                select(func.count(), func.min(EventRecord.recorded_at))
                .select_from(OutboxRecord)
                .join(EventRecord, EventRecord.position == OutboxRecord.position)  # type: ignore[arg-type]
                .where(OutboxRecord.sent_at.is_(None), OutboxRecord.parked_at.is_(None))  # type: ignore[union-attr]
            ).one()
        return int(count), oldest

    def _parked(self) -> list[tuple[float, dict[str, str]]]:
        with untraced():
            count = parked_count(self._engine)
        return [(float(count), {"db.name": str(self._engine.url.database or "")})]

    def _backlog(self) -> list[tuple[float, dict[str, str]]]:
        return [(float(self._unsent_summary()[0]), {"db.name": str(self._engine.url.database or "")})]

    def _oldest_age(self) -> list[tuple[float, dict[str, str]]]:
        _, oldest = self._unsent_summary()
        age = (utc_now() - parse_time(oldest)).total_seconds() if oldest else 0.0
        return [(age, {"db.name": str(self._engine.url.database or "")})]

    async def _relay(self, stop: asyncio.Event) -> None:
        backoff = self._poll_interval
        while not stop.is_set():
            with self._wake_lock:  # before loading: a commit from now on wakes the next batch
                self._wake_scheduled = False
            self._wakeup.clear()
            try:
                await self.publish_pending()
                backoff = self._poll_interval
            except Exception as exc:  # NATS down, timeouts: the rows stay unsent and are retried
                log.warning("outbox: publishing failed, will retry in %.1fs: %s", backoff, exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            if self._last_batch >= self._batch_size:  # a full batch (published or parked): more may wait
                continue
            try:
                await asyncio.wait_for(self._wakeup.wait(), timeout=self._poll_interval)
            except TimeoutError:
                pass

    async def publish_pending(self) -> int:
        """Publish one batch of unsent events; return how many were published. An event that can never be published
        is parked with the later events of its stream; a failure that may pass (NATS down) is raised after the
        events published are marked."""
        with untraced():
            batch, blocked = await asyncio.to_thread(self._load_unsent)
        self._last_batch = len(batch)
        if not batch:
            return 0
        to_publish: list[tuple[RecordedEvent, envelope_pb2.Envelope]] = []
        parked: list[tuple[RecordedEvent, str]] = []
        for event in batch:
            if event.stream_id in blocked:
                parked.append(
                    (event, f"排在同一流的已搁置事件（位置 {blocked[event.stream_id]}）之后 (held behind it)")
                )
                continue
            envelope = to_envelope(event)
            too_large = self._too_large(envelope)
            if too_large:
                parked.append((event, too_large))
                blocked[event.stream_id] = event.position
                continue
            to_publish.append((event, envelope))
        acks = await asyncio.gather(
            *(self._publish(event, envelope) for event, envelope in to_publish), return_exceptions=True
        )
        sent: list[int] = []
        failures: list[BaseException] = []
        for (event, _envelope), ack in zip(to_publish, acks, strict=True):
            if not isinstance(ack, BaseException):
                sent.append(event.position)
            elif _permanent(ack):  # the later events of its stream in this batch went out already
                parked.append((event, _reason(ack)))
            else:
                failures.append(ack)
        if parked:
            with untraced():
                await asyncio.to_thread(self._park, parked)
        if parked or self._parked_reported:  # parked now, or some may have been released by a re-feed
            await self._report_parked()
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
        if failures:
            raise failures[0]
        return len(sent)

    async def _report_parked(self) -> None:
        if self._on_parked is None:
            return
        with untraced():
            count = await asyncio.to_thread(parked_count, self._engine)
        if count != self._parked_reported:
            self._parked_reported = count
            await self._on_parked(count)

    def _too_large(self, envelope: envelope_pb2.Envelope) -> str:
        """Why the event cannot be published as it is ("" when it can): larger than the server's max_payload."""
        if self._max_payload is None:
            return ""
        limit = self._max_payload()
        size = envelope.ByteSize() + _header_bytes(nats_headers(envelope)) + _TRACEPARENT_HEADER_BYTES
        if size <= limit:
            return ""
        return f"{size} 字节，超过 NATS 的最大消息长度 {limit} 字节 (maximum payload exceeded)"

    async def _publish(self, event: RecordedEvent, envelope: envelope_pb2.Envelope) -> object:
        with publishing(event.type, envelope.traceparent) as traceparent:
            headers = nats_headers(envelope)
            if traceparent:
                headers["traceparent"] = traceparent  # the publish span's: the consumer's span is its child
            return await self._js.publish(
                event.type, envelope.SerializeToString(), timeout=self._publish_timeout, headers=headers
            )

    def _load_unsent(self) -> tuple[list[RecordedEvent], dict[str, int]]:
        """The next unsent, unparked events in position order, and the streams held by a parked event (with its
        position)."""
        with self._engine.connect() as connection:  # one read transaction for both
            rows = connection.execute(_UNSENT, {"limit": self._batch_size}).mappings().all()
            blocked = connection.execute(_BLOCKED).all()
        return [RecordedEvent.from_row(r) for r in rows], {stream: int(at) for stream, at in blocked}

    def _park(self, parked: list[tuple[RecordedEvent, str]]) -> None:
        now = format_time(utc_now())
        with write_transaction_slot(self._engine), Session(self._engine) as session:
            for event, reason in parked:
                session.execute(
                    sa.update(OutboxRecord)
                    .where(OutboxRecord.position == event.position)  # type: ignore[arg-type]
                    .values(parked_at=now, parked_reason=reason)
                )
            session.commit()
        for event, reason in parked:
            log.error(
                "outbox: event %s (position %d, %s, stream %s) parked, not published: %s; "
                "fix the cause, then re-feed from position %d (zdz ops refeed)",
                event.event_id,
                event.position,
                event.type,
                event.stream_id,
                reason,
                event.position,
            )

    def _mark_sent(self, positions: list[int]) -> None:
        # In the writer queue like every writer: SQLite's busy wait would otherwise back off for milliseconds.
        with write_transaction_slot(self._engine), Session(self._engine) as session:
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


def parked_count(engine: Engine) -> int:
    """How many of the store's events are parked (never published, waiting for an operator's re-feed)."""
    with Session(engine) as session:
        count = session.exec(
            select(func.count()).select_from(OutboxRecord).where(OutboxRecord.parked_at.is_not(None))  # type: ignore[union-attr]
        ).one()
    return int(count)


def requeue(engine: Engine, *, from_position: int, to_position: int | None = None) -> Requeued:
    """Mark the stored events from `from_position` to `to_position` (inclusive; None: the last) as unsent and not
    parked, so the relay publishes them again; an event without an outbox row gets one. One transaction.

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
            .values(sent_at=None, parked_at=None, parked_reason=None)  # a parked event is released
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
    on_parked: Callable[[int], Awaitable[None]] | None = None,
) -> None:
    """Connect to NATS (waiting for it if it is not up yet), declare the service's stream, relay until `stop`;
    `on_parked` as OutboxRelay's."""
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
        relay = OutboxRelay(engine, js, max_payload=lambda: nc.max_payload, on_parked=on_parked)
        relay_ready(relay)
        await relay.run(stop)
    finally:
        await nc.drain()
