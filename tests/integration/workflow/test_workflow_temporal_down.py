"""With the Temporal server down, the workflow's facade answers UNAVAILABLE within about a second, in words for the
caller ("the process service is temporarily unavailable; retry"), never UNKNOWN "tcp connect error" after the SDK's
6–10 s of retries, and never with an internal class name in its message (issue 16)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import grpc
import pytest

from tests.integration.workflow.harness import TOWN, Harness
from tests.integration.workflow.test_workflow_grpc import FakeUnits
from zdz.workflow.v1 import workflow_pb2, workflow_pb2_grpc
from zdz_common.grpc_server import GrpcServer
from zdz_local.temporal_dev import TemporalDevServer
from zdz_workflow.domain.settings import ProcessSettings
from zdz_workflow.entrypoints.grpc_api import WorkflowServicer
from zdz_workflow.temporal import client as temporal
from zdz_workflow.temporal.processes import ProcessService
from zdz_workflow.temporal.rounds import SpotCheckRounds

SERVICE = workflow_pb2.DESCRIPTOR.services_by_name["WorkflowService"]
PROCESS = workflow_pb2.ProcessRef(district_code=TOWN.district_code, unit_id=TOWN.unit_id, campaign="2024")
CALLER = (
    ("x-zdz-organisation", "wanzhou"),
    ("x-zdz-role", "DISTRICT_TASK_FORCE"),
    ("x-zdz-person", "li.qiang"),
)


@pytest.fixture(scope="module")
async def stub_without_temporal(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[workflow_pb2_grpc.WorkflowServiceStub]:
    """The facade on a throw-away Temporal dev server, which is then killed."""
    tmp_path = tmp_path_factory.mktemp("temporal-down")
    server = TemporalDevServer(tmp_path / "temporal.db", headless=True, log_file=tmp_path / "temporal.log")
    server.start()
    client = await temporal.connect(server.address, wait_seconds=30, answering=True)
    harness = Harness.over(client, tmp_path)
    service = ProcessService(
        client,
        units=FakeUnits(TOWN),
        sheets=harness.sheets,
        schedules=harness.app.schedules,
        task_queue=harness.task_queue,
        settings=ProcessSettings(),
    )
    rounds = SpotCheckRounds(client, task_queue=harness.task_queue)
    facade = GrpcServer(
        address="127.0.0.1:0",
        register=[
            lambda s: workflow_pb2_grpc.add_WorkflowServiceServicer_to_server(
                WorkflowServicer(service, rounds=rounds, keys=harness.app.engine), s
            )
        ],
        service_names=[SERVICE.full_name],
    )
    await facade.start()
    server.kill()
    async with grpc.aio.insecure_channel(facade.address) as channel:
        yield workflow_pb2_grpc.WorkflowServiceStub(channel)
    await facade.stop(0)
    harness.app.engine.dispose()


@pytest.mark.parametrize(
    ("method", "request_"),
    [
        ("GetProcess", workflow_pb2.GetProcessRequest(process=PROCESS)),
        ("SubmitPlan", workflow_pb2.SubmitPlanRequest(process=PROCESS, reason="整治方案已批复")),
        ("ListProcesses", workflow_pb2.ListProcessesRequest(district_code="wanzhou")),
    ],
)
async def test_temporal_down_answers_unavailable_quickly_with_a_message_for_people(
    stub_without_temporal: workflow_pb2_grpc.WorkflowServiceStub, method: str, request_: object
) -> None:
    started = time.monotonic()
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await getattr(stub_without_temporal, method)(request_, metadata=CALLER, timeout=15)
    elapsed = time.monotonic() - started
    assert raised.value.code() is grpc.StatusCode.UNAVAILABLE, raised.value.details()
    assert elapsed < 2.5, f"{method} answered after {elapsed:.1f}s"
    details = raised.value.details() or ""
    assert "流程服务暂时不可用" in details and "retry" in details
    for internal in ("class", "Error", "tcp connect", "temporalio", "Traceback"):
        assert internal not in details, details
