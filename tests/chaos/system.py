"""The system under test, on loopback: a throw-away PostgreSQL cluster (one database per service), nats-server with
JetStream, the Temporal dev server and the four gRPC services as separate OS processes, started, faulted and
stopped by pid (never by name).

A fault is one of: `kill` (SIGKILL, then a start after a short down time), `pause` (SIGSTOP of the process and
its children, SIGCONT after a few seconds) or `restart` (SIGTERM and a start; for PostgreSQL `pg_ctl restart`).
PostgreSQL's `kill` is a SIGKILL of the postmaster and its backends, then `pg_ctl start` (crash recovery).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import sqlalchemy as sa

from zdz_common.auth import Principal, Role, TokenIssuer, development_keys
from zdz_local.nats_server import NatsServer
from zdz_local.postgres import PostgresCluster, _pg_bin
from zdz_local.processes import free_port, stop_process, wait_for_port, wait_until_serving
from zdz_local.services import GRPC_SERVICES
from zdz_local.temporal_dev import TemporalDevServer

SERVICES = tuple(spec.name for spec in GRPC_SERVICES)  # registry, scoring, workflow, notify
TARGETS = ("nats", "temporal", "postgres", *SERVICES)
FAULT_KINDS = ("kill", "pause", "restart")


def _tree(pid: int) -> list[psutil.Process]:
    try:
        parent = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return []
    return [parent, *parent.children(recursive=True)]


def _signal_tree(pid: int, sig: signal.Signals) -> None:
    for process in _tree(pid):
        try:
            process.send_signal(sig)
        except psutil.NoSuchProcess:
            pass


@dataclass
class Fault:
    after: float  # seconds of quiet before it, from the moment the previous fault's part answered again
    target: str
    kind: str
    seconds: float  # how long the part is down or paused
    at: float = 0.0  # seconds since the programme started, when it was injected
    recovered_in: float = 0.0  # from the fault until the part answers again
    note: str = ""


@dataclass
class System:
    base: Path
    env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)  # type: ignore[type-arg]

    def __post_init__(self) -> None:
        self.data = self.base / "data"
        self.logs = self.base / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        # Not under the data folder: as root the cluster runs as `postgres`, which needs its own folder.
        self.postgres = PostgresCluster(Path(tempfile.mkdtemp(prefix="zdz-chaos-pg-")))
        self.nats = NatsServer(self.data / "jetstream", log_file=self.logs / "nats.log")
        self.temporal = TemporalDevServer(
            self.data / "temporal.db", headless=True, log_file=self.logs / "temporal.log"
        )
        self.issuer = TokenIssuer(development_keys(self.data / "keys")[0])

    # --- start and stop -------------------------------------------------------------------------------------

    def database_url(self, service: str) -> str:
        return self.postgres.url.rsplit("/", 1)[0] + f"/zdz_{service}"

    def address(self, service: str) -> str:
        return self.env[f"ZDZ_{service.upper()}_GRPC_ADDRESS"]

    def start(self) -> System:
        self.postgres.start()
        admin = sa.create_engine(self.postgres.url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for name in SERVICES:
                connection.exec_driver_sql(f"CREATE DATABASE zdz_{name}")
        admin.dispose()
        self.nats.start()
        self.temporal.start()
        keys = self.data / "keys"
        self.env = {
            **os.environ,
            "ZDZ_DATA_DIR": str(self.data),
            "ZDZ_NATS_URL": self.nats.url,
            "ZDZ_TEMPORAL_ADDRESS": self.temporal.address,
            "ZDZ_NOTIFY_HTTP_ADDRESS": f"127.0.0.1:{free_port()}",
            "ZDZ_AUTH_PUBLIC_KEY_FILE": str(keys / "dev-signing-key.pub.pem"),
            "ZDZ_SERVICE_TOKEN": self.issuer.issue(
                Principal(role=Role.SERVICE, person="zdz", system="zdz"), ttl_seconds=7 * 86400
            ),
            "ZDZ_LOAD_VILLAGES": "0",  # the campaign drives towns; 7,946 villages would only slow the start
            "ZDZ_RATE_LIMIT_PER_SECOND": "100000",  # the clients are few and fast, not abusive
            "ZDZ_RATE_LIMIT_BURST": "100000",
            "ZDZ_SHUTDOWN_GRACE_SECONDS": "1",
            # A broker restart redelivers what was in flight: soon, so that the campaign settles in seconds.
            "ZDZ_NOTIFY_CONSUMER_ACK_WAIT_SECONDS": "5",
            "ZDZ_NOTIFY_CONSUMER_RETRY_DELAYS": "0.5,1,2,5",
        }
        for name in SERVICES:
            self.env[f"ZDZ_{name.upper()}_GRPC_ADDRESS"] = f"127.0.0.1:{free_port()}"
            self.env[f"ZDZ_{name.upper()}_DATABASE_URL"] = self.database_url(name)
        with ThreadPoolExecutor(max_workers=len(SERVICES)) as pool:  # each its own database: side by side
            list(pool.map(self._migrate, SERVICES))
            list(pool.map(self.start_service, SERVICES))
        return self

    def _migrate(self, name: str) -> None:
        with open(self.logs / f"{name}.log", "ab") as log:
            done = subprocess.run(
                [sys.executable, "-m", f"zdz_{name}", "migrate"],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        if done.returncode:
            raise RuntimeError(f"migrating {name} failed; see {self.logs / name}.log")

    def start_service(self, name: str, attempts: int = 3) -> str:
        """Start the service and wait until it serves; a start that fails is tried again (up to `attempts`)
        and told in the answer, with the end of its log."""
        told = ""
        for attempt in range(1, attempts + 1):
            log_file = self.logs / f"{name}.log"
            mark = log_file.stat().st_size if log_file.exists() else 0
            with open(log_file, "ab") as log:
                self.processes[name] = subprocess.Popen(
                    [sys.executable, "-m", f"zdz_{name}"], env=self.env, stdout=log, stderr=subprocess.STDOUT
                )
            try:
                wait_until_serving(self.address(name), self.processes[name], name, timeout=180)
                return told
            except (RuntimeError, TimeoutError) as error:
                stop_process(self.processes[name])
                tail = log_file.read_bytes()[mark:].decode(errors="replace").strip().splitlines()[-3:]
                told += f"start {attempt} failed ({error}): {' | '.join(tail)[:400]}; "
                if attempt == attempts:
                    raise RuntimeError(told) from error
                if "migrate" in " ".join(tail):  # the code moved on under the campaign (a new migration)
                    self._migrate(name)
                    told += "migrated; "
                time.sleep(1.0)
        return told

    def stop(self) -> None:
        for process in reversed(list(self.processes.values())):
            _signal_tree(process.pid, signal.SIGCONT)
            stop_process(process, timeout=10)
        for server in (self.temporal, self.nats):
            if server.process is not None:
                _signal_tree(server.process.pid, signal.SIGCONT)
                server.stop()
        try:
            self._resume_postgres()
            self.postgres.stop()
        finally:
            shutil.rmtree(self.postgres.base_dir, ignore_errors=True)

    # --- faults ---------------------------------------------------------------------------------------------

    def pid(self, target: str) -> int:
        if target == "postgres":
            return int((self.postgres.data_dir / "postmaster.pid").read_text().split()[0])
        if target == "nats":
            return self.nats.process.pid  # type: ignore[union-attr]
        if target == "temporal":
            return self.temporal.process.pid  # type: ignore[union-attr]
        return self.processes[target].pid

    def inject(self, fault: Fault) -> None:
        """Apply the fault and bring the part back; `recovered_in` says when it answered again, `note` what
        went wrong on the way (a start that had to be tried again)."""
        began = time.monotonic()
        if fault.kind == "pause":
            pid = self.pid(fault.target)
            _signal_tree(pid, signal.SIGSTOP)
            time.sleep(fault.seconds)
            _signal_tree(pid, signal.SIGCONT)
        elif fault.kind == "kill":
            self._kill(fault.target)
            time.sleep(fault.seconds)
            self._start(fault.target, fault)
        else:
            self._restart(fault.target, fault)
        self._wait_answering(fault.target)
        fault.recovered_in = time.monotonic() - began

    def _kill(self, target: str) -> None:
        pid = self.pid(target)
        members = _tree(pid)
        for process in members:
            try:
                process.kill()
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(members, timeout=30)
        if target in SERVICES:
            self.processes[target].wait()
        elif target == "nats":
            self.nats.process.wait()  # type: ignore[union-attr]
        elif target == "temporal":
            self.temporal.process.wait()  # type: ignore[union-attr]

    def _start(self, target: str, fault: Fault | None = None) -> None:
        if target in SERVICES:
            told = self.start_service(target)
            if fault is not None:
                fault.note += told
        elif target == "nats":
            self.nats.start()
        elif target == "temporal":
            self.temporal.start()
        else:
            self._pg_ctl("start")

    def _restart(self, target: str, fault: Fault) -> None:
        if target == "postgres":
            self._pg_ctl("restart", "-m", "fast")
            return
        if target in SERVICES:
            stop_process(self.processes[target], timeout=15)
        elif target == "nats":
            self.nats.stop()
        else:
            self.temporal.stop()
        self._start(target, fault)

    def _pg_ctl(self, *action: str) -> None:
        pg_ctl = _pg_bin("pg_ctl")
        options = (
            f"-h 127.0.0.1 -p {self.postgres.port} -k {self.postgres.base_dir} -c fsync=off "
            "-c max_connections=100"
        )
        command = [
            pg_ctl,
            "-D",
            str(self.postgres.data_dir),
            "-o",
            options,
            "-l",
            str(self.postgres.base_dir / "pg.log"),
            "-w",
            *action,
        ]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)

    def _resume_postgres(self) -> None:
        try:
            _signal_tree(self.pid("postgres"), signal.SIGCONT)
        except (FileNotFoundError, ValueError):
            pass

    def _wait_answering(self, target: str) -> None:
        if target in SERVICES:
            wait_until_serving(self.address(target), self.processes[target], target, timeout=180)
        elif target == "nats":
            wait_for_port(self.nats.port, timeout=60, what="nats-server")
        elif target == "temporal":
            wait_for_port(self.temporal.port, timeout=60, what="temporal")
        else:
            wait_for_port(self.postgres.port, timeout=60, what="postgres")

    def alive(self) -> dict[str, bool]:
        """Which parts are running (a service that died on its own is an anomaly of the campaign)."""
        state = {name: self.processes[name].poll() is None for name in SERVICES}
        state["nats"] = self.nats.process is not None and self.nats.process.poll() is None
        state["temporal"] = self.temporal.process is not None and self.temporal.process.poll() is None
        try:
            state["postgres"] = psutil.pid_exists(self.pid("postgres"))
        except (FileNotFoundError, ValueError):
            state["postgres"] = False
        return state
