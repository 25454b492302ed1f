"""The workflow service as a process: configured from the environment, healthy, stopping cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from zdz_common import migrations
from zdz_local.nats_server import NatsServer
from zdz_local.processes import free_port, wait_until_serving
from zdz_local.temporal_dev import TemporalDevServer


def test_workflow_service_serves_health_and_exits_zero_on_sigterm(
    tmp_path: Path, nats_server: NatsServer, dev_server: TemporalDevServer
) -> None:
    address = f"127.0.0.1:{free_port()}"
    env = {
        **os.environ,
        "ZDZ_DATA_DIR": str(tmp_path),
        "ZDZ_NATS_URL": nats_server.url,
        "ZDZ_TEMPORAL_ADDRESS": dev_server.address,
        "ZDZ_WORKFLOW_GRPC_ADDRESS": address,
        "ZDZ_REGISTRY_GRPC_ADDRESS": f"127.0.0.1:{free_port()}",  # not called until a process starts
        "ZDZ_AUTH_DISABLED": "1",
    }
    migrations.upgrade(
        f"sqlite:///{tmp_path / 'workflow.db'}", "zdz_workflow"
    )  # the service refuses an unmigrated store
    process = subprocess.Popen(
        [sys.executable, "-m", "zdz_workflow"], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        wait_until_serving(
            address, process, "workflow", timeout=60, service="zdz.workflow.v1.WorkflowService"
        )
        process.send_signal(signal.SIGTERM)  # what Kubernetes sends
        assert process.wait(timeout=30) == 0
        assert (tmp_path / "workflow.db").exists()  # the default database lives under the data folder
    finally:
        if process.poll() is None:
            process.kill()
