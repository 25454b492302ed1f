"""The gRPC facade for other systems (zdz.workflow.v1.WorkflowService) over the real dev server."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from tests.integration.workflow.harness import CITY, PARK, TOWN, YANJIA, FakeSheets, Harness, signed
from zdz.events.v1 import refs_pb2
from zdz.workflow.v1 import events_pb2, workflow_pb2_grpc
from zdz.workflow.v1 import workflow_pb2 as pb
from zdz_common.errors import NotFound
from zdz_common.grpc_server import GrpcServer
from zdz_workflow.adapters.announcements import StoreAnnouncer
from zdz_workflow.domain.calendar import SHANGHAI
from zdz_workflow.domain.settings import ProcessSettings
from zdz_workflow.domain.sheets import SheetKind
from zdz_workflow.domain.spot_check_rounds import SpotCheckDraw
from zdz_workflow.domain.units import UnitInfo
from zdz_workflow.entrypoints.grpc_api import WorkflowServicer
from zdz_workflow.temporal.processes import ProcessService
from zdz_workflow.temporal.rounds import SpotCheckRounds

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
    sheets: FakeSheets
    harness: Harness  # the service's event store, for what belongs to no one process

    def sheet(self, unit: UnitInfo, kind: SheetKind, total: str, **fields: object) -> str:
        """A sheet of `unit` signed today (the dev server's clock is the real one)."""
        today = datetime.now(SHANGHAI).date().isoformat()
        return self.sheets.add(signed(unit, kind, total, today, **fields))

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
        sheets=on_dev_server.sheets,
        schedules=on_dev_server.app.schedules,
        task_queue=on_dev_server.task_queue,
        settings=ProcessSettings(),
        announcer=StoreAnnouncer(on_dev_server.app.engine, on_dev_server.app.store),
    )
    server = GrpcServer(
        address="127.0.0.1:0",
        register=[
            lambda s: workflow_pb2_grpc.add_WorkflowServiceServicer_to_server(
                WorkflowServicer(
                    service,
                    rounds=SpotCheckRounds(on_dev_server.client, task_queue=on_dev_server.task_queue),
                    keys=on_dev_server.app.engine,
                ),
                s,
            )
        ],
        service_names=[pb.DESCRIPTOR.services_by_name["WorkflowService"].full_name],
    )
    await server.start()
    async with grpc.aio.insecure_channel(server.address) as channel:
        yield Facade(
            workflow_pb2_grpc.WorkflowServiceStub(channel),
            f"t{uuid.uuid4().hex[:10]}",
            on_dev_server.sheets,
            on_dev_server,
        )
    await server.stop(0)


