"""`make run`: NATS, the Temporal dev server and every service, on embedded defaults; Ctrl-C stops them all.

A service that exits (a crash, `kill -9`) is started again, after 1 s, 2 s, 4 s … at most 30 s in a row (the count
starts again once it has run a minute), and the console says so ("registry exited with 1; restarting in 2 s").

Data lives under ZDZ_DATA_DIR (default ./data), so a second run finds it again. Ports come from the
environment (ZDZ_NATS_PORT, ZDZ_TEMPORAL_PORT, ZDZ_TEMPORAL_UI_PORT, ZDZ_<SERVICE>_GRPC_ADDRESS, and
ZDZ_CONSOLE_HTTP_ADDRESS for the web console, started last).

Authentication is on: development keys are kept under <data>/keys, every service gets the public key, services
calling services get a SERVICE token (ZDZ_SERVICE_TOKEN), and one ready token per role is printed and written to
<data>/keys/dev-tokens.txt ("role organisation token" per line) for trying things out.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import grpc

from zdz.events.v1 import refs_pb2
from zdz.registry.v1 import registry_pb2, registry_pb2_grpc
from zdz_common.auth import Principal, Role, TokenIssuer, development_keys
from zdz_common.config import data_dir, env_flag, env_int, env_str
from zdz_local.demo import load_if_first_start
from zdz_local.nats_server import NatsServer
from zdz_local.processes import Supervisor, wait_until_serving
from zdz_local.services import GRPC_SERVICES, SERVICES, ServiceSpec, service
from zdz_local.temporal_dev import TemporalDevServer


def say(line: str) -> None:
    print(line, flush=True)


DEV_DISTRICT = "wanzhou"  # 万州区
CITY = Principal(role=Role.MUNICIPAL_TASK_FORCE, person="dev.municipal")
SERVICE = Principal(role=Role.SERVICE, person="zdz", system="zdz")
SERVICE_TOKEN_TTL = 30 * 24 * 3600  # outlives any development session


def _first_unit_of(address: str, district_code: str, token: str) -> str:
    """A town of the district as the registry lists it (the official data), for the development UNIT token (a
    village has no ledger and no process)."""
    with grpc.insecure_channel(address) as channel:
        page = registry_pb2_grpc.RegistryServiceStub(channel).ListUnits(
            registry_pb2.ListUnitsRequest(
                district_code=district_code, kind=refs_pb2.UNIT_KIND_TOWN, page_size=1
            ),
            metadata=(("authorization", f"Bearer {token}"),),
            timeout=10,
        )
    return page.units[0].id if page.units else "demo-unit"


def migrate(spec: ServiceSpec, env: dict[str, str], logs: Path) -> None:
    """Bring the service's store to the code's schema (`zdz-<service> migrate`) before the service starts."""
    with open(logs / f"{spec.name}.log", "ab") as log:
        done = subprocess.run(
            [sys.executable, "-m", spec.module, "migrate"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    if done.returncode != 0:
        raise RuntimeError(
            f"migrating {spec.name}'s store failed (exit {done.returncode}; see {logs / spec.name}.log)"
        )


def _launcher(spec: ServiceSpec, env: dict[str, str], logs: Path) -> Callable[[], subprocess.Popen]:  # type: ignore[type-arg]
    """Start the service, its output appended to its log (a restart's too)."""

    def launch() -> subprocess.Popen:  # type: ignore[type-arg]
        with open(logs / f"{spec.name}.log", "ab") as log:
            return subprocess.Popen(
                [sys.executable, "-m", spec.module], env=env, stdout=log, stderr=subprocess.STDOUT
            )

    return launch


def wait_until_answering(address: str, process: subprocess.Popen, name: str, timeout: float = 60.0) -> None:  # type: ignore[type-arg]
    """Poll an HTTP service's /healthz until it answers 200; fail early if its process exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with code {process.returncode} before answering on {address}")
        try:
            with urllib.request.urlopen(f"http://{address}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{name} did not answer on http://{address} within {timeout:.0f}s")


def development_tokens(issuer: TokenIssuer, unit_id: str) -> list[tuple[Principal, str]]:
    """One token per role: a unit of 万州区, the 万州 district task force, municipal, the 巴渝治水 integration, public."""
    principals = [
        Principal(role=Role.UNIT, person="dev.unit", unit_id=unit_id, district_code=DEV_DISTRICT),
        Principal(role=Role.DISTRICT_TASK_FORCE, person="dev.district", district_code=DEV_DISTRICT),
        CITY,
        Principal(role=Role.INTEGRATION, person="dev.bayu", system="bayu"),
        Principal(role=Role.PUBLIC, person="dev.public"),
    ]
    return [(principal, issuer.issue(principal)) for principal in principals]


def write_tokens(path: Path, tokens: list[tuple[Principal, str]]) -> None:
    path.write_text("".join(f"{p.role.value} {p.organisation} {token}\n" for p, token in tokens))
    path.chmod(0o600)


def print_tokens(issuer: TokenIssuer, keys: Path) -> None:
    tokens = development_tokens(
        issuer, _first_unit_of(service("registry").address, DEV_DISTRICT, issuer.issue(CITY))
    )
    write_tokens(keys / "dev-tokens.txt", tokens)
    say(f"development tokens (also in {keys / 'dev-tokens.txt'}), send as 'authorization: Bearer <token>':")
    for principal, token in tokens:
        say(f"token {principal.role.value:<20} {principal.organisation:<30} {token}")


def main() -> int:
    data = data_dir()
    first_start = not any(data.iterdir())  # an empty data folder: the demo city is loaded unless ZDZ_DEMO=0
    logs = data / "logs"
    logs.mkdir(exist_ok=True)
    say(f"zdz: data under {data} (logs in {logs})")
    services = Supervisor(say)
    nats = NatsServer(data / "jetstream", port=env_int("ZDZ_NATS_PORT", 4222), log_file=logs / "nats.log")
    temporal = TemporalDevServer(
        data / "temporal.db",
        port=env_int("ZDZ_TEMPORAL_PORT", 7233),
        ui_port=env_int("ZDZ_TEMPORAL_UI_PORT", 8233),
        log_file=logs / "temporal.log",
    )
    stopping = False

    def request_stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        say("starting nats-server …")
        nats.start()
        say(f"nats      {nats.url}")
        say("starting Temporal dev server …")
        temporal.start()
        say(f"temporal  {temporal.address}  (Web UI {temporal.ui_url})")
        keys = data / "keys"
        issuer = None if env_flag("ZDZ_AUTH_DISABLED") else TokenIssuer(development_keys(keys)[0])
        env = {
            **os.environ,
            "ZDZ_DATA_DIR": str(data),
            "ZDZ_NATS_URL": nats.url,
            "ZDZ_TEMPORAL_ADDRESS": temporal.address,
            **{spec.address_variable: spec.address for spec in SERVICES},
            "ZDZ_TEMPORAL_UI_URL": env_str("ZDZ_TEMPORAL_UI_URL", temporal.ui_url),
        }
        if issuer is not None:
            env["ZDZ_AUTH_PUBLIC_KEY_FILE"] = str(keys / "dev-signing-key.pub.pem")
            env["ZDZ_SERVICE_TOKEN"] = issuer.issue(SERVICE, ttl_seconds=SERVICE_TOKEN_TTL)
        for spec in (s for s in GRPC_SERVICES if s.exists()):
            migrate(spec, env, logs)
        for spec in (s for s in SERVICES if s.exists()):
            say(f"starting {spec.name} …")
            process = services.start(spec.name, _launcher(spec, env, logs))
            if spec.http:
                wait_until_answering(spec.address, process, spec.name)
                say(f"{spec.name:<9} http://{spec.address}  (web console; dev sign-in at /dev)")
                continue
            wait_until_serving(spec.address, process, spec.name)
            say(f"{spec.name:<9} grpc://{spec.address}")
            if spec.name == "notify":
                board = env_str("ZDZ_NOTIFY_HTTP_ADDRESS", "127.0.0.1:8054")
                say(f"{'board':<9} http://{board}/board  (公示栏; Atom feed /board/feed.atom)")
        if issuer is not None:
            print_tokens(issuer, keys)
        else:
            say("zdz: ZDZ_AUTH_DISABLED=1: services run WITHOUT authentication")
        say("zdz: all up. Ctrl-C stops everything.")
        if first_start:
            env["ZDZ_DEMO"] = os.environ.get("ZDZ_DEMO", "1")
        # In the background, so that the system is usable (and Ctrl-C works) while the demo loads.
        threading.Thread(target=load_if_first_start, args=(data, env, say), daemon=True).start()
        while not stopping:
            services.check()
            time.sleep(0.3)
        return 0
    except (RuntimeError, TimeoutError, FileNotFoundError) as error:
        say(f"zdz: {error}")
        return 1
    finally:
        say("zdz: stopping …")
        services.stop_all()
        temporal.stop()
        nats.stop()
        say("zdz: stopped.")


if __name__ == "__main__":
    sys.exit(main())
