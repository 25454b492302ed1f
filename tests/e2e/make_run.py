"""`make run` driven as a person would: start it, read what it prints until it is up, stop it with Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from zdz_common.auth import TokenIssuer, development_keys
from zdz_local.processes import free_port
from zdz_local.services import SERVICES


def environment(data: Path) -> dict[str, str]:
    """`make run`'s environment on free ports: its data under `data`, every server and service on its own port."""
    return {
        **os.environ,
        "ZDZ_DATA_DIR": str(data),
        "ZDZ_NATS_PORT": str(free_port()),
        "ZDZ_TEMPORAL_PORT": str(free_port()),
        "ZDZ_TEMPORAL_UI_PORT": str(free_port()),
        **{spec.address_variable: f"127.0.0.1:{free_port()}" for spec in SERVICES},
        "ZDZ_NOTIFY_HTTP_ADDRESS": f"127.0.0.1:{free_port()}",
        "ZDZ_DEMO": "0",  # the demo city has its own test (tests/integration/demo)
    }


def start(env: dict[str, str]) -> tuple[subprocess.Popen, list[str]]:  # type: ignore[type-arg]
    """Start `make run`'s orchestrator; return it and the lines it printed up to "all up"."""
    process = subprocess.Popen(
        [sys.executable, "-m", "zdz_local.run"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    deadline = time.monotonic() + 180
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip())
        if "all up" in line:
            return process, lines
    process.kill()
    raise AssertionError("make run did not come up:\n" + "\n".join(lines))


def stop(process: subprocess.Popen) -> list[str]:  # type: ignore[type-arg]
    """Ctrl-C (SIGINT); it must stop cleanly. Returns what it printed while stopping."""
    process.send_signal(signal.SIGINT)
    out, _ = process.communicate(timeout=60)
    assert process.returncode == 0, out
    return out.splitlines()


def tokens(lines: list[str]) -> dict[str, str]:
    """The development tokens make run prints ("token <ROLE> <organisation> <jwt>"), by role."""
    return {line.split()[1]: line.split()[3] for line in lines if line.startswith("token ")}


def token_issuer(data: Path) -> TokenIssuer:
    """Signs tokens with the development key `make run` keeps under <data>/keys, for any organisation and role
    (make run prints one token per role; a story needs a unit's, its district's and the city's)."""
    return TokenIssuer(development_keys(data / "keys")[0])