async def test_a_unit_is_started_driven_read_and_listed_through_the_facade(facade: Facade) -> None:
    stub, ref = facade.stub, facade.ref(TOWN)

    # The 巴渝治水 platform opens the town's process; a retry with the same request id answers the same.
    start = pb.StartProcessRequest(unit_id=TOWN.unit_id, campaign=pb.Campaign(name=facade.campaign))
    opened = (await stub.StartProcess(start, metadata=who(request_id="start-1"))).process
    again = (await stub.StartProcess(start, metadata=who(request_id="start-1"))).process
    assert opened.stage == again.stage == pb.STAGE_SURVEY
    # A new process's id carries the town's official code (issue 13).
    assert opened.process_id == f"zdz-process/wanzhou/500101001/{TOWN.unit_id}/{facade.campaign}"
    assert (opened.ref.unit_id, opened.ref.district_code) == (TOWN.unit_id, "wanzhou")
    assert (opened.unit.name, opened.ref.campaign) == ("高笋塘街道", facade.campaign)

    # Stage commands, each by whoever the metadata names.
    await stub.CompleteSurvey(
        pb.CompleteSurveyRequest(process=ref, evidence=["ledger:2026"]), metadata=who("zhang.min")
    )
    await stub.SubmitPlan(pb.SubmitPlanRequest(process=ref), metadata=who("zhang.min"))
    await stub.DeclareRectificationDone(
        pb.DeclareRectificationDoneRequest(process=ref), metadata=who("zhang.min")
    )
    self_check = facade.sheet(TOWN, SheetKind.SELF_CHECK, "86.50")
    await stub.SubmitSelfCheck(
        pb.SubmitSelfCheckRequest(process=ref, sheet_id=self_check), metadata=who("zhang.min")
    )
    # The district draws the sampling plan in the stage, then signs the acceptance sheet that refers to it.
    acceptance = facade.sheet(
        TOWN, SheetKind.DISTRICT_ACCEPTANCE, "88.00", sampling_plan_drawn_at=datetime.now(UTC)
    )
    verdict = pb.RecordDistrictVerdictRequest(process=ref, sheet_id=acceptance, reason="抽样 12 户全部合格")
    process = (await stub.RecordDistrictVerdict(verdict, metadata=who())).process
    assert (process.stage, process.latest_score, process.latest_grade) == (
        pb.STAGE_PUBLIC_NOTICE,
        "88.00",
        pb.GRADE_PASS,
    )
    assert (process.latest_sheet.sheet_id, process.latest_sheet.sheet_kind) == (
        acceptance,
        "DISTRICT_ACCEPTANCE",
    )
    assert [s.sheet_id for s in process.sheets] == [self_check, acceptance]
    assert process.notice.status == pb.NOTICE_STATUS_AWAITING_PUBLICATION

    # Published today on the district's portal (附件3 三（二）3: a notice names where it appears), with the end
    # computed on the working-day calendar and the calendar named.
    today = datetime.now(SHANGHAI).date().isoformat()
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.PublishNotice(pb.PublishNoticeRequest(process=ref, published_on=today), metadata=who())
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "channel" in (
        refused.value.details() or ""
    )
    portal = pb.NoticeChannel(
        kind=pb.NOTICE_CHANNEL_KIND_GOVERNMENT_PORTAL,
        name="万州区人民政府网",
        url="https://www.wz.gov.cn/gs/1",
    )
    published = await stub.PublishNotice(
        pb.PublishNoticeRequest(process=ref, published_on=today, channel=portal), metadata=who()
    )
    notice = published.process.notice
    assert notice.status == pb.NOTICE_STATUS_RUNNING and notice.working_days == 5
    assert notice.last_day > today and notice.calendar_version.startswith("chinesecalendar-")
    assert notice.channel == portal and published.process.standing == pb.STANDING_IN_NOTICE

    # A resident's objection from the 公示栏 suspends it; the district dismisses it with its answer; the notice
    # keeps both. Filing (备案) waits for the notice to run its course.
    objection = pb.RaiseObjectionRequest(
        process=ref,
        objection_id="board-1",
        source=pb.OBJECTION_SOURCE_PUBLIC_BOARD,
        objector=pb.Objector(name="刘先生", contact="13800000000"),
        reason="某小区雨水管晴天有污水",
    )
    notice = (await stub.RaiseObjection(objection, metadata=who("zdz-notify"))).process.notice
    assert (
        notice.status == pb.NOTICE_STATUS_SUSPENDED and notice.objections[0].objector.contact == "13800000000"
    )
    dismissal = pb.ResolveObjectionRequest(
        process=ref, objection_id="board-1", upheld=False, reason="经核查为雨水排口"
    )
    notice = (await stub.ResolveObjection(dismissal, metadata=who())).process.notice
    assert notice.status == pb.NOTICE_STATUS_RUNNING
    assert (notice.objections[0].HasField("upheld"), notice.objections[0].upheld) == (True, False)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.FileResult(
            pb.FileResultRequest(process=ref, filing_number="万州零直排〔2026〕1号"), metadata=who()
        )
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert (refused.value.details() or "").endswith(
        "公示尚未期满：公示期满后才能报市级工作专班备案（附件3 三（二）3）"
    )

    # A town has no demonstration track: a list naming it is refused whole, naming it and the rule.
    listing = pb.PublishDemonstrationListRequest(
        title="示范园区清单", commendation="通报表扬", processes=[ref]
    )
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.PublishDemonstrationList(listing, metadata=who())
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert TOWN.unit_id in (refused.value.details() or "") and "清单未发布" in (refused.value.details() or "")

    # State and history read back; the history names who did each step.
    process = (await stub.GetProcess(pb.GetProcessRequest(process=ref))).process
    assert process.stage == pb.STAGE_PUBLIC_NOTICE and process.notice.ends_at.seconds > 0
    entries = (await stub.GetProcessHistory(pb.GetProcessHistoryRequest(process=ref))).entries
    assert [e.event for e in entries][-4:] == [
        "DistrictAcceptancePassed",
        "NoticePublished",
        "ObjectionRaised",
        "ObjectionDismissed",
    ]
    assert (entries[1].actor.person, entries[1].evidence) == ("zhang.min", ["ledger:2026"])
    assert (entries[-4].reason, entries[-4].to_stage) == ("抽样 12 户全部合格", pb.STAGE_PUBLIC_NOTICE)

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
    # A page token that is not one the service gave is refused at once, not passed to Temporal (issue 16).
    started = time.monotonic()
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.ListProcesses(pb.ListProcessesRequest(district_code="wanzhou", page_token="Z2FyYmFnZQ=="))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT and time.monotonic() - started < 2


