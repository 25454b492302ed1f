"""Appending, reading and verifying event streams inside a caller's SQL transaction."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from google.protobuf.message import Message
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from zdz_common.context import Actor, CommandContext
from zdz_common.errors import ConcurrencyConflict
from zdz_common.eventstore.hashing import event_hash
from zdz_common.eventstore.tables import EventRecord, IdempotencyRecord, OutboxRecord, StreamRecord
from zdz_common.metrics import EVENTS_APPENDED


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
class StreamAppend:
    """Events for one stream, with the version the caller read (0: a new stream; None: any)."""

    stream_id: str
    expected_version: int | None
    events: Sequence[NewEvent]


class DuplicateCommand(Exception):
    """A command with this caller's idempotency key was committed already (by a concurrent retry)."""


_CLAIMED = "zdz_idempotency_claimed"


def _claim(session: Session, context: CommandContext, recorded_at: str) -> None:
    """Write the command's idempotency key once per transaction, before its first event."""
    claim = context.idempotency
    if claim is None or session.info.get(_CLAIMED):
        return
    try:
        session.execute(
            sa.insert(IdempotencyRecord.__table__),  # type: ignore[attr-defined]
            [
                {
                    "caller": claim.caller,
                    "key": claim.key,
                    "method": claim.method,
                    "request_hash": claim.request_hash,
                    "response": None,
                    "created_at": recorded_at,
                }
            ],
        )
    except IntegrityError as exc:
        raise DuplicateCommand(claim.key) from exc
    session.info[_CLAIMED] = True


