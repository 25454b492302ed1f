"""An append-only event store on SQL (SQLite by default, PostgreSQL by URL).

Each stream (aggregate) has a version: an append names the version it expects and fails with
`ConcurrencyConflict` when someone wrote first. Each event carries the hash of its predecessor in
the stream, so `verify` finds an edited, deleted, inserted or reordered event. Every append also
writes an outbox row in the same transaction; `zdz_common.outbox.OutboxRelay` publishes those rows.
"""

from zdz_common.eventstore.engine import create_store_engine
from zdz_common.eventstore.store import (
    BrokenLink,
    EventStore,
    NewEvent,
    RecordedEvent,
    StreamAppend,
    VerifyResult,
)
from zdz_common.eventstore.tables import STORE_TABLES, EventRecord, OutboxRecord, StreamRecord, TrackingRecord

__all__ = [
    "STORE_TABLES",
    "BrokenLink",
    "EventRecord",
    "EventStore",
    "NewEvent",
    "OutboxRecord",
    "RecordedEvent",
    "StreamAppend",
    "StreamRecord",
    "TrackingRecord",
    "VerifyResult",
    "create_store_engine",
]
