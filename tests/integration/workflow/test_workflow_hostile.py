"""Malformed and hostile requests at every RPC of the workflow service (hypothesis), behind authentication, on
a Temporal dev server of its own: never UNKNOWN or INTERNAL, nothing written but the refusals' own audit records
when a call fails, the chain verifies, and the server stays up (issue 7)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, func, select

from tests.integration.auth.harness import PUBLIC_KEY, bearer
from tests.integration.auth.test_hostile_requests import build, message_strategy
from tests.integration.workflow.harness import PARK, TOWN, YANJIA, Harness
from tests.integration.workflow.test_workflow_grpc import FakeUnits
from zdz.workflow.v1 import workflow_pb2, workflow_pb2_grpc
from zdz_common.auth import TokenVerifier
from zdz_common.authorisation import Guard
from zdz_common.eventstore import EventRecord
from zdz_common.grpc_auth import AuthInterceptor, RateLimiter
from zdz_common.grpc_server import GrpcServer
from zdz_local.temporal_dev import TemporalDevServer
from zdz_workflow.adapters import temporal
from zdz_workflow.domain.permissions import WORKFLOW_POLICY
from zdz_workflow.entrypoints.grpc_api import WorkflowServicer
from zdz_workflow.service_layer.processes import ProcessService
from zdz_workflow.shared import ProcessSettings

SERVICE = workflow_pb2.DESCRIPTOR.services_by_name["WorkflowService"]


class Running:
    def __init__(self, channel: grpc.aio.Channel, harness: Harness) -> None:
        self.channel = channel
        self.harness = harness


@pytest.fixture(scope="module")
async def running(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Running]:
    # A dev server of its own: no other test's processes for RefreshCalendars or ListProcesses to touch.
    folder = tmp_path_factory.mktemp("hostile-workflow")
    server = TemporalDevServer(
        folder / "temporal.db", headless=True, log_file=folder / "temporal.log"
    ).start()
    client = await temporal.connect(server.address, wait_seconds=30)
    harness = Harness.over(client, folder)
    async with harness.worker():
        service = ProcessService(
            client,
            units=FakeUnits(TOWN, PARK, YANJIA),
            schedules=harness.app.schedules,
            task_queue=harness.task_queue,
            settings=ProcessSettings(),
        )
        guard = Guard(WORKFLOW_POLICY, service="workflow", engine=harness.app.engine, store=harness.app.store)
        grpc_server = GrpcServer(
            address="127.0.0.1:0",
            register=[
                lambda s: workflow_pb2_grpc.add_WorkflowServiceServicer_to_server(
                    WorkflowServicer(service, guard=guard), s
                )
            ],
            service_names=[SERVICE.full_name],
            interceptors=[
                AuthInterceptor(TokenVerifier(PUBLIC_KEY), rate_limiter=RateLimiter(10_000, 10_000))
            ],
            max_message_bytes=1024 * 1024,
        )
        await grpc_server.start()
        async with grpc.aio.insecure_channel(grpc_server.address) as channel:
            yield Running(channel, harness)
        await grpc_server.stop(0)
    harness.app.engine.dispose()
    server.stop()


def _events_outside_access(harness: Harness) -> int:
    with Session(harness.app.engine) as session:
        total = session.exec(select(func.count()).select_from(EventRecord)).one()
        access = session.exec(
            select(func.count()).select_from(EventRecord).where(EventRecord.stream_id.startswith("access/"))  # type: ignore[union-attr]
        ).one()
    return int(total - access)


async def _call(channel: grpc.aio.Channel, method: Any, request: Any, role: str) -> grpc.StatusCode:
    response_class = getattr(workflow_pb2, method.output_type.name)
    call = channel.unary_unary(
        f"/{SERVICE.full_name}/{method.name}",
        request_serializer=type(request).SerializeToString,
        response_deserializer=response_class.FromString,
    )
    try:
        await call(request, metadata=bearer(role), timeout=20)
    except grpc.aio.AioRpcError as error:
        return error.code()
    return grpc.StatusCode.OK


@pytest.mark.parametrize("method", list(SERVICE.methods), ids=[m.name for m in SERVICE.methods])
async def test_hostile_requests_never_break_the_workflow_service(running: Running, method: Any) -> None:
    request_class = getattr(workflow_pb2, method.input_type.name)
    loop = asyncio.get_running_loop()

    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(
        values=message_strategy(request_class.DESCRIPTOR),
        role=st.sampled_from(["municipal", "unit", "district", "public"]),
    )
    def hostile(values: dict[str, Any], role: str) -> None:
        request = build(request_class, values)
        before = _events_outside_access(running.harness)
        code = asyncio.run_coroutine_threadsafe(_call(running.channel, method, request, role), loop).result()
        assert code not in (grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL), (method.name, request)
        if code != grpc.StatusCode.OK:
            assert _events_outside_access(running.harness) == before, (
                f"{method.name} wrote but answered {code}"
            )

    await asyncio.to_thread(hostile)
    health = health_pb2_grpc.HealthStub(running.channel)
    assert (await health.Check(health_pb2.HealthCheckRequest(), timeout=5)).status == 1  # SERVING
    with Session(running.harness.app.engine) as session:
        assert running.harness.app.store.verify(session).ok
