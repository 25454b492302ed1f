"""A service refuses to start on a store that is unmigrated, behind or migrated by a newer release, and says
what to run; `python -m zdz_<service> migrate` upgrades it, and a second time does nothing. Real processes, as
`make run` and Kubernetes start them, on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from zdz_common import migrations
from zdz_common.eventstore import create_store_engine

FUTURE = "9999_from_a_newer_release"


def _run(service: str, url: str, data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        f"ZDZ_{service.upper()}_DATABASE_URL": url,
        "ZDZ_DATA_DIR": str(data),
        # never the default ports: a refused start must not get as far as listening anyway
        f"ZDZ_{service.upper()}_GRPC_ADDRESS": "127.0.0.1:1",
        "ZDZ_TEMPORAL_ADDRESS": "127.0.0.1:1",
        "ZDZ_NATS_URL": "nats://127.0.0.1:1",
        "ZDZ_LOG_FORMAT": "text",
    }
    return subprocess.run(
        [sys.executable, "-m", f"zdz_{service}", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _stamp(url: str, package: str, revision: str) -> None:
    engine = create_store_engine(url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(f"UPDATE {migrations.version_table(package)} SET version_num = :r"), {"r": revision}
        )
    engine.dispose()


@pytest.mark.parametrize("service", ["registry", "scoring", "workflow", "notify"])
def test_a_service_refuses_to_start_on_an_unmigrated_store_and_names_the_command(
    service: str, tmp_path: Path
) -> None:
    database_url = (
        f"sqlite:///{tmp_path / 'store.db'}"  # PostgreSQL: test_upgrade_in_place refuses in-process
    )
    started = _run(service, database_url, tmp_path)
    assert started.returncode != 0
    assert "数据库结构未升级" in started.stderr and f"zdz-{service} migrate" in started.stderr
    assert "make migrate" in started.stderr and "not starting" in started.stderr
    engine = create_store_engine(database_url)
    assert sa.inspect(engine).get_table_names() == []  # refusing, it created nothing
    engine.dispose()


def test_migrate_upgrades_the_store_and_a_second_time_does_nothing(database_url: str, tmp_path: Path) -> None:
    first = _run("registry", database_url, tmp_path, "migrate")
    assert first.returncode == 0, first.stderr
    assert "已升级" in first.stdout and "0003_outbox_parking" in first.stdout
    engine = create_store_engine(database_url)
    tables = set(sa.inspect(engine).get_table_names())
    assert {"es_event", "es_idempotency", "registry_unit", "registry_acceptance_history"} <= tables
    assert migrations.current_revisions(engine, "zdz_registry") == {"0003_outbox_parking"}
    migrations.check_current(engine, "zdz_registry")  # the service would start now
    engine.dispose()
    second = _run("registry", database_url, tmp_path, "migrate")
    assert second.returncode == 0 and "已是最新" in second.stdout


def test_a_store_behind_the_code_is_refused_until_migrated(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    migrations.upgrade(url, "zdz_registry", revision="0001_baseline")
    refused = _run("registry", url, tmp_path)
    assert refused.returncode != 0 and "落后" in refused.stderr and "is behind" in refused.stderr
    assert _run("registry", url, tmp_path, "migrate").returncode == 0
    engine = create_store_engine(url)
    migrations.check_current(engine, "zdz_registry")
    engine.dispose()


def test_a_store_migrated_by_a_newer_release_is_refused_and_not_migrated(
    database_url: str, tmp_path: Path
) -> None:
    migrations.upgrade(database_url, "zdz_registry")
    _stamp(database_url, "zdz_registry", FUTURE)
    refused = _run("registry", database_url, tmp_path)
    assert refused.returncode != 0
    assert "更新的版本" in refused.stderr and "migrated by a newer release" in refused.stderr
    assert FUTURE in refused.stderr
    with pytest.raises(SystemExit, match="migrated by a newer release"):  # bootstrap(url) in a test, too
        migrations.upgrade(database_url, "zdz_registry")
    engine = create_store_engine(database_url)
    assert migrations.current_revisions(engine, "zdz_registry") == {FUTURE}
    engine.dispose()


def test_migrate_leaves_a_store_of_a_newer_release_alone(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'notify.db'}"
    migrations.upgrade(url, "zdz_notify")
    _stamp(url, "zdz_notify", FUTURE)
    refused = _run("notify", url, tmp_path, "migrate")
    assert refused.returncode != 0 and "migrated by a newer release" in refused.stderr
    engine = create_store_engine(url)
    assert migrations.current_revisions(engine, "zdz_notify") == {FUTURE}  # left as the newer release left it
    engine.dispose()


def test_an_unknown_argument_is_refused_with_the_usage(tmp_path: Path) -> None:
    refused = _run("scoring", f"sqlite:///{tmp_path / 's.db'}", tmp_path, "upgrade")
    assert refused.returncode != 0 and "usage: python -m zdz_scoring [migrate [revision]]" in refused.stderr
