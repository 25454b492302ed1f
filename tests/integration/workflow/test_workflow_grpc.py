"""The gRPC facade for other systems (zdz.workflow.v1.WorkflowService) over the real dev server."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from tests.integration.workflow.harness import PARK, TOWN, YANJIA, Harness
from zdz.events.v1 import refs_pb2
from zdz.workflow.v1 import workflow_pb2 as pb
from zdz.workflow.v1 import workflow_pb2_grpc
from zdz_common.errors import NotFound
from zdz_common.grpc_server import GrpcServer
from zdz_workflow.domain.calendar import SHANGHAI
from zdz_workflow.domain.settings import ProcessSettings
from zdz_workflow.domain.units import UnitInfo
from zdz_workflow.entrypoints.grpc_api import WorkflowServicer
from zdz_workflow.temporal.processes import ProcessService

LISTED_SECONDS = 15.0


class FakeUnits:
    """The registry's units, for the facade's lookups."""

    def __init__(self, *units: UnitInfo) -> None:
        self._units = {u.unit_id: u for u in units}

    async def unit(self, unit_id: str) -> UnitInfo:
        if unit_id not in self._units:
            raise NotFound(f"登记册中没有单元 {unit_id!r}", field="unit_id")
        return self._units[unit_id]


@dataclass
class Facade:
    stub: workflow_pb2_grpc.WorkflowServiceStub
    campaign: str  # unique to the test, so the shared dev server's workflows never collide

    def ref(self, unit: UnitInfo, campaign: str | None = None) -> pb.ProcessRef:
        return pb.ProcessRef(
            district_code=unit.district_code, unit_id=unit.unit_id, campaign=campaign or self.campaign
        )


def who(person: str = "li.qiang", request_id: str | None = None) -> list[tuple[str, str]]:
    # gRPC metadata values are ASCII: the registry's ids of organisations and people, not their names.
    return [
        ("x-zdz-organisation", "wanzhou-task-force"),
        ("x-zdz-role", "DISTRICT_TASK_FORCE"),
        ("x-zdz-person", person),
        ("x-request-id", request_id or str(uuid.uuid4())),
    ]


@pytest.fixture
async def facade(on_dev_server: Harness) -> AsyncIterator[Facade]:
    service = ProcessService(
        on_dev_server.client,
        units=FakeUnits(TOWN, PARK, YANJIA),
        schedules=on_dev_server.app.schedules,
        task_queue=on_dev_server.task_queue,
        settings=ProcessSettings(),
    )
    server = GrpcServer(
        address="127.0.0.1:0",
        register=[
            lambda s: workflow_pb2_grpc.add_WorkflowServiceServicer_to_server(WorkflowServicer(service), s)
        ],
        service_names=[pb.DESCRIPTOR.services_by_name["WorkflowService"].full_name],
    )
    await server.start()
    async with grpc.aio.insecure_channel(server.address) as channel:
        yield Facade(workflow_pb2_grpc.WorkflowServiceStub(channel), f"t{uuid.uuid4().hex[:10]}")
    await server.stop(0)


async def test_a_unit_is_started_driven_read_and_listed_through_the_facade(facade: Facade) -> None:
    stub, ref = facade.stub, facade.ref(TOWN)

    # The 巴渝治水 platform opens the town's process; a retry with the same request id answers the same.
    start = pb.StartProcessRequest(unit_id=TOWN.unit_id, campaign=pb.Campaign(name=facade.campaign))
    opened = (await stub.StartProcess(start, metadata=who(request_id="start-1"))).process
    again = (await stub.StartProcess(start, metadata=who(request_id="start-1"))).process
    assert opened.stage == again.stage == pb.STAGE_SURVEY
    assert opened.process_id == f"zdz-process/wanzhou/{TOWN.unit_id}/{facade.campaign}"
    assert (opened.unit.name, opened.ref.campaign) == ("高笋塘街道", facade.campaign)

    # Stage commands, each by whoever the metadata names.
    await stub.CompleteSurvey(
        pb.CompleteSurveyRequest(process=ref, evidence=["ledger:2026"]), metadata=who("zhang.min")
    )
    await stub.SubmitPlan(pb.SubmitPlanRequest(process=ref), metadata=who("zhang.min"))
    await stub.DeclareRectificationDone(
        pb.DeclareRectificationDoneRequest(process=ref), metadata=who("zhang.min")
    )
    await stub.SubmitSelfCheck(
        pb.SubmitSelfCheckRequest(process=ref, score="86.50"), metadata=who("zhang.min")
    )
    verdict = pb.RecordDistrictVerdictRequest(process=ref, score="88", reason="抽样 12 户全部合格")
    process = (await stub.RecordDistrictVerdict(verdict, metadata=who())).process
    assert (process.stage, process.latest_score, process.latest_grade) == (
        pb.STAGE_PUBLIC_NOTICE,
        "88.00",
        pb.GRADE_PASS,
    )
    assert process.notice.status == pb.NOTICE_STATUS_AWAITING_PUBLICATION

    # Published today, with the end computed on the working-day calendar and the calendar named.
    today = datetime.now(SHANGHAI).date().isoformat()
    published = await stub.PublishNotice(
        pb.PublishNoticeRequest(process=ref, published_on=today), metadata=who()
    )
    notice = published.process.notice
    assert notice.status == pb.NOTICE_STATUS_RUNNING and notice.working_days == 5
    assert notice.last_day > today and notice.calendar_version.startswith("chinesecalendar-")

    # State and history read back; the history names who did each step.
    process = (await stub.GetProcess(pb.GetProcessRequest(process=ref))).process
    assert process.stage == pb.STAGE_PUBLIC_NOTICE and process.notice.ends_at.seconds > 0
    entries = (await stub.GetProcessHistory(pb.GetProcessHistoryRequest(process=ref))).entries
    assert [e.event for e in entries][-2:] == ["DistrictAcceptancePassed", "NoticePublished"]
    assert (entries[1].actor.person, entries[1].evidence) == ("zhang.min", ["ledger:2026"])
    assert (entries[-2].reason, entries[-2].to_stage) == ("抽样 12 户全部合格", pb.STAGE_PUBLIC_NOTICE)

    # Listed by district and stage (from the search attributes), and not under another stage.
    listing = pb.ListProcessesRequest(district_code="wanzhou", stage=pb.STAGE_PUBLIC_NOTICE, page_size=1000)
    deadline = asyncio.get_running_loop().time() + LISTED_SECONDS
    while True:
        found = [
            p for p in (await stub.ListProcesses(listing)).processes if p.process_id == process.process_id
        ]
        if found or asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.3)
    assert found and (found[0].unit_kind, found[0].latest_score, found[0].target_year) == (
        refs_pb2.UNIT_KIND_TOWN,
        "88.00",
        2025,
    )
    assert found[0].next_deadline == process.notice.ends_at
    surveying = await stub.ListProcesses(
        pb.ListProcessesRequest(district_code="wanzhou", stage=pb.STAGE_SURVEY)
    )
    assert process.process_id not in [p.process_id for p in surveying.processes]


async def test_refusals_come_back_with_the_clerks_message_and_the_right_status(facade: Facade) -> None:
    stub, ref = facade.stub, facade.ref(PARK)
    start = pb.StartProcessRequest(unit_id=PARK.unit_id, campaign=pb.Campaign(name=facade.campaign))
    await stub.StartProcess(start, metadata=who())

    async def refused(call: object) -> grpc.aio.AioRpcError:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await call  # type: ignore[misc]
        return caught.value

    # The same unit and campaign again, under another request: ALREADY_EXISTS.
    error = await refused(stub.StartProcess(start, metadata=who()))
    assert error.code() is grpc.StatusCode.ALREADY_EXISTS
    assert error.details() == "unit_id: 该单元已有「" + facade.campaign + "」批次的流程，当前阶段为「排查」"
    # A step out of order: FAILED_PRECONDITION naming the rule.
    error = await refused(stub.SubmitPlan(pb.SubmitPlanRequest(process=ref), metadata=who()))
    assert error.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert (
        error.details()
        == "当前阶段为「排查」，不能提交建设方案：提交建设方案须在「方案」阶段进行（000 三（二）；000 三 步骤安排）"
    )
    # A self-check below 80 cannot apply (附件4 三（二）1 for a park group).
    await stub.CompleteSurvey(pb.CompleteSurveyRequest(process=ref), metadata=who())
    await stub.SubmitPlan(pb.SubmitPlanRequest(process=ref), metadata=who())
    await stub.DeclareRectificationDone(pb.DeclareRectificationDoneRequest(process=ref), metadata=who())
    error = await refused(
        stub.SubmitSelfCheck(pb.SubmitSelfCheckRequest(process=ref, score="79.5"), metadata=who())
    )
    assert error.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert error.details() == "score: 自查评估得分 79.50 低于 80 分，不能申请验收（附件4 三（二）1）"
    # Malformed input: INVALID_ARGUMENT with the field.
    error = await refused(
        stub.SubmitSelfCheck(pb.SubmitSelfCheckRequest(process=ref, score="八十"), metadata=who())
    )
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT and error.details().startswith("score: ")
    future = Timestamp()
    future.FromDatetime(datetime(2099, 1, 1, tzinfo=UTC))
    error = await refused(
        stub.SubmitSelfCheck(pb.SubmitSelfCheckRequest(process=ref, score="85", at=future), metadata=who())
    )
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT and error.details().startswith("at: ")
    # Unknown unit, unknown process: NOT_FOUND.
    error = await refused(stub.StartProcess(pb.StartProcessRequest(unit_id="no-such-unit"), metadata=who()))
    assert error.code() is grpc.StatusCode.NOT_FOUND
    error = await refused(stub.GetProcess(pb.GetProcessRequest(process=facade.ref(PARK, "no-such-campaign"))))
    assert error.code() is grpc.StatusCode.NOT_FOUND
    # The refusals left no trace in the history.
    entries = (await stub.GetProcessHistory(pb.GetProcessHistoryRequest(process=ref))).entries
    assert [e.event for e in entries] == [
        "ProcessOpened",
        "SurveyCompleted",
        "PlanSubmitted",
        "RectificationDeclaredDone",
    ]


async def test_a_park_group_accepted_in_2024_is_imported_through_the_facade(facade: Facade) -> None:
    since = Timestamp()
    since.FromDatetime(datetime(2024, 12, 20, 2, tzinfo=UTC))  # 10:00 Asia/Shanghai
    request = pb.ImportProcessRequest(
        unit_id=YANJIA.unit_id,
        campaign=pb.Campaign(name=facade.campaign),
        stage=pb.STAGE_ACCEPTED,
        stage_since=since,
        latest_score="92.00",
        look_back_round=1,
        consecutive_look_back_failures=1,
        reason="2024 年达到建设标准（002）；2025 年第一轮回头看未通过",
    )
    process = (await facade.stub.ImportProcess(request, metadata=who())).process
    assert (process.stage, process.latest_grade) == (pb.STAGE_ACCEPTED, pb.GRADE_EXCELLENT)
    assert process.stage_since == since and process.unit.district_code == "changshou"

    # The municipal task force refreshes the calendars of the district's running processes.
    refreshed = await facade.stub.RefreshCalendars(
        pb.RefreshCalendarsRequest(district_code="changshou", reason="载入新的节假日安排"), metadata=who()
    )
    assert refreshed.processes >= 1 and refreshed.calendar_version.startswith("chinesecalendar-")

    # A second failed look-back orders re-acceptance; the district restarts under a new campaign, which a new
    # process continues. The closed one says so, and refuses further commands.
    ref = facade.ref(YANJIA)
    await facade.stub.StartLookBack(pb.StartLookBackRequest(process=ref), metadata=who())
    finding = pb.Finding(description="雨水排口晴天有水")
    verdict = pb.RecordLookBackVerdictRequest(
        process=ref, passed=False, findings=[finding], rectify_by="2099-06-30"
    )
    process = (await facade.stub.RecordLookBackVerdict(verdict, metadata=who())).process
    assert process.stage == pb.STAGE_REACCEPTANCE
    restart = pb.StartReacceptanceRequest(process=ref, campaign=facade.campaign + "R")
    closed = (await facade.stub.StartReacceptance(restart, metadata=who())).process
    assert closed.continued_by == facade.ref(YANJIA, facade.campaign + "R")
    successor = (await facade.stub.GetProcess(pb.GetProcessRequest(process=closed.continued_by))).process
    assert successor.stage == pb.STAGE_RECTIFICATION and successor.campaign.name == facade.campaign + "R"
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await facade.stub.StartLookBack(pb.StartLookBackRequest(process=ref), metadata=who())
    assert caught.value.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert caught.value.details() == f"process: 该流程已结束，已由流程 {successor.process_id} 继续"
