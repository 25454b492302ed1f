"""The event store's contract, on SQLite and on PostgreSQL: versions, concurrency and the hash chain."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel

from zdz.registry.v1 import events_pb2
from zdz_common.context import Actor, CommandContext
from zdz_common.errors import ConcurrencyConflict
from zdz_common.eventstore import STORE_TABLES, EventStore, NewEvent, create_store_engine
from zdz_common.eventstore.engine import write_transaction_slot

CLERK = CommandContext(actor=Actor("wanzhou-task-force", "DISTRICT_TASK_FORCE", "clerk-1"), request_id="r-1")


def _event(name: str) -> NewEvent:
    return NewEvent(
        type="zdz.registry.district.updated", data=events_pb2.DistrictUpdated(code="x", name=name)
    )


@pytest.fixture
def engine(database_url: str):  # type: ignore[no-untyped-def]
    engine = create_store_engine(database_url)
    SQLModel.metadata.create_all(engine, tables=STORE_TABLES)
    yield engine
    engine.dispose()


@pytest.fixture
def store() -> EventStore:
    return EventStore("zdz/test")


def _append(engine, store, stream, expected, names):  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        recorded = store.append(session, stream, expected, [_event(n) for n in names], CLERK)
        session.commit()
        return recorded


def test_append_numbers_versions_from_one_and_chains_hashes(engine, store) -> None:
    first = _append(engine, store, "district/x", 0, ["a", "b"])
    second = _append(engine, store, "district/x", 2, ["c"])
    assert [e.version for e in first + second] == [1, 2, 3]
    assert first[0].prev_hash == ""
    assert first[1].prev_hash == first[0].hash
    assert second[0].prev_hash == first[1].hash
    assert second[0].actor == CLERK.actor and second[0].request_id == "r-1"


def test_append_with_stale_expected_version_is_refused_and_writes_nothing(engine, store) -> None:
    _append(engine, store, "district/x", 0, ["a"])
    _append(engine, store, "district/x", 1, ["b"])
    with pytest.raises(ConcurrencyConflict):
        _append(engine, store, "district/x", 1, ["stale"])
    with Session(engine) as session:
        assert [e.payload(events_pb2.DistrictUpdated).name for e in store.read(session, "district/x")] == [
            "a",
            "b",
        ]


def test_creating_a_stream_that_exists_is_a_conflict(engine, store) -> None:
    _append(engine, store, "district/x", 0, ["a"])
    with pytest.raises(ConcurrencyConflict):
        _append(engine, store, "district/x", 0, ["again"])


def test_every_append_writes_one_outbox_row_per_event(engine, store) -> None:
    _append(engine, store, "district/x", 0, ["a", "b"])
    _append(engine, store, "district/y", 0, ["c"])
    with engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT event_id, sent_at FROM es_outbox ORDER BY position").all()
    assert len(rows) == 3 and all(sent is None for _, sent in rows)


def test_untouched_store_verifies(engine, store) -> None:
    _append(engine, store, "district/x", 0, ["a", "b", "c"])
    _append(engine, store, "district/y", 0, ["d"])
    with Session(engine) as session:
        result = store.verify(session)
    assert result.ok and result.events_checked == 4


# --- tampering, each kind, straight in the database as an intruder would -------------------------------------


def _tamper(engine, sql: str, params: dict | None = None) -> None:  # type: ignore[type-arg]
    with engine.begin() as connection:
        connection.execute(sa.text(sql), params or {})


def _verify(engine, store, stream=None):  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return store.verify(session, stream)


def _three(engine, store) -> None:  # type: ignore[no-untyped-def]
    _append(engine, store, "district/x", 0, ["a", "b", "c"])


def test_edited_event_payload_is_detected(engine, store) -> None:
    _three(engine, store)
    forged = events_pb2.DistrictUpdated(code="x", name="forged").SerializeToString()
    _tamper(
        engine, "UPDATE es_event SET data = :d WHERE stream_id = 'district/x' AND version = 2", {"d": forged}
    )
    result = _verify(engine, store)
    assert not result.ok
    assert (result.first_broken_link.version, result.first_broken_link.reason) == (
        2,
        "event content changed (edited)",
    )


def test_edited_actor_is_detected(engine, store) -> None:
    _three(engine, store)
    _tamper(engine, "UPDATE es_event SET actor_person = 'someone-else' WHERE version = 1")
    result = _verify(engine, store, "district/x")
    assert not result.ok and result.first_broken_link.version == 1


def test_deleted_event_in_the_middle_is_detected(engine, store) -> None:
    _three(engine, store)
    _tamper(engine, "DELETE FROM es_outbox")
    _tamper(engine, "DELETE FROM es_event WHERE stream_id = 'district/x' AND version = 2")
    result = _verify(engine, store)
    assert not result.ok
    assert result.first_broken_link.version == 2 and "missing" in result.first_broken_link.reason


def test_deleted_last_event_is_detected_by_the_stream_head(engine, store) -> None:
    _three(engine, store)
    _tamper(engine, "DELETE FROM es_event WHERE stream_id = 'district/x' AND version = 3")
    result = _verify(engine, store)
    assert not result.ok and "deleted" in result.first_broken_link.reason


def test_inserted_event_is_detected(engine, store) -> None:
    _three(engine, store)
    # The intruder appends a well-formed event with a correct-looking hash beyond the head.
    _tamper(
        engine,
        "INSERT INTO es_event (event_id, stream_id, version, type, source, subject, recorded_at, data_type, data,"
        " actor_organisation, actor_role, actor_person, request_id, traceparent, prev_hash, hash)"
        " SELECT 'ffffffff-0000-0000-0000-000000000000', stream_id, 4, type, source, subject, recorded_at,"
        " data_type, data, actor_organisation, actor_role, actor_person, request_id, traceparent, hash, hash"
        " FROM es_event WHERE stream_id = 'district/x' AND version = 3",
    )
    result = _verify(engine, store)
    assert not result.ok and result.first_broken_link.version == 4


def test_inserted_event_with_renumbering_is_detected(engine, store) -> None:
    _three(engine, store)
    # Shift versions 2..3 up by one (in two steps to dodge the unique constraint), then fill the gap.
    _tamper(
        engine, "UPDATE es_event SET version = version + 100 WHERE stream_id = 'district/x' AND version >= 2"
    )
    _tamper(
        engine, "UPDATE es_event SET version = version - 99 WHERE stream_id = 'district/x' AND version >= 100"
    )
    _tamper(
        engine,
        "INSERT INTO es_event (event_id, stream_id, version, type, source, subject, recorded_at, data_type, data,"
        " actor_organisation, actor_role, actor_person, request_id, traceparent, prev_hash, hash)"
        " SELECT 'eeeeeeee-0000-0000-0000-000000000000', stream_id, 2, type, source, subject, recorded_at,"
        " data_type, data, actor_organisation, actor_role, actor_person, request_id, traceparent, hash, hash"
        " FROM es_event WHERE stream_id = 'district/x' AND version = 1",
    )
    _tamper(engine, "UPDATE es_stream SET version = 4 WHERE stream_id = 'district/x'")
    result = _verify(engine, store)
    assert not result.ok and result.first_broken_link.version == 2


def test_reordered_events_are_detected(engine, store) -> None:
    _three(engine, store)
    _tamper(engine, "UPDATE es_event SET version = 99 WHERE stream_id = 'district/x' AND version = 2")
    _tamper(engine, "UPDATE es_event SET version = 2 WHERE stream_id = 'district/x' AND version = 3")
    _tamper(engine, "UPDATE es_event SET version = 3 WHERE stream_id = 'district/x' AND version = 99")
    result = _verify(engine, store)
    assert not result.ok
    assert (result.first_broken_link.version, result.first_broken_link.reason) == (
        2,
        "event out of order (reordered)",
    )


def test_tampering_with_a_real_sqlite_file_outside_the_application_is_detected(tmp_path: Path, store) -> None:
    # The clerk's database file is edited with the plain sqlite3 module, as someone with disk access would.
    path = tmp_path / "registry.db"
    engine = create_store_engine(f"sqlite:///{path}")
    SQLModel.metadata.create_all(engine, tables=STORE_TABLES)
    _three(engine, store)
    engine.dispose()
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE es_event SET request_id = 'r-forged' WHERE version = 3")
    engine = create_store_engine(f"sqlite:///{path}")
    result = _verify(engine, store)
    assert not result.ok and result.first_broken_link.version == 3
    engine.dispose()


def test_on_sqlite_a_read_does_not_wait_for_a_writer_in_its_slot(tmp_path: Path, store) -> None:
    engine = create_store_engine(f"sqlite:///{tmp_path / 'store.db'}")
    SQLModel.metadata.create_all(engine, tables=STORE_TABLES)
    _append(engine, store, "district/x", 0, ["a"])
    writing, done = threading.Event(), threading.Event()

    def writer() -> None:  # holds SQLite's write lock (BEGIN IMMEDIATE) until told to commit
        with write_transaction_slot(engine), Session(engine) as session:
            store.append(session, "district/x", 1, [_event("b")], CLERK)
            writing.set()
            done.wait(10)
            session.commit()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert writing.wait(10)
        seen: list[int] = []
        reader = threading.Thread(target=lambda: seen.append(len(store.read(Session(engine), "district/x"))))
        reader.start()
        reader.join(2)  # the busy timeout is 30 s: a read that queued for the lock would still be waiting
        assert seen == [1]  # it read the last committed state, without waiting
    finally:
        done.set()
        thread.join(10)
    with Session(engine) as session:
        assert store.version(session, "district/x") == 2
    engine.dispose()