async def test_a_park_at_92_is_checked_and_listed_and_the_list_is_published_once(facade: Facade) -> None:
    """001 四: the district's acceptance sheet of 92.00 opens the track; report, experts' check, then the list."""
    stub, ref = facade.stub, facade.ref(PARK)
    await stub.StartProcess(
        pb.StartProcessRequest(unit_id=PARK.unit_id, campaign=pb.Campaign(name=facade.campaign))
    )
    await stub.CompleteSurvey(pb.CompleteSurveyRequest(process=ref), metadata=who())
    await stub.SubmitPlan(pb.SubmitPlanRequest(process=ref), metadata=who())
    await stub.DeclareRectificationDone(pb.DeclareRectificationDoneRequest(process=ref), metadata=who())
    self_check = facade.sheet(PARK, SheetKind.SELF_CHECK, "90.00")
    await stub.SubmitSelfCheck(pb.SubmitSelfCheckRequest(process=ref, sheet_id=self_check), metadata=who())
    acceptance = facade.sheet(
        PARK, SheetKind.DISTRICT_ACCEPTANCE, "92.00", sampling_plan_drawn_at=datetime.now(UTC)
    )
    process = (
        await stub.RecordDistrictVerdict(
            pb.RecordDistrictVerdictRequest(process=ref, sheet_id=acceptance), metadata=who()
        )
    ).process
    assert (process.demonstration.status, process.demonstration.sheet_id) == (
        pb.DEMONSTRATION_STATUS_ELIGIBLE,
        acceptance,
    )

    # Without its 突出成效 the report is refused, naming the field.
    report = pb.SubmitDemonstrationReportRequest(
        process=ref, typical_practices="企业排水户分类管理", highlights="管网 CCTV 检测全覆盖", outcomes=""
    )
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.SubmitDemonstrationReport(report, metadata=who())
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "outcomes" in (
        refused.value.details() or ""
    )
    report.outcomes = "污水收集率提升至 96%"
    await stub.SubmitDemonstrationReport(report, metadata=who())
    check = pb.RecordDemonstrationCheckRequest(
        process=ref, passed=True, experts=["赵建国"], reason="现场核实属实"
    )
    await stub.RecordDemonstrationCheck(check, metadata=who())

    # Every process is checked before any is listed: with one the service has never heard of, nothing is listed.
    unknown = facade.ref(YANJIA)
    listing = pb.PublishDemonstrationListRequest(
        title="重庆市工业园区污水零直排示范园区名单", commendation="予以通报表扬", processes=[ref, unknown]
    )
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.PublishDemonstrationList(listing, metadata=who())
    details = refused.value.details() or ""
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert details.startswith("processes: 以下 1 个流程不能列入示范园区清单（001 四（一）5），清单未发布：")
    assert YANJIA.unit_id in details and PARK.unit_id not in details
    assert (await stub.GetProcess(pb.GetProcessRequest(process=ref))).process.demonstration.status == (
        pb.DEMONSTRATION_STATUS_CHECK_PASSED
    )
    del listing.processes[1:]
    request_id = f"list-{facade.campaign}"
    listed = await stub.PublishDemonstrationList(listing, metadata=who(request_id=request_id))
    [process] = listed.processes
    assert process.demonstration.status == pb.DEMONSTRATION_STATUS_LISTED
    assert process.demonstration.commendation == "重庆市工业园区污水零直排示范园区名单：予以通报表扬"
    [published] = facade.harness.stream(f"demonstration-lists/{request_id}")
    assert published.type == "zdz.workflow.demonstration.list_published"
    message = events_pb2.DemonstrationListPublished.FromString(published.data)
    assert ([u.id for u in message.units], message.title) == ([PARK.unit_id], listing.title)


