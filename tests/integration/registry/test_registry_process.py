"""The registry as a process: configured from the environment, healthy, and stopping cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from zdz_local.nats_server import NatsServer
from zdz_local.processes import free_port


def test_registry_serves_health_and_exits_zero_on_sigterm(tmp_path: Path, nats_server: NatsServer) -> None:
    address = f"127.0.0.1:{free_port()}"
    env = {
        **os.environ,
        "ZDZ_DATA_DIR": str(tmp_path),
        "ZDZ_NATS_URL": nats_server.url,
        "ZDZ_REGISTRY_GRPC_ADDRESS": address,
        "ZDZ_LOAD_OFFICIAL_DATA": "0",
        "ZDZ_AUTH_DISABLED": "1",  # authentication is tested in tests/integration/auth
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "zdz_registry"], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 60
        status = None
        with grpc.insecure_channel(address) as channel:
            health = health_pb2_grpc.HealthStub(channel)
            while time.monotonic() < deadline and status != health_pb2.HealthCheckResponse.SERVING:
                try:
                    status = health.Check(health_pb2.HealthCheckRequest(), timeout=1).status
                except grpc.RpcError:
                    time.sleep(0.1)
        assert status == health_pb2.HealthCheckResponse.SERVING
        process.send_signal(signal.SIGTERM)  # what Kubernetes sends
        assert process.wait(timeout=20) == 0
        assert (tmp_path / "registry.db").exists()  # the default database lives under the data folder
    finally:
        if process.poll() is None:
            process.kill()
