"""The workflow service as a process: configured from the environment, healthy, stopping cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import grpc
import pytest

from zdz.workflow.v1 import workflow_pb2, workflow_pb2_grpc
from zdz_common import migrations
from zdz_local.nats_server import NatsServer
from zdz_local.processes import free_port, wait_until_serving
from zdz_local.temporal_dev import TemporalDevServer


def _env(
    tmp_path: Path, nats_server: NatsServer, dev_server: TemporalDevServer, address: str
) -> dict[str, str]:
    return {
        **os.environ,
        "ZDZ_DATA_DIR": str(tmp_path),
        "ZDZ_NATS_URL": nats_server.url,
        "ZDZ_TEMPORAL_ADDRESS": dev_server.address,
        "ZDZ_WORKFLOW_GRPC_ADDRESS": address,
        "ZDZ_REGISTRY_GRPC_ADDRESS": f"127.0.0.1:{free_port()}",  # not called until a process starts
        "ZDZ_AUTH_DISABLED": "1",
    }


def test_workflow_service_serves_health_and_exits_zero_on_sigterm(
    tmp_path: Path, nats_server: NatsServer, dev_server: TemporalDevServer
) -> None:
    address = f"127.0.0.1:{free_port()}"
    env = _env(tmp_path, nats_server, dev_server, address)
    migrations.upgrade(
        f"sqlite:///{tmp_path / 'workflow.db'}", "zdz_workflow"
    )  # it refuses an unmigrated store
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


def test_a_worker_only_process_answers_health_but_serves_no_api(
    tmp_path: Path, nats_server: NatsServer, dev_server: TemporalDevServer
) -> None:
    # deploy/k8s runs the gRPC facade and the Temporal worker as two Deployments (ZDZ_WORKFLOW_RUN).
    address = f"127.0.0.1:{free_port()}"
    env = {**_env(tmp_path, nats_server, dev_server, address), "ZDZ_WORKFLOW_RUN": "worker"}
    migrations.upgrade(f"sqlite:///{tmp_path / 'workflow.db'}", "zdz_workflow")
    process = subprocess.Popen(
        [sys.executable, "-m", "zdz_workflow"], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        wait_until_serving(address, process, "workflow", timeout=60)  # overall health: the probe's target
        with grpc.insecure_channel(address) as channel:
            with pytest.raises(grpc.RpcError) as refused:
                workflow_pb2_grpc.WorkflowServiceStub(channel).GetProcess(
                    workflow_pb2.GetProcessRequest(), timeout=5
                )
        assert refused.value.code() == grpc.StatusCode.UNIMPLEMENTED
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()


def test_an_unknown_part_to_run_is_refused_with_its_name(tmp_path: Path) -> None:
    migrations.upgrade(f"sqlite:///{tmp_path / 'workflow.db'}", "zdz_workflow")
    done = subprocess.run(
        [sys.executable, "-m", "zdz_workflow"],
        env={
            **os.environ,
            "ZDZ_DATA_DIR": str(tmp_path),
            "ZDZ_WORKFLOW_RUN": "facade,scheduler",
            "ZDZ_AUTH_DISABLED": "1",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0 and "ZDZ_WORKFLOW_RUN" in done.stderr