async def test_refusals_come_back_with_the_clerks_message_and_the_right_status(facade: Facade) -> None:
    stub, ref = facade.stub, facade.ref(PARK)
    start = pb.StartProcessRequest(unit_id=PARK.unit_id, campaign=pb.Campaign(name=facade.campaign))

    async def refused(call: object) -> grpc.aio.AioRpcError:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await call  # type: ignore[misc]
        return caught.value

    # A start dated tomorrow has not happened yet: INVALID_ARGUMENT, and no process is opened.
    tomorrow = pb.StartProcessRequest()
    tomorrow.CopyFrom(start)
    tomorrow.at.FromDatetime(datetime.now(UTC) + timedelta(days=1))
    error = await refused(stub.StartProcess(tomorrow, metadata=who()))
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT and "不能登记尚未发生的事" in (
        error.details() or ""
    )
    await stub.StartProcess(start, metadata=who())

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
    # A self-check sheet signed by the district is not the park's own (附件4 三（二）1).
    await stub.CompleteSurvey(pb.CompleteSurveyRequest(process=ref), metadata=who())
    await stub.SubmitPlan(pb.SubmitPlanRequest(process=ref), metadata=who())
    await stub.DeclareRectificationDone(pb.DeclareRectificationDoneRequest(process=ref), metadata=who())
    by_district = facade.sheet(PARK, SheetKind.SELF_CHECK, "85.00", signer_role="DISTRICT_TASK_FORCE")
    error = await refused(
        stub.SubmitSelfCheck(pb.SubmitSelfCheckRequest(process=ref, sheet_id=by_district), metadata=who())
    )
    assert error.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert error.details().startswith("sheet_id: 自查评估评分表须由建设单元（镇街或园区管理机构）签署")
    assert error.details().endswith("（附件4 三（二）1；DESIGN 裁定「结论即签署的评分表」）")
    # A sheet the scoring service does not know: NOT_FOUND.
    error = await refused(
        stub.SubmitSelfCheck(pb.SubmitSelfCheckRequest(process=ref, sheet_id="no-such-sheet"), metadata=who())
    )
    assert error.code() is grpc.StatusCode.NOT_FOUND
    assert error.details() == "sheet_id: 评分服务中没有评分表「no-such-sheet」"
    # Malformed input: INVALID_ARGUMENT with the field.
    error = await refused(stub.SubmitSelfCheck(pb.SubmitSelfCheckRequest(process=ref), metadata=who()))
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert error.details() == "sheet_id: 须填写评分表编号 sheet_id"
    future = Timestamp()
    future.FromDatetime(datetime(2099, 1, 1, tzinfo=UTC))
    error = await refused(
        stub.SubmitSelfCheck(
            pb.SubmitSelfCheckRequest(
                process=ref, sheet_id=facade.sheet(PARK, SheetKind.SELF_CHECK, "85.00"), at=future
            ),
            metadata=who(),
        )
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
        sheet_ids=[
            facade.sheets.add(
                signed(YANJIA, SheetKind.DISTRICT_ACCEPTANCE, "92.00", "2024-11-20", imported=True)
            )
        ],
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

    # Two look-back rounds find problems (问题频发): the process flags it and the city orders re-acceptance; the
    # district restarts under a new campaign, which a new process continues. The closed one says so, and refuses
    # further commands.
    ref = facade.ref(YANJIA)
    finding = pb.Finding(description="雨水排口晴天有水")
    for _ in range(2):
        await facade.stub.StartLookBack(pb.StartLookBackRequest(process=ref), metadata=who())
        verdict = pb.RecordLookBackVerdictRequest(
            process=ref,
            sheet_id=facade.sheet(YANJIA, SheetKind.LOOK_BACK, "76.00"),
            findings=[finding],
            rectify_by="2099-06-30",
        )
        process = (await facade.stub.RecordLookBackVerdict(verdict, metadata=who())).process
    assert process.stage == pb.STAGE_ACCEPTED and len(process.look_back_problems) == 2
    [flag] = process.flags
    assert (flag.rule, flag.rule_id) == (pb.FLAG_RULE_RECURRING_PROBLEMS, "look-back-2024.recurring-problems")
    order = pb.OrderReacceptanceRequest(process=ref, rule=pb.FLAG_RULE_RECURRING_PROBLEMS)
    with pytest.raises(grpc.aio.AioRpcError) as without_reason:
        await facade.stub.OrderReacceptance(order, metadata=who())
    assert without_reason.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert (without_reason.value.details() or "").startswith("reason: ")
    order.reason = "市级工作专班决定：问题频发，重新实施建设验收"
    process = (await facade.stub.OrderReacceptance(order, metadata=who())).process
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


async def test_a_spot_check_round_is_read_and_closed_through_the_facade(facade: Facade) -> None:
    since = Timestamp()
    since.FromDatetime(datetime.now(UTC) - timedelta(days=10))
    request = pb.ImportProcessRequest(
        unit_id=TOWN.unit_id,
        campaign=pb.Campaign(name=facade.campaign),
        stage=pb.STAGE_FILED,
        stage_since=since,
        sheet_ids=[facade.sheet(TOWN, SheetKind.DISTRICT_ACCEPTANCE, "88.00", imported=True)],
        filing_number="万州零直排备〔2025〕9号",
    )
    town = (await facade.stub.ImportProcess(request, metadata=who())).process
    await facade.harness.published(town.process_id, 1)
    draw_id = f"draw-{facade.campaign}"
    draw = SpotCheckDraw(
        draw_id=draw_id,
        round="2025-1",
        seed="7",
        drawn_by=CITY,
        drawn_at=datetime.now(UTC),
        candidates=(TOWN, PARK),
        drawn=(PARK,),  # 九龙园 has no process in this test: the round says so
    )
    rounds = SpotCheckRounds(facade.harness.client, task_queue=facade.harness.task_queue)
    assert await rounds.start(draw)
    for _ in range(100):
        got = (await facade.stub.GetSpotCheckRound(pb.GetSpotCheckRoundRequest(draw_id=draw_id))).round
        if got.refused:
            break
        await asyncio.sleep(0.05)
    assert list(got.refused) == [f"{PARK.name}（{PARK.unit_id}）：没有该单元的流程"]
    assert list(got.waiting) == [town.ref] and not got.HasField("closed_at")

    closed = (
        await facade.stub.CloseSpotCheckRound(
            pb.CloseSpotCheckRoundRequest(draw_id=draw_id, reason="本轮抽查结束"), metadata=who()
        )
    ).round
    assert list(closed.released) == [town.ref] and closed.HasField("closed_at")
    process = (await facade.stub.GetProcess(pb.GetProcessRequest(process=town.ref))).process
    assert process.stage == pb.STAGE_ACCEPTED
    with pytest.raises(grpc.aio.AioRpcError) as again:
        await facade.stub.CloseSpotCheckRound(pb.CloseSpotCheckRoundRequest(draw_id=draw_id), metadata=who())
    assert again.value.code() is grpc.StatusCode.FAILED_PRECONDITION
    with pytest.raises(grpc.aio.AioRpcError) as unknown:
        await facade.stub.GetSpotCheckRound(pb.GetSpotCheckRoundRequest(draw_id="no-such-draw"))
    assert unknown.value.code() is grpc.StatusCode.NOT_FOUND
