"""A throw-away PostgreSQL cluster on loopback, for the store's tests on PostgreSQL.

Uses the machine's initdb/pg_ctl (Debian's `postgresql` package). PostgreSQL refuses to run as root, so as
root the cluster runs as the `postgres` system user.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from zdz_local.processes import free_port, wait_for_port


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    return None


def postgres_available() -> bool:
    return _pg_bin("initdb") is not None and _pg_bin("pg_ctl") is not None


class PostgresCluster:
    def __init__(self, base_dir: Path) -> None:
        self.base_dir = base_dir
        self.data_dir = base_dir / "pgdata"
        self.port = free_port()
        self._as_root = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        command = list(args)
        if self._as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> PostgresCluster:
        initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
        if not initdb or not pg_ctl:
            raise RuntimeError("initdb/pg_ctl not found: install Debian's postgresql package")
        self.base_dir.mkdir(parents=True, exist_ok=True)
        if self._as_root:
            shutil.chown(self.base_dir, "postgres", "postgres")
            os.chmod(self.base_dir, 0o700)
        self._run(
            initdb, "-D", str(self.data_dir), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"
        )
        options = f"-h 127.0.0.1 -p {self.port} -k {self.base_dir} -c fsync=off -c max_connections=100"
        self._run(
            pg_ctl,
            "-D",
            str(self.data_dir),
            "-o",
            options,
            "-l",
            str(self.base_dir / "pg.log"),
            "-w",
            "start",
        )
        wait_for_port(self.port, timeout=30, what="postgres")
        return self

    def stop(self) -> None:
        pg_ctl = _pg_bin("pg_ctl")
        if pg_ctl and self.data_dir.exists():
            self._run(pg_ctl, "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")
