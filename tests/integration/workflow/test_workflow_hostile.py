"""The workflow service behind authentication, on a Temporal dev server of its own (issue 7): malformed and hostile
requests at every RPC (hypothesis) never give UNKNOWN or INTERNAL, write nothing but the refusals' own audit
records when a call fails, and leave the chain valid and the server up; and every cell of its permission matrix."""

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

from tests.integration.auth.harness import ISSUER, PUBLIC_KEY, bearer
from tests.integration.auth.test_hostile_requests import build, message_strategy
from tests.integration.workflow.harness import PARK, TOWN, YANJIA, Harness
from tests.integration.workflow.test_workflow_grpc import FakeUnits
from zdz.workflow.v1 import workflow_pb2, workflow_pb2_grpc
from zdz_common.auth import Principal, Role, TokenVerifier
from zdz_common.authorisation import Guard
from zdz_common.eventstore import EventRecord
from zdz_common.grpc_auth import AuthInterceptor, RateLimiter
from zdz_common.grpc_server import GrpcServer
from zdz_local.temporal_dev import TemporalDevServer
from zdz_workflow.domain.permissions import WORKFLOW_POLICY
from zdz_workflow.domain.settings import ProcessSettings
from zdz_workflow.entrypoints.grpc_api import WorkflowServicer
from zdz_workflow.temporal import client as temporal
from zdz_workflow.temporal.processes import ProcessService
from zdz_workflow.temporal.rounds import SpotCheckRounds

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
            sheets=harness.sheets,
            schedules=harness.app.schedules,
            task_queue=harness.task_queue,
            settings=ProcessSettings(),
        )
        guard = Guard(WORKFLOW_POLICY, service="workflow", engine=harness.app.engine, store=harness.app.store)
        rounds = SpotCheckRounds(client, task_queue=harness.task_queue)
        grpc_server = GrpcServer(
            address="127.0.0.1:0",
            register=[
                lambda s: workflow_pb2_grpc.add_WorkflowServiceServicer_to_server(
                    WorkflowServicer(service, guard=guard, rounds=rounds, keys=harness.app.engine), s
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


# --- the permission matrix of the workflow service, every cell through its gRPC facade (issue 7) ----------------

WANZHOU_TOWN = TOWN  # the unit "own" means below: 高笋塘街道, district wanzhou
MATRIX_ROLES = {
    "unit": Principal(role=Role.UNIT, person="u.clerk", unit_id=TOWN.unit_id, district_code="wanzhou"),
    "district": Principal(role=Role.DISTRICT_TASK_FORCE, person="d.clerk", district_code="wanzhou"),
    "municipal": Principal(role=Role.MUNICIPAL_TASK_FORCE, person="m.clerk"),
    "integration": Principal(role=Role.INTEGRATION, person="bayu.bot", system="bayu"),
    "public": Principal(role=Role.PUBLIC, person="anyone"),
    "service": Principal(role=Role.SERVICE, person="zdz", system="zdz"),
}
UNIT_REPORTS = (
    {"unit", "service"},
    {"service"},
)  # (allowed on its own unit, allowed on another district's unit)
DISTRICT_ACCEPTS = ({"district", "service"}, {"service"})
CITY_CHECKS = ({"municipal", "service"}, {"municipal", "service"})
READS = ({"unit", "district", "municipal", "integration", "service"}, {"municipal", "integration", "service"})
EXPECTED: dict[str, tuple[set[str], set[str]]] = {
    "StartProcess": ({"district", "municipal", "service"}, {"municipal", "service"}),
    "ImportProcess": ({"municipal", "service"}, {"municipal", "service"}),
    "CompleteSurvey": UNIT_REPORTS,
    "SubmitPlan": UNIT_REPORTS,
    "DeclareRectificationDone": UNIT_REPORTS,
    "SubmitSelfCheck": UNIT_REPORTS,
    "ReportLookBackRectified": UNIT_REPORTS,
    "RecordDistrictVerdict": DISTRICT_ACCEPTS,
    "PublishNotice": DISTRICT_ACCEPTS,
    "RaiseObjection": DISTRICT_ACCEPTS,
    "ResolveObjection": DISTRICT_ACCEPTS,
    "FileResult": DISTRICT_ACCEPTS,  # 备案: the unit's own district
    "AcknowledgeFiling": CITY_CHECKS,
    "SubmitDemonstrationReport": DISTRICT_ACCEPTS,  # 001 四: the park group's own district
    "RecordDemonstrationCheck": CITY_CHECKS,
    "PublishDemonstrationList": CITY_CHECKS,  # a list names no unit: own and other alike
    "CloseSpotCheckRound": CITY_CHECKS,  # a round names no unit: own and other alike
    "GetSpotCheckRound": ({"municipal", "integration", "service"}, {"municipal", "integration", "service"}),
    "RecordSpotCheckVerdict": CITY_CHECKS,
    "RecordReReviewVerdict": CITY_CHECKS,
    "StartLookBack": CITY_CHECKS,
    "RecordLookBackVerdict": CITY_CHECKS,
    "VerifyLookBackRectification": CITY_CHECKS,  # the unit never verifies its own rectification
    "OrderReacceptance": CITY_CHECKS,
    "RefreshCalendars": CITY_CHECKS,
    "StartReacceptance": ({"district", "municipal", "service"}, {"municipal", "service"}),
    "GetProcess": READS,
    "GetProcessHistory": READS,
    "ListProcesses": (
        {"district", "municipal", "integration", "service"},
        {"municipal", "integration", "service"},
    ),
}
CELLS = [
    (rpc, role, whose) for rpc in sorted(EXPECTED) for role in MATRIX_ROLES for whose in ("own", "other")
]


def _matrix_request(method: Any, whose: str) -> Any:
    """The smallest request naming the unit: 万州's town (own) or 长寿's park group (another district)."""
    unit = WANZHOU_TOWN if whose == "own" else YANJIA
    request = getattr(workflow_pb2, method.input_type.name)()
    fields = request.DESCRIPTOR.fields_by_name
    if "process" in fields:
        request.process.CopyFrom(
            workflow_pb2.ProcessRef(district_code=unit.district_code, unit_id=unit.unit_id, campaign="matrix")
        )
    if "unit_id" in fields:
        request.unit_id = unit.unit_id
    if "district_code" in fields:
        request.district_code = unit.district_code
    return request


def test_the_matrix_names_every_workflow_rpc() -> None:
    assert set(EXPECTED) == {m.name for m in SERVICE.methods}


@pytest.mark.parametrize(("rpc", "role", "whose"), CELLS, ids=[f"{r}-{o}-{w}" for r, o, w in CELLS])
async def test_workflow_permission_matrix_cell(running: Running, rpc: str, role: str, whose: str) -> None:
    method = SERVICE.methods_by_name[rpc]
    request = _matrix_request(method, whose)
    token = (("authorization", f"Bearer {ISSUER.issue(MATRIX_ROLES[role])}"),)
    call = running.channel.unary_unary(
        f"/{SERVICE.full_name}/{rpc}",
        request_serializer=type(request).SerializeToString,
        response_deserializer=getattr(workflow_pb2, method.output_type.name).FromString,
    )
    try:
        await call(request, metadata=token, timeout=20)
        code, details = grpc.StatusCode.OK, ""
    except grpc.aio.AioRpcError as error:
        code, details = error.code(), error.details() or ""
    allowed = role in EXPECTED[rpc][0 if whose == "own" else 1]
    if allowed:
        assert code != grpc.StatusCode.PERMISSION_DENIED, details  # may still fail on the rules, not on who
    else:
        assert code == grpc.StatusCode.PERMISSION_DENIED, (code, details)
        assert "issue7." in details or "issue11." in details, details


@pytest.mark.parametrize("role", sorted(MATRIX_ROLES))
async def test_only_the_notify_service_raises_an_objection_from_the_public_board(
    running: Running, role: str
) -> None:
    """issue 11: the 公示栏's objections are the public's, forwarded by notify; no clerk enters one in their name."""
    request = _matrix_request(SERVICE.methods_by_name["RaiseObjection"], "own")
    request.source = workflow_pb2.OBJECTION_SOURCE_PUBLIC_BOARD
    request.objector.CopyFrom(workflow_pb2.Objector(name="刘先生", contact="13800000000"))
    token = (("authorization", f"Bearer {ISSUER.issue(MATRIX_ROLES[role])}"),)
    stub = workflow_pb2_grpc.WorkflowServiceStub(running.channel)
    try:
        await stub.RaiseObjection(request, metadata=token, timeout=20)
        code, details = grpc.StatusCode.OK, ""
    except grpc.aio.AioRpcError as error:
        code, details = error.code(), error.details() or ""
    if role == "service":
        assert code != grpc.StatusCode.PERMISSION_DENIED, details
    else:
        assert code == grpc.StatusCode.PERMISSION_DENIED, (code, details)
        assert "issue7." in details or "issue11." in details, details
