"""10 MB of hostile requests at the workflow service (issue 16, "must show"), every RPC in turn and from every role,
on its own Temporal dev server (test_workflow_hostile's fixture): 0 UNKNOWN and 0 INTERNAL, the chain intact and
the server still serving; and a huge page token refused in ListProcesses."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from sqlmodel import Session

from tests.integration.auth.harness import bearer
from tests.integration.auth.test_edge_validation import HUGE_TOKEN
from tests.integration.auth.test_hostile_volume import TEN_MB, hostile_volume
from tests.integration.workflow.test_workflow_hostile import SERVICE, Running, _call, running
from zdz.workflow.v1 import workflow_pb2, workflow_pb2_grpc

__all__ = ["running"]  # the module's fixture: a dev server, a worker and the servicer behind authentication


async def test_ten_megabytes_of_hostile_requests_answer_no_unknown_and_no_internal(running: Running) -> None:
    async def send(_service: Any, method: Any, request: Any, role: str) -> grpc.StatusCode:
        return await _call(running.channel, method, request, role)

    codes, sent, requests = await hostile_volume([(SERVICE, m) for m in SERVICE.methods], send, seed=16)
    assert sent >= TEN_MB
    assert codes[grpc.StatusCode.UNKNOWN] == 0 and codes[grpc.StatusCode.INTERNAL] == 0, (
        requests,
        dict(codes),
    )
    health = health_pb2_grpc.HealthStub(running.channel)
    assert (await health.Check(health_pb2.HealthCheckRequest(), timeout=5)).status == 1  # SERVING
    with Session(running.harness.app.engine) as session:
        assert running.harness.app.store.verify(session).ok


async def test_a_page_token_of_a_huge_integer_is_invalid_argument_in_list_processes(running: Running) -> None:
    """The workflow's one list method, like every list method of the other services (test_edge_validation)."""
    stub = workflow_pb2_grpc.WorkflowServiceStub(running.channel)
    request = workflow_pb2.ListProcessesRequest(district_code="wanzhou", page_token=HUGE_TOKEN)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.ListProcesses(request, metadata=bearer("municipal"), timeout=5)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (refused.value.details() or "").startswith("page_token")
