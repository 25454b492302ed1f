"""Appending, reading and verifying event streams inside a caller's SQL transaction."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from google.protobuf.message import Message
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from zdz_common.context import Actor, CommandContext
from zdz_common.errors import ConcurrencyConflict
from zdz_common.eventstore.hashing import event_hash
from zdz_common.eventstore.tables import EventRecord, OutboxRecord, StreamRecord


def utc_now() -> datetime:
    return datetime.now(UTC)


def format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


@dataclass(frozen=True)
class NewEvent:
    """An event to append: its CloudEvents type (also its NATS subject) and its protobuf payload."""

    type: str
    data: Message


@dataclass(frozen=True)
class RecordedEvent:
    """An event as stored."""

    position: int
    event_id: str
    stream_id: str
    version: int
    type: str
    source: str
    subject: str
    recorded_at: datetime
    data_type: str
    data: bytes
    actor: Actor
    request_id: str
    traceparent: str
    prev_hash: str
    hash: str

    def payload(self, message_class: type[Message]) -> Message:
        """The payload parsed as `message_class`."""
        message = message_class()
        message.ParseFromString(self.data)
        return message

    @classmethod
    def from_record(cls, record: EventRecord) -> RecordedEvent:
        assert record.position is not None
        return cls(
            position=record.position,
            event_id=record.event_id,
            stream_id=record.stream_id,
            version=record.version,
            type=record.type,
            source=record.source,
            subject=record.subject,
            recorded_at=parse_time(record.recorded_at),
            data_type=record.data_type,
            data=record.data,
            actor=Actor(record.actor_organisation, record.actor_role, record.actor_person),
            request_id=record.request_id,
            traceparent=record.traceparent,
            prev_hash=record.prev_hash,
            hash=record.hash,
        )


@dataclass(frozen=True)
class BrokenLink:
    """The first place a chain does not hold, and why."""

    stream_id: str
    version: int
    reason: str


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    events_checked: int
    first_broken_link: BrokenLink | None = None


def _hash_of(record: EventRecord, *, version: int | None = None, prev_hash: str | None = None) -> str:
    return event_hash(
        prev_hash=record.prev_hash if prev_hash is None else prev_hash,
        event_id=record.event_id,
        stream_id=record.stream_id,
        version=record.version if version is None else version,
        type=record.type,
        source=record.source,
        subject=record.subject,
        recorded_at=record.recorded_at,
        data_type=record.data_type,
        data=record.data,
        actor=(record.actor_organisation, record.actor_role, record.actor_person),
        request_id=record.request_id,
        traceparent=record.traceparent,
    )


class EventStore:
    """Event streams of one service (`source`, e.g. "zdz/registry"), used inside the caller's session so that
    events, read models and the outbox commit together."""

    def __init__(self, source: str, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.source = source
        self._clock = clock

    def append(
        self,
        session: Session,
        stream_id: str,
        expected_version: int | None,
        events: Sequence[NewEvent],
        context: CommandContext,
    ) -> list[RecordedEvent]:
        """Append `events` to `stream_id`. `expected_version` 0 means the stream must be new, n that it must be
        at version n, None that any version will do. Raises ConcurrencyConflict when the stream moved on."""
        if not events:
            return []
        head = session.get(StreamRecord, stream_id)
        current = head.version if head else 0
        if expected_version is not None and expected_version != current:
            raise ConcurrencyConflict(
                f"the record changed since it was read (read at version {expected_version}, now at {current}); "
                "read it again and retry",
                field="expected_version",
            )
        prev_hash = head.head_hash if head else ""
        recorded_at = format_time(self._clock())
        records: list[EventRecord] = []
        for offset, event in enumerate(events, start=1):
            record = EventRecord(
                event_id=str(uuid.uuid4()),
                stream_id=stream_id,
                version=current + offset,
                type=event.type,
                source=self.source,
                subject=stream_id,
                recorded_at=recorded_at,
                data_type=event.data.DESCRIPTOR.full_name,
                data=event.data.SerializeToString(deterministic=True),
                actor_organisation=context.actor.organisation,
                actor_role=context.actor.role,
                actor_person=context.actor.person,
                request_id=context.request_id,
                traceparent=context.traceparent,
                prev_hash=prev_hash,
                hash="",
            )
            record.hash = _hash_of(record)
            prev_hash = record.hash
            records.append(record)
        new_version = current + len(events)
        try:
            if head is None:
                session.add(StreamRecord(stream_id=stream_id, version=new_version, head_hash=prev_hash))
            else:
                moved = session.execute(
                    sa.update(StreamRecord)
                    .where(StreamRecord.stream_id == stream_id, StreamRecord.version == current)
                    .values(version=new_version, head_hash=prev_hash)
                    .execution_options(synchronize_session=False)
                )
                if moved.rowcount != 1:
                    raise ConcurrencyConflict(
                        "the record changed while this request was being applied; read it again and retry",
                        field="expected_version",
                    )
            session.add_all(records)
            session.flush()
        except IntegrityError as exc:
            raise ConcurrencyConflict(
                "the record changed while this request was being applied; read it again and retry",
                field="expected_version",
            ) from exc
        if head is not None:
            session.expire(head)
        session.add_all(
            OutboxRecord(position=r.position, event_id=r.event_id, subject=r.type)  # type: ignore[arg-type]
            for r in records
        )
        return [RecordedEvent.from_record(r) for r in records]

    def read(self, session: Session, stream_id: str) -> list[RecordedEvent]:
        """Every event of a stream in version order."""
        rows = session.exec(
            select(EventRecord).where(EventRecord.stream_id == stream_id).order_by(EventRecord.version)
        ).all()
        return [RecordedEvent.from_record(r) for r in rows]

    def version(self, session: Session, stream_id: str) -> int:
        head = session.get(StreamRecord, stream_id)
        return head.version if head else 0

    def read_all(
        self, session: Session, *, after_position: int = 0, limit: int = 1000
    ) -> list[RecordedEvent]:
        """Events of every stream in global order, from just after `after_position`."""
        rows = session.exec(
            select(EventRecord)
            .where(EventRecord.position > after_position)  # type: ignore[operator]
            .order_by(EventRecord.position)  # type: ignore[arg-type]
            .limit(limit)
        ).all()
        return [RecordedEvent.from_record(r) for r in rows]

    def verify(self, session: Session, stream_id: str | None = None) -> VerifyResult:
        """Check the hash chain of one stream, or of every stream; report the first broken link."""
        if stream_id is not None:
            stream_ids = [stream_id]
        else:
            heads = set(session.exec(select(StreamRecord.stream_id)).all())
            stored = set(session.exec(select(EventRecord.stream_id).distinct()).all())
            stream_ids = sorted(heads | stored)
        checked = 0
        for sid in stream_ids:
            broken, count = self._verify_stream(session, sid)
            checked += count
            if broken:
                return VerifyResult(ok=False, events_checked=checked, first_broken_link=broken)
        return VerifyResult(ok=True, events_checked=checked)

    def _verify_stream(self, session: Session, stream_id: str) -> tuple[BrokenLink | None, int]:
        rows = session.exec(
            select(EventRecord).where(EventRecord.stream_id == stream_id).order_by(EventRecord.version)
        ).all()
        by_hash = {r.hash: r for r in rows}
        prev_hash = ""
        for expected_version, record in enumerate(rows, start=1):
            if record.version != expected_version:
                return BrokenLink(
                    stream_id, expected_version, "event missing (deleted)"
                ), expected_version - 1
            if _hash_of(record) != record.hash:
                # Content hashed under another version means the event was moved, not edited.
                moved = any(_hash_of(record, version=v) == record.hash for v in range(1, len(rows) + 2))
                reason = "event out of order (reordered)" if moved else "event content changed (edited)"
                return BrokenLink(stream_id, record.version, reason), expected_version - 1
            if record.prev_hash != prev_hash:
                reason = (
                    "event out of order (reordered)"
                    if record.prev_hash in by_hash
                    else "link to the previous event does not match (inserted or deleted event)"
                )
                return BrokenLink(stream_id, record.version, reason), expected_version - 1
            prev_hash = record.hash
        head = session.get(StreamRecord, stream_id)
        if head is None:
            return BrokenLink(stream_id, 1, "events without a stream head (inserted stream)"), len(rows)
        if head.version != len(rows):
            reason = (
                "events missing at the end of the stream (deleted)"
                if head.version > len(rows)
                else "events beyond the stream head (inserted)"
            )
            return BrokenLink(stream_id, min(head.version, len(rows)) + 1, reason), len(rows)
        if head.head_hash != prev_hash:
            return BrokenLink(
                stream_id, len(rows), "last event does not match the stream head (edited)"
            ), len(rows)
        return None, len(rows)
