"""The store's tables: events, stream heads, the outbox and consumer tracking."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

# SQLite autoincrements only an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
_POSITION = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class EventRecord(SQLModel, table=True):
    """One immutable event. `position` orders the whole store; (stream_id, version) orders a stream."""

    __tablename__ = "es_event"
    __table_args__ = (sa.UniqueConstraint("stream_id", "version", name="uq_es_event_stream_version"),)

    position: int | None = Field(
        default=None, sa_column=sa.Column(_POSITION, primary_key=True, autoincrement=True)
    )
    event_id: str = Field(sa_column=sa.Column(sa.String(36), nullable=False, unique=True))
    stream_id: str = Field(sa_column=sa.Column(sa.String(200), nullable=False, index=True))
    version: int = Field(nullable=False)
    type: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    source: str = Field(sa_column=sa.Column(sa.String(100), nullable=False))
    subject: str = Field(sa_column=sa.Column(sa.String(300), nullable=False))
    recorded_at: str = Field(sa_column=sa.Column(sa.String(40), nullable=False))  # ISO 8601 UTC, hashed as is
    data_type: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))  # full protobuf message name
    data: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    actor_organisation: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    actor_role: str = Field(sa_column=sa.Column(sa.String(100), nullable=False))
    actor_person: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    request_id: str = Field(sa_column=sa.Column(sa.String(100), nullable=False))
    traceparent: str = Field(sa_column=sa.Column(sa.String(100), nullable=False))
    prev_hash: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    hash: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))


class StreamRecord(SQLModel, table=True):
    """A stream's head: its current version and the hash of its last event (guards the tail of the chain)."""

    __tablename__ = "es_stream"

    stream_id: str = Field(sa_column=sa.Column(sa.String(200), primary_key=True))
    version: int = Field(nullable=False)
    head_hash: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))


class OutboxRecord(SQLModel, table=True):
    """An event waiting to be (or already) published to JetStream."""

    __tablename__ = "es_outbox"

    position: int = Field(sa_column=sa.Column(_POSITION, primary_key=True, autoincrement=False))
    event_id: str = Field(sa_column=sa.Column(sa.String(36), nullable=False))
    subject: str = Field(sa_column=sa.Column(sa.String(300), nullable=False))
    sent_at: str | None = Field(default=None, sa_column=sa.Column(sa.String(40), nullable=True, index=True))
    # Set when the event can never be published (too large for NATS): the relay skips it, and the later events of
    # its stream, until a re-feed releases them (zdz_common.outbox).
    parked_at: str | None = Field(default=None, sa_column=sa.Column(sa.String(40), nullable=True, index=True))
    parked_reason: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))


class TrackingRecord(SQLModel, table=True):
    """An event a consumer has processed; written in the same transaction as the consumer's effects."""

    __tablename__ = "es_tracking"

    consumer: str = Field(sa_column=sa.Column(sa.String(100), primary_key=True))
    event_id: str = Field(sa_column=sa.Column(sa.String(36), primary_key=True))
    processed_at: str = Field(sa_column=sa.Column(sa.String(40), nullable=False))


class IdempotencyRecord(SQLModel, table=True):
    """A command's idempotency key: inserted in the command's transaction with its events (or, for a command
    that records no event, right after it), then given the first answer to replay to retries."""

    __tablename__ = "es_idempotency"

    caller: str = Field(sa_column=sa.Column(sa.String(300), primary_key=True))
    key: str = Field(sa_column=sa.Column(sa.String(200), primary_key=True))
    method: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    request_hash: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    response: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary, nullable=True))
    created_at: str = Field(sa_column=sa.Column(sa.String(40), nullable=False))


STORE_TABLES = [
    EventRecord.__table__,
    StreamRecord.__table__,
    OutboxRecord.__table__,
    TrackingRecord.__table__,
    IdempotencyRecord.__table__,
]
