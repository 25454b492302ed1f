"""The registry as a process: configured from the environment, healthy, and stopping cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from zdz_common import migrations
from zdz_local.nats_server import NatsServer
from zdz_local.processes import free_port, wait_until_serving


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
    migrations.upgrade(
        f"sqlite:///{tmp_path / 'registry.db'}", "zdz_registry"
    )  # the service refuses an unmigrated store
    process = subprocess.Popen(
        [sys.executable, "-m", "zdz_registry"], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        wait_until_serving(address, process, "registry", timeout=60)
        process.send_signal(signal.SIGTERM)  # what Kubernetes sends
        assert process.wait(timeout=20) == 0
        assert (tmp_path / "registry.db").exists()  # the default database lives under the data folder
    finally:
        if process.poll() is None:
            process.kill()
