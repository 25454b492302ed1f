"""Shared fixtures: real servers on loopback, one per test or per session, never shared by name."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from zdz_local.nats_server import NatsServer
from zdz_local.postgres import PostgresCluster, postgres_available


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    """A fresh nats-server with JetStream on a temp file store."""
    server = NatsServer(tmp_path / "jetstream", log_file=tmp_path / "nats.log").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresCluster]:
    if not postgres_available():
        pytest.fail("initdb/pg_ctl not found: install Debian's postgresql package (the CI script does)")
    # Not under pytest's temp folder: as root, the cluster runs as `postgres`, which cannot enter that folder.
    base = Path(tempfile.mkdtemp(prefix="zdz-pg-"))
    cluster = PostgresCluster(base).start()
    yield cluster
    cluster.stop()
    shutil.rmtree(base, ignore_errors=True)


def _fresh_postgres_database(cluster: PostgresCluster) -> str:
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(cluster.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    admin.dispose()
    return cluster.url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test on SQLite (a real file in WAL mode) and on a real PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return _fresh_postgres_database(request.getfixturevalue("postgres_cluster"))