def _moved_on() -> ConcurrencyConflict:
    return ConcurrencyConflict(
        "the record changed while this request was being applied; read it again and retry",
        field="expected_version",
    )


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
        return cls.from_row(record.__dict__)

    @classmethod
    def from_row(cls, row: Mapping[str, Any], *, recorded_at: datetime | None = None) -> RecordedEvent:
        """From a stored row's columns (an ORM record's attributes or an inserted row's values); `recorded_at`:
        the row's time already parsed (an append knows it)."""
        return cls(
            position=row["position"],
            event_id=row["event_id"],
            stream_id=row["stream_id"],
            version=row["version"],
            type=row["type"],
            source=row["source"],
            subject=row["subject"],
            recorded_at=parse_time(row["recorded_at"]) if recorded_at is None else recorded_at,
            data_type=row["data_type"],
            data=row["data"],
            actor=Actor(row["actor_organisation"], row["actor_role"], row["actor_person"]),
            request_id=row["request_id"],
            traceparent=row["traceparent"],
            prev_hash=row["prev_hash"],
            hash=row["hash"],
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
        return self.append_many(session, [StreamAppend(stream_id, expected_version, events)], context)

    def append_many(
        self, session: Session, appends: Sequence[StreamAppend], context: CommandContext
    ) -> list[RecordedEvent]:
        """Append to several streams at once (a bulk import): one query for the stream heads (none when every
        stream is new), one multi-row insert for the events, one for the outbox. All or nothing, with the caller's
        transaction."""
        appends = [a for a in appends if a.events]
        if not appends:
            return []
        if len({a.stream_id for a in appends}) != len(appends):
            raise ValueError("append_many takes each stream once")
        moment = self._clock().astimezone(UTC)
        recorded_at = format_time(moment)
        _claim(session, context, recorded_at)
        # New streams need no read: inserting their heads fails on the primary key if one exists after all.
        heads = (
            {}
            if all(a.expected_version == 0 for a in appends)
            else self._heads(session, [a.stream_id for a in appends])
        )
        rows: list[dict[str, object]] = []
        new_heads: list[dict[str, object]] = []
        moved_heads: list[tuple[str, int, int, str]] = []
        for append in appends:
            current, prev_hash = heads.get(append.stream_id, (0, ""))
            if append.expected_version is not None and append.expected_version != current:
                raise ConcurrencyConflict(
                    f"the record changed since it was read (read at version {append.expected_version}, "
                    f"now at {current}); read it again and retry",
                    field="expected_version",
                )
            for offset, event in enumerate(append.events, start=1):
                row = self._row(append.stream_id, current + offset, event, recorded_at, prev_hash, context)
                prev_hash = str(row["hash"])
                rows.append(row)
            new_version = current + len(append.events)
            if append.stream_id in heads:
                moved_heads.append((append.stream_id, current, new_version, prev_hash))
            else:
                new_heads.append(
                    {"stream_id": append.stream_id, "version": new_version, "head_hash": prev_hash}
                )
        try:
            for stream_id, current, new_version, head_hash in moved_heads:
                moved = session.execute(
                    sa.update(StreamRecord)
                    .where(StreamRecord.stream_id == stream_id, StreamRecord.version == current)  # type: ignore[arg-type]
                    .values(version=new_version, head_hash=head_hash)
                    .execution_options(synchronize_session=False)
                )
                if moved.rowcount != 1:  # type: ignore[attr-defined]
                    raise _moved_on()
            if new_heads:
                session.execute(sa.insert(StreamRecord.__table__), new_heads)  # type: ignore[attr-defined]
            self._insert_events(session, rows)
        except IntegrityError as exc:
            raise _moved_on() from exc
        session.execute(
            sa.insert(OutboxRecord.__table__),  # type: ignore[attr-defined]
            [
                {"position": r["position"], "event_id": r["event_id"], "subject": r["type"], "sent_at": None}
                for r in rows
            ],
        )
        for stream_id, *_ in moved_heads:  # ORM copies of the heads, if any, are stale now
            head = session.identity_map.get(session.identity_key(StreamRecord, stream_id))  # type: ignore[arg-type]
            if head is not None:
                session.expire(head)
        EVENTS_APPENDED.add(len(rows), {"zdz.source": self.source})  # counted when written, before the commit
        return [RecordedEvent.from_row(r, recorded_at=moment) for r in rows]

    @staticmethod
    def _insert_events(session: Session, rows: list[dict[str, object]]) -> None:
        """Insert the events in order and give each row its position: one executemany either way.

        SQLite cannot return the positions of a multi-row insert in order, so SQLAlchemy would insert row by row.
        There the positions are assigned here instead, the way SQLite assigns a rowid (the largest one plus one).
        The stream heads were written first, so this transaction holds SQLite's only write lock and no other
        writer can take a position in between. PostgreSQL's sequence gives them, returned in parameter order."""
        table = EventRecord.__table__  # type: ignore[attr-defined]
        if session.get_bind().dialect.name == "sqlite":
            last = session.execute(sa.select(sa.func.max(table.c.position))).scalar() or 0
            for position, row in enumerate(rows, start=last + 1):
                row["position"] = position
            session.execute(sa.insert(table), rows)
            return
        positions = (
            session.execute(
                table.insert().returning(table.c.position, sort_by_parameter_order=True),
                rows,
            )
            .scalars()
            .all()
        )
        for row, position in zip(rows, positions, strict=True):
            row["position"] = position

    @staticmethod
    def _heads(session: Session, stream_ids: list[str]) -> dict[str, tuple[int, str]]:
        heads: dict[str, tuple[int, str]] = {}
        table = StreamRecord.__table__  # type: ignore[attr-defined]
        for start in range(0, len(stream_ids), 500):
            chunk = stream_ids[start : start + 500]
            for stream_id, version, head_hash in session.execute(
                sa.select(table.c.stream_id, table.c.version, table.c.head_hash).where(
                    table.c.stream_id.in_(chunk)
                )
            ):
                heads[stream_id] = (version, head_hash)
        return heads

    def _row(
        self,
        stream_id: str,
        version: int,
        event: NewEvent,
        recorded_at: str,
        prev_hash: str,
        context: CommandContext,
    ) -> dict[str, object]:
        row: dict[str, object] = {
            "event_id": str(uuid.uuid4()),
            "stream_id": stream_id,
            "version": version,
            "type": event.type,
            "source": self.source,
            "subject": stream_id,
            "recorded_at": recorded_at,
            "data_type": event.data.DESCRIPTOR.full_name,
            "data": event.data.SerializeToString(deterministic=True),
            "actor_organisation": context.actor.organisation,
            "actor_role": context.actor.role,
            "actor_person": context.actor.person,
            "request_id": context.request_id,
            "traceparent": context.traceparent,
            "prev_hash": prev_hash,
        }
        row["hash"] = event_hash(
            prev_hash=prev_hash,
            event_id=row["event_id"],  # type: ignore[arg-type]
            stream_id=stream_id,
            version=version,
            type=event.type,
            source=self.source,
            subject=stream_id,
            recorded_at=recorded_at,
            data_type=row["data_type"],  # type: ignore[arg-type]
            data=row["data"],  # type: ignore[arg-type]
            actor=(context.actor.organisation, context.actor.role, context.actor.person),
            request_id=context.request_id,
            traceparent=context.traceparent,
        )
        return row

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
