"""SQL engines for the store: SQLite in WAL mode by default, PostgreSQL by URL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from zdz_common.telemetry import instrument_engine

_WRITING: ContextVar[bool] = ContextVar("zdz_write_transaction", default=False)


def create_store_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for `url`, with SQL spans while tracing is on."""
    engine = _engine(url, echo=echo)
    instrument_engine(engine)
    return engine


def _engine(url: str, *, echo: bool) -> Engine:
    """SQLite gets WAL, a busy timeout and write transactions that lock at BEGIN (so two writers never deadlock
    on a lock upgrade); PostgreSQL gets a pre-pinged pool.

    On SQLite, a transaction begun inside `write_transaction_slot` is a writer's: `BEGIN IMMEDIATE`. Any other
    begins deferred, so a read never waits for a writer, nor a writer for a read (WAL). A transaction that reads
    and then writes must therefore hold the slot; one whose first statement writes may do without (it takes the
    lock at that statement, under the busy timeout)."""
    if url.startswith("sqlite"):
        database = sa.engine.make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30})

        @sa.event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            dbapi_connection.isolation_level = None  # SQLAlchemy, not pysqlite, issues BEGIN
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
            connection.exec_driver_sql("BEGIN IMMEDIATE" if _WRITING.get() else "BEGIN")

        # SQLite has one writer at a time; queueing writers here beats its busy-wait back-off.
        engine.info_lock = threading.Lock()  # type: ignore[attr-defined]
        return engine
    return sa.create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20)


@contextmanager
def write_transaction_slot(engine: Engine) -> Iterator[None]:
    """Hold the engine's writer slot for a transaction (SQLite: its transactions begin `IMMEDIATE`); no-op for
    PostgreSQL."""
    lock = getattr(engine, "info_lock", None)
    with lock if lock is not None else nullcontext():
        token = _WRITING.set(True)
        try:
            yield
        finally:
            _WRITING.reset(token)
