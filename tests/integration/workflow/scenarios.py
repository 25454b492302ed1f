"""Every path of a unit's process, driven through the real workflow on a time-skipping server.

Each scenario narrates its story with assertions and returns the workflow handles it ran, so the same code is the
time-skipping test of the path and the recorder of its history for the replay test (record_histories.py).
Dates are 2024–2025, on the process's shifted clock; working days follow the State Council schedule as the
installed chinesecalendar has it (figures computed by hand in the comments).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from temporalio.client import WorkflowHandle

from tests.integration.workflow.harness import (
    CITY,
    DISTRICT,
    PARK,
    PARK_OFFICE,
    TOWN,
    TOWN_OFFICE,
    YANJIA,
    Driver,
    Harness,
    at,
    signed,
)
from zdz_common.context import SYSTEM, Actor
from zdz_common.vocabulary import Grade, Stage
from zdz_workflow.domain.commands import (
    AcknowledgeFiling,
    ApplySheetCorrection,
    CloseSpotCheckWindow,
    CompleteSurvey,
    DeclareRectificationDone,
    DrawForSpotCheck,
    FileResult,
    ImportProcess,
    ListAsDemonstration,
    OpenProcess,
    OrderReacceptance,
    PublishNotice,
    RaiseObjection,
    RecordDemonstrationCheck,
    RecordDistrictVerdict,
    RecordLookBackVerdict,
    RecordReReviewVerdict,
    RecordSpotCheckVerdict,
    RefreshCalendar,
    ReportLookBackRectified,
    ResolveObjection,
    StartLookBack,
    StartReacceptance,
    SubmitDemonstrationReport,
    SubmitPlan,
    SubmitSelfCheck,
    VerifyLookBackRectification,
)
from zdz_workflow.domain.demonstration import DemonstrationStatus, demonstration_of
from zdz_workflow.domain.settings import ProcessSettings
from zdz_workflow.domain.sheets import SheetKind
from zdz_workflow.domain.spot_check_rounds import SpotCheckDraw
from zdz_workflow.domain.stages import DeadlineKind
from zdz_workflow.domain.units import UnitInfo
from zdz_workflow.domain.values import (
    FIRST_CAMPAIGN,
    Campaign,
    Finding,
    FindingVerification,
    FlagRule,
    LedgerPoint,
    NoticeChannel,
    NoticeChannelKind,
    NoticeStatus,
    ObjectionSource,
    Objector,
)
from zdz_workflow.service_layer.effects import NO_LEDGER_POINT
from zdz_workflow.temporal.payloads import ProcessView
from zdz_workflow.temporal.round_workflow import SpotCheckRoundWorkflow, round_id
from zdz_workflow.temporal.rounds import SpotCheckRounds
from zdz_workflow.temporal.workflows import ProcessWorkflow as W

Handles = list[WorkflowHandle[Any, Any]]

MIXED_CONNECTION = Finding(
    "解放路 WS-017 段雨污混接",
    item="附件3 附表 第6项",
    evidence=("photo:ws-017-0920",),
    point=LedgerPoint("PIPE_SEGMENT", "WS-017", "MIXED_CONNECTION", "解放路 38 号至 52 号"),
)
NO_POINT = Finding("部分小区排查信息不全", item="附件3 附表 第2项")


# 附件3/附件4 三（二）3: the notice appears in local media or on the government portal.
PORTAL = NoticeChannel(
    NoticeChannelKind.GOVERNMENT_PORTAL, "万州区人民政府网", "https://www.wz.gov.cn/zwgk/gs/2024-017"
)
NOTIFY = Actor(organisation="zdz", role="SERVICE", person="zdz-notify")  # forwards the 公示栏's objections
FILING_NUMBER = "万州零直排〔2024〕17号"


async def file_after_notice(d: Driver, on: datetime) -> ProcessView:
    """The notice's timer has fired (ELAPSED, awaiting 备案); the district files the result on `on`."""
    await d.wait_until(on)
    await d.settled(lambda v: v.state is not None and v.state.notice_status is NoticeStatus.ELAPSED)
    view = await d.do(W.file_result, FileResult, DISTRICT, on, filing_number=FILING_NUMBER)
    assert view.state and view.state.stage is Stage.FILED
    return view


def stage_is(stage: Stage) -> Callable[[ProcessView], bool]:
    return lambda view: view.state is not None and view.state.stage is stage


async def open_town(h: Harness, unit: UnitInfo = TOWN, **settings: Any) -> Driver:
    """The district opens the unit's process on 2024-07-01 09:00 for the 2024 campaign (000 三（一）（二）)."""
    command = OpenProcess(
        actor=DISTRICT,
        request_id=f"open-{unit.unit_id}",
        at=at("2024-07-01", 9),
        unit_id=unit.unit_id,
        unit_kind=unit.kind,
        campaign=FIRST_CAMPAIGN,
    )
    return await h.start(
        unit, clock_starts=at("2024-07-01", 9), open=command, settings=ProcessSettings(**settings)
    )


async def to_rectification(d: Driver, office: Actor) -> None:
    await d.do(W.complete_survey, CompleteSurvey, office, at("2024-07-26"), evidence=("ledger:2024",))
    await d.do(W.submit_plan, SubmitPlan, office, at("2024-08-09"), evidence=("plan:一镇一策",))


async def to_district_acceptance(d: Driver, office: Actor) -> None:
    await to_rectification(d, office)
    await d.do(W.declare_rectification_done, DeclareRectificationDone, office, at("2024-09-02"))
    await d.do(
        W.submit_self_check,
        SubmitSelfCheck,
        office,
        at("2024-09-06"),
        sheet_id=d.sheet(SheetKind.SELF_CHECK, "86.50", "2024-09-06"),
    )


async def to_notice(d: Driver, office: Actor, published: str = "2024-09-27") -> ProcessView:
    """Self-check 86.50, district 88.00 on 09-20, notice published on `published` at 16:00."""
    await to_district_acceptance(d, office)
    await d.do(
        W.record_district_verdict,
        RecordDistrictVerdict,
        DISTRICT,
        at("2024-09-20"),
        sheet_id=d.sheet(SheetKind.DISTRICT_ACCEPTANCE, "88.00", "2024-09-20"),
    )
    return await d.do(
        W.publish_notice,
        PublishNotice,
        DISTRICT,
        at(published, 16),
        published_on=date.fromisoformat(published),
        channel=PORTAL,
        evidence=("url:wanzhou.gov.cn/gs/2024-017",),
    )


async def town_accepted_over_national_day(h: Harness) -> Handles:
    d = await open_town(h)
    view = await d.view()
    assert view.state and view.state.stage is Stage.SURVEY
    assert [dl.kind for dl in view.state.deadlines] == [DeadlineKind.SURVEY, DeadlineKind.PLAN]

    # Survey, plan, rectification; a self-check sheet of 79.00 cannot apply (附件3 三（二）1): the attempt is
    # recorded with its sheet and the town rectifies again.
    await to_rectification(d, TOWN_OFFICE)
    await d.do(W.declare_rectification_done, DeclareRectificationDone, TOWN_OFFICE, at("2024-09-02"))
    attempt = d.sheet(SheetKind.SELF_CHECK, "79.00", "2024-09-05")
    view = await d.do(W.submit_self_check, SubmitSelfCheck, TOWN_OFFICE, at("2024-09-05"), sheet_id=attempt)
    assert view.state and view.state.stage is Stage.RECTIFICATION
    assert (view.state.history[-1].event, view.state.latest_sheet_id) == ("SelfCheckFailed", attempt)
    await d.do(W.declare_rectification_done, DeclareRectificationDone, TOWN_OFFICE, at("2024-09-05", 15))
    await d.do(
        W.submit_self_check,
        SubmitSelfCheck,
        TOWN_OFFICE,
        at("2024-09-06"),
        sheet_id=d.sheet(SheetKind.SELF_CHECK, "86.50", "2024-09-06"),
    )
    await d.do(
        W.record_district_verdict,
        RecordDistrictVerdict,
        DISTRICT,
        at("2024-09-20"),
        sheet_id=d.sheet(SheetKind.DISTRICT_ACCEPTANCE, "88.00", "2024-09-20"),
    )

    # Published Friday 2024-09-27; the day itself does not count. Sunday 09-29 is an adjusted working day (1),
    # Monday 09-30 (2), National Day 10-01..10-07 is off, 10-08 (3), 10-09 (4), 10-10 (5): ends 10-10 24:00.
    view = await d.do(
        W.publish_notice,
        PublishNotice,
        DISTRICT,
        at("2024-09-27", 16),
        published_on=date(2024, 9, 27),
        channel=PORTAL,
    )
    notice = view.state.notice if view.state else None
    assert notice is not None and notice.ends is not None
    assert (notice.ends.last_day, notice.ends.ends_at) == (date(2024, 10, 10), at("2024-10-11", 0))
    assert not notice.ends.provisional and notice.ends.calendar_version.startswith("chinesecalendar-")

    # The timer runs through the holiday: at 23:00 on its last day the notice is still running …
    await d.wait_until(at("2024-10-10", 23))
    assert (await d.view()).state.notice_status is NoticeStatus.RUNNING  # type: ignore[union-attr]
    # … and at its end it elapses, recorded at the moment the notice ended; the district is to file (备案) by
    # 10 working days after its last day: 10-11, 10-12 (调休上班), 10-14 … 10-23.
    await d.wait_until(at("2024-10-11", 0, 1))
    view = await d.settled(lambda v: v.state is not None and v.state.notice_status is NoticeStatus.ELAPSED)
    elapsed = view.state.history[-1]  # type: ignore[union-attr]
    assert (elapsed.event, elapsed.at, elapsed.actor) == ("NoticeElapsed", at("2024-10-11", 0), SYSTEM)
    assert view.state.deadline(DeadlineKind.FILING).due_on == date(2024, 10, 23)  # type: ignore[union-attr]
    await file_after_notice(d, at("2024-10-11"))

    # Not drawn by the municipal spot-check: accepted.
    view = await d.do(
        W.close_spot_check_window, CloseSpotCheckWindow, CITY, at("2024-12-20"), reason="未被抽中"
    )
    assert view.state and view.state.stage is Stage.ACCEPTED and view.state.latest_grade is Grade.PASS
    return [d.handle]


async def park_drawn_for_spot_check_and_excellent(h: Harness) -> Handles:
    d = await open_town(h, PARK)
    # Notice published Thursday 2024-10-31: 11-01 (1), 11-04..11-07 (2–5): ends 11-07 24:00.
    await to_notice(d, PARK_OFFICE, published="2024-10-31")
    await file_after_notice(d, at("2024-11-08"))

    # 附件4 三（二）4: at least one park per district is drawn; this one is, and scores 91.00 (优秀) with a
    # finding on an outfall of its ledger, filed as a problem point without a deadline.
    draw = ("draw:2024-wanzhou", "seed:7f3a")
    view = await d.do(W.draw_for_spot_check, DrawForSpotCheck, CITY, at("2024-11-15"), evidence=draw)
    assert view.state and view.state.stage is Stage.SPOT_CHECK
    dry_weather = Finding(
        "一处雨水排口晴天有水",
        item="附件4 附表",
        point=LedgerPoint("OUTFALL", "PK-03", "DRY_WEATHER_DISCHARGE", "九龙园东区雨水排口"),
    )
    view = await d.do(
        W.record_spot_check_verdict,
        RecordSpotCheckVerdict,
        CITY,
        at("2024-11-28"),
        sheet_id=d.sheet(SheetKind.SPOT_CHECK, "91.00", "2024-11-28"),
        findings=(dry_weather,),
    )
    assert view.state and view.state.stage is Stage.ACCEPTED and view.state.latest_grade is Grade.EXCELLENT
    view = await d.settled(lambda v: len(v.filings) == 1)
    assert view.filings[0].problem_id and not view.filings[0].refused
    return [d.handle]


async def district_fails_then_passes(h: Harness) -> Handles:
    d = await open_town(h)
    await to_district_acceptance(d, TOWN_OFFICE)

    # A failing verdict needs findings (附件3 三（二）2) …
    refusal = await d.refused(
        W.record_district_verdict,
        RecordDistrictVerdict,
        DISTRICT,
        at("2024-09-20"),
        sheet_id=d.sheet(SheetKind.DISTRICT_ACCEPTANCE, "72.50", "2024-09-20"),
    )
    assert refusal.kind == "InvalidCommand" and refusal.error.field == "findings"
    # … and with them the town goes back to rectification, due 2024-11-29, its findings sent to the registry.
    view = await d.do(
        W.record_district_verdict,
        RecordDistrictVerdict,
        DISTRICT,
        at("2024-09-20"),
        sheet_id=d.sheet(SheetKind.DISTRICT_ACCEPTANCE, "72.50", "2024-09-20"),
        findings=(MIXED_CONNECTION, NO_POINT),
        rectify_by=date(2024, 11, 29),
    )
    assert view.state and view.state.stage is Stage.RECTIFICATION and view.state.latest_grade is Grade.FAIL
    view = await d.settled(lambda v: len(v.filings) == 2)
    filed, refused = view.filings
    assert (
        filed.problem_id and not filed.refused
    )  # WS-017 is a row of the town's ledger: a problem with its task
    assert refused.refused == NO_LEDGER_POINT and not refused.problem_id

    # Reminders 7, 3 and 1 working days before 11-29: 11-20, 11-26, 11-28 at 09:00. By 11-27 two were sent.
    await d.wait_until(at("2024-11-27"))
    await d.do(W.declare_rectification_done, DeclareRectificationDone, TOWN_OFFICE, at("2024-11-27"))
    await d.do(
        W.submit_self_check,
        SubmitSelfCheck,
        TOWN_OFFICE,
        at("2024-12-02"),
        sheet_id=d.sheet(SheetKind.SELF_CHECK, "84.00", "2024-12-02"),
    )
    view = await d.do(
        W.record_district_verdict,
        RecordDistrictVerdict,
        DISTRICT,
        at("2024-12-10"),
        sheet_id=d.sheet(SheetKind.DISTRICT_ACCEPTANCE, "86.00", "2024-12-10"),
    )
    assert view.state and view.state.stage is Stage.PUBLIC_NOTICE and view.state.deadlines == ()
    return [d.handle]


async def survey_deadline_missed(h: Harness) -> Handles:
    d = await open_town(h)
    # Nobody completes the survey. Reminders 7, 3, 1 working days before 09-30: 09-20, 09-26 and Sunday 09-29
    # (an adjusted working day); at 2024-10-01 00:00 the deadline has passed and the workflow escalates.
    await d.wait_until(at("2024-10-01", 0, 1))
    view = await d.settled(lambda v: bool(v.state and v.state.deadline(DeadlineKind.SURVEY).missed))  # type: ignore[union-attr]
    missed = view.state.history[-1]  # type: ignore[union-attr]
    assert (missed.event, missed.at, missed.actor) == ("DeadlineMissed", at("2024-10-01", 0), SYSTEM)
    assert view.state.stage is Stage.SURVEY  # type: ignore[union-attr]

    # The survey comes in late; the plan is in before its own deadline (10-31), after its first two reminders
    # (10-22, 10-28) and its last one at 09:00 that morning.
    await d.do(W.complete_survey, CompleteSurvey, TOWN_OFFICE, at("2024-10-09"))
    view = await d.do(W.submit_plan, SubmitPlan, TOWN_OFFICE, at("2024-10-30"))
    assert view.state and view.state.stage is Stage.RECTIFICATION and view.state.deadlines == ()
    return [d.handle]


async def objection_suspends_and_resumes_notice(h: Harness) -> Handles:
    d = await open_town(h)
    await to_notice(d, TOWN_OFFICE)  # published 09-27, ends 10-10 24:00

    # A resident objects on the 公示栏 on 10-08 (the notify service forwards it): 09-29 and 09-30 ran, so 3 of the
    # 5 working days remain; the notice is suspended and keeps the objection with who raised it.
    view = await d.do(
        W.raise_objection,
        RaiseObjection,
        NOTIFY,
        at("2024-10-08"),
        objection_id="board-2024-017",
        source=ObjectionSource.PUBLIC_BOARD,
        objector=Objector(name="刘先生", contact="13800000000"),
        reason="某小区雨水管晴天仍有污水流出",
    )
    notice = view.state.notice if view.state else None
    assert notice and notice.status is NoticeStatus.SUSPENDED and notice.working_days_remaining == 3
    assert notice.channel == PORTAL and [o.objection_id for o in notice.objections] == ["board-2024-017"]

    # The old end passes with nothing filed: a suspended notice has no timer.
    await d.wait_until(at("2024-10-12"))
    assert (await d.view()).state.stage is Stage.PUBLIC_NOTICE  # type: ignore[union-attr]

    # Dismissed on Monday 10-14: the notice resumes with its 3 days, not counting 10-14 itself: 10-15, 10-16,
    # 10-17. It ends 10-17 24:00 and the unit is filed then.
    view = await d.do(
        W.resolve_objection,
        ResolveObjection,
        DISTRICT,
        at("2024-10-14"),
        objection_id="board-2024-017",
        upheld=False,
        reason="经核查，该小区已完成雨污分流",
    )
    notice = view.state.notice if view.state else None
    assert notice and notice.ends and notice.ends.ends_at == at("2024-10-18", 0)
    [objection] = notice.objections
    assert (objection.upheld, objection.answer) == (False, "经核查，该小区已完成雨污分流")

    # It elapses at its new end; the district files the result (备案) and the city acknowledges it.
    view = await file_after_notice(d, at("2024-10-21"))
    assert view.state.history[-2].at == at("2024-10-18", 0)  # type: ignore[union-attr]  # NoticeElapsed
    view = await d.do(W.acknowledge_filing, AcknowledgeFiling, CITY, at("2024-10-22"), reason="已备案")
    filing = view.state.filing if view.state else None
    assert filing and (filing.filing_number, filing.acknowledged_at) == (FILING_NUMBER, at("2024-10-22"))
    assert view.state.stage is Stage.FILED  # type: ignore[union-attr]
    return [d.handle]


async def park_on_the_demonstration_track(h: Harness) -> Handles:
    """001 四: a park group whose district-acceptance sheet reaches 90 (here 92.00) has its district submit the
    建设总结报告; the city's experts check on site; the park group is listed on the 示范园区清单."""
    d = await open_town(h, PARK)
    await to_district_acceptance(d, PARK_OFFICE)
    accepted = d.sheet(SheetKind.DISTRICT_ACCEPTANCE, "92.00", "2024-09-20")
    view = await d.do(
        W.record_district_verdict, RecordDistrictVerdict, DISTRICT, at("2024-09-20"), sheet_id=accepted
    )
    track = demonstration_of(view.state) if view.state else None
    assert track and (track.status, track.sheet_id) == (DemonstrationStatus.ELIGIBLE, accepted)
    await d.do(
        W.publish_notice,
        PublishNotice,
        DISTRICT,
        at("2024-09-27", 16),
        published_on=date(2024, 9, 27),
        channel=PORTAL,
    )
    await file_after_notice(d, at("2024-10-14"))

    await d.do(
        W.submit_demonstration_report,
        SubmitDemonstrationReport,
        DISTRICT,
        at("2024-10-21"),
        typical_practices="企业排水户分类管理，雨污分流改造与管网检测同步推进",
        highlights="园区管网 CCTV 检测全覆盖，问题点位销号管理",
        outcomes="污水收集率由 78% 提升至 96%",
        evidence=("report:wanzhou-park-2024",),
    )
    view = await d.do(
        W.record_demonstration_check,
        RecordDemonstrationCheck,
        CITY,
        at("2024-11-05"),
        passed=True,
        experts=("赵建国", "钱立"),
        reason="现场核实，建设成效属实",
    )
    assert view.state and demonstration_of(view.state).status is DemonstrationStatus.CHECK_PASSED  # type: ignore[union-attr]
    view = await d.do(
        W.list_as_demonstration,
        ListAsDemonstration,
        CITY,
        at("2024-12-01"),
        list_title="2024年度重庆市工业园区污水零直排示范园区名单",
        commendation="予以通报表扬，向全市推广示范经验",
    )
    track = demonstration_of(view.state) if view.state else None
    assert track and track.status is DemonstrationStatus.LISTED and track.experts == ("赵建国", "钱立")
    return [d.handle]


async def objection_upheld(h: Harness) -> Handles:
    d = await open_town(h)
    await to_notice(d, TOWN_OFFICE)

    # Two objections; the first is dismissed while the second is still investigated (the notice stays suspended),
    # the second is upheld: back to rectification, its finding filed with the deadline 2024-12-31.
    for number in ("YY-2024-017", "YY-2024-018"):
        await d.do(
            W.raise_objection,
            RaiseObjection,
            DISTRICT,
            at("2024-10-08"),
            objection_id=number,
            source=ObjectionSource.RECEIVED,
            reason="群众来信反映某小区雨污混接",
        )
    view = await d.do(
        W.resolve_objection,
        ResolveObjection,
        DISTRICT,
        at("2024-10-10"),
        objection_id="YY-2024-017",
        upheld=False,
        reason="经核查，来信所指为雨水排口",
    )
    assert view.state and view.state.notice_status is NoticeStatus.SUSPENDED
    view = await d.do(
        W.resolve_objection,
        ResolveObjection,
        DISTRICT,
        at("2024-10-15"),
        objection_id="YY-2024-018",
        upheld=True,
        reason="经核查异议属实",
        findings=(MIXED_CONNECTION,),
        rectify_by=date(2024, 12, 31),
    )
    assert view.state and view.state.stage is Stage.RECTIFICATION
    assert [dl.kind for dl in view.state.deadlines] == [DeadlineKind.RECTIFICATION]
    view = await d.settled(lambda v: len(v.filings) == 1)
    assert view.filings[0].problem_id
    return [d.handle]


async def spot_check_fails_then_re_review(h: Harness) -> Handles:
    d = await open_town(h, PARK)
    await to_notice(d, PARK_OFFICE, published="2024-10-31")
    await file_after_notice(d, at("2024-11-08"))
    await d.do(
        W.draw_for_spot_check, DrawForSpotCheck, CITY, at("2024-11-15"), evidence=("draw:2024-wanzhou",)
    )

    # 附件4 三（二）4: a failed spot-check must set a 限期整改 date.
    refusal = await d.refused(
        W.record_spot_check_verdict,
        RecordSpotCheckVerdict,
        CITY,
        at("2024-11-28"),
        sheet_id=d.sheet(SheetKind.SPOT_CHECK, "75.00", "2024-11-28"),
        findings=(MIXED_CONNECTION,),
    )
    assert refusal.kind == "InvalidCommand" and refusal.error.field == "rectify_by"
    view = await d.do(
        W.record_spot_check_verdict,
        RecordSpotCheckVerdict,
        CITY,
        at("2024-11-28"),
        sheet_id=d.sheet(SheetKind.SPOT_CHECK, "75.00", "2024-11-28"),
        findings=(MIXED_CONNECTION,),
        rectify_by=date(2025, 1, 24),
    )
    assert view.state and view.state.stage is Stage.RECTIFICATION and view.state.awaiting_re_review

    # Rectified, self-checked: the application goes to the city's 复核, not the district. It fails once more …
    await d.do(W.declare_rectification_done, DeclareRectificationDone, PARK_OFFICE, at("2025-01-10"))
    view = await d.do(
        W.submit_self_check,
        SubmitSelfCheck,
        PARK_OFFICE,
        at("2025-01-13"),
        sheet_id=d.sheet(SheetKind.SELF_CHECK, "85.00", "2025-01-13"),
    )
    assert view.state and view.state.stage is Stage.RE_REVIEW
    view = await d.do(
        W.record_re_review_verdict,
        RecordReReviewVerdict,
        CITY,
        at("2025-01-20"),
        sheet_id=d.sheet(SheetKind.RE_REVIEW, "78.00", "2025-01-20"),
        findings=(NO_POINT,),
        rectify_by=date(2025, 3, 14),
    )
    assert view.state and view.state.stage is Stage.RECTIFICATION

    # … and passes the second time: accepted.
    await d.do(W.declare_rectification_done, DeclareRectificationDone, PARK_OFFICE, at("2025-03-03"))
    await d.do(
        W.submit_self_check,
        SubmitSelfCheck,
        PARK_OFFICE,
        at("2025-03-05"),
        sheet_id=d.sheet(SheetKind.SELF_CHECK, "88.00", "2025-03-05"),
    )
    view = await d.do(
        W.record_re_review_verdict,
        RecordReReviewVerdict,
        CITY,
        at("2025-03-12"),
        sheet_id=d.sheet(SheetKind.RE_REVIEW, "86.00", "2025-03-12"),
    )
    assert view.state and view.state.stage is Stage.ACCEPTED and not view.state.awaiting_re_review
    return [d.handle]


async def import_accepted_park(h: Harness) -> Driver:
    """晏家组团 reached the standard in 2024 (002): registered on 2025-03-01 at ACCEPTED since 2024-12-20."""
    command = ImportProcess(
        actor=CITY,
        request_id="import-yanjia-2024",
        at=at("2025-03-01", 9),
        reason="2024 年达到工业园区“污水零直排区”建设标准（渝环办典型案例通知）",
        evidence=("doc:002",),
        unit_id=YANJIA.unit_id,
        unit_kind=YANJIA.kind,
        campaign=FIRST_CAMPAIGN,
        stage=Stage.ACCEPTED,
        stage_since=at("2024-12-20"),
        **yanjia_sheets(),
    )
    d = await h.start(YANJIA, clock_starts=at("2025-03-01", 9), imported=command)
    view = await d.view()
    assert view.state and view.state.stage is Stage.ACCEPTED and view.state.stage_since == at("2024-12-20")
    assert view.state.latest_grade is Grade.EXCELLENT and view.state.deadlines == ()
    [entry] = view.state.history
    assert (entry.event, entry.at, entry.actor, entry.from_stage) == (
        "ProcessImported",
        at("2025-03-01", 9),
        CITY,
        None,
    )
    return d


async def imported_park_accepted(h: Harness) -> Handles:
    d = await import_accepted_park(h)
    return [d.handle]


async def look_back_flagged_and_reacceptance_ordered(h: Harness) -> Handles:
    d = await import_accepted_park(h)

    # 000 三（五）回头看, round 1: the city's sheet below 80, its finding filed as a problem due 2025-06-30; the
    # park stays accepted, reports it rectified, and the city finds it 不到位 (a new deadline).
    await d.do(W.start_look_back, StartLookBack, CITY, at("2025-04-01"))
    view = await d.do(
        W.record_look_back_verdict,
        RecordLookBackVerdict,
        CITY,
        at("2025-04-15"),
        sheet_id=d.sheet(SheetKind.LOOK_BACK, "76.00", "2025-04-15"),
        findings=(MIXED_CONNECTION,),
        rectify_by=date(2025, 6, 30),
    )
    assert view.state and view.state.stage is Stage.ACCEPTED
    [problem] = view.state.look_back_problems
    await d.do(W.report_look_back_rectified, ReportLookBackRectified, PARK_OFFICE, at("2025-06-20"))
    await d.do(
        W.verify_look_back_rectification,
        VerifyLookBackRectification,
        CITY,
        at("2025-06-24"),
        verifications=(FindingVerification(problem.code, in_place=False, note="晴天排口仍有污水"),),
        rectify_by=date(2025, 8, 29),
    )

    # Round 2 finds problems again: two rounds in a row, 问题频发 — a flag, not a move; the city decides.
    await d.do(W.start_look_back, StartLookBack, CITY, at("2025-09-01"))
    view = await d.do(
        W.record_look_back_verdict,
        RecordLookBackVerdict,
        CITY,
        at("2025-09-10"),
        sheet_id=d.sheet(SheetKind.LOOK_BACK, "82.00", "2025-09-10"),
        findings=(NO_POINT,),
        rectify_by=date(2025, 11, 28),
    )
    assert view.state and view.state.stage is Stage.ACCEPTED
    assert [f.rule for f in view.state.flags] == [FlagRule.RECURRING_PROBLEMS]
    view = await d.do(
        W.order_reacceptance,
        OrderReacceptance,
        CITY,
        at("2025-09-15"),
        rule=FlagRule.RECURRING_PROBLEMS,
        reason="市级工作专班决定：问题频发，督促区县重新实施建设验收",
    )
    assert view.state and view.state.stage is Stage.REACCEPTANCE

    # The district restarts under campaign "2025R": this process closes, a new one continues at rectification.
    view = await d.do(
        W.start_reacceptance,
        StartReacceptance,
        DISTRICT,
        at("2025-09-20"),
        campaign=Campaign(name="2025R"),
        rectify_by=date(2025, 12, 31),
    )
    successor = h.client.get_workflow_handle_for(W.run, view.continued_by)
    assert view.continued_by == f"zdz-process/changshou/{YANJIA.unit_id}/2025R"
    closed: ProcessView = await d.handle.result()
    assert closed.continued_by == view.continued_by
    follow = await Driver(h, successor, d.offset, d.unit).settled(stage_is(Stage.RECTIFICATION))
    assert follow.state and follow.state.campaign.name == "2025R" and follow.state.flags == ()
    assert [dl.kind for dl in follow.state.deadlines] == [DeadlineKind.RECTIFICATION]
    return [d.handle, successor]


async def town_continues_as_new(h: Harness) -> Handles:
    """The town's whole path with a tiny history limit: the process continues as new and carries on."""
    d = await open_town(h, history_limit=30)
    await to_notice(d, TOWN_OFFICE)
    await file_after_notice(d, at("2024-10-11"))
    view = await d.do(W.close_spot_check_window, CloseSpotCheckWindow, CITY, at("2024-12-20"))
    assert view.state and view.state.stage is Stage.ACCEPTED
    return [d.handle]


# Illustrative data for 2027 in the shape a State Council notice takes (NOT the real 2027 schedule, unpublished as
# this is written): National Day 10-01..10-07 off, Sunday 09-26 and Saturday 10-09 worked.
SCHEDULE_2027 = json.dumps(
    {
        "version": "gov-2027-illustrative",
        "years": {
            "2027": {
                "holidays": [f"2027-10-0{d}" for d in range(1, 8)],
                "workdays": ["2027-09-26", "2027-10-09"],
            }
        },
    }
)


def yanjia_sheets() -> dict[str, Any]:
    """晏家组团's district-acceptance sheet of 2024 (92.00, 优秀), a paper sheet imported into scoring with its
    evidence, as ProcessService.start reads it for the import."""
    sheet = signed(YANJIA, SheetKind.DISTRICT_ACCEPTANCE, "92.00", "2024-11-20", imported=True)
    return {"sheet_ids": (sheet.sheet_id,), "sheets": (sheet,)}


async def calendar_refreshed_with_a_new_year(h: Harness) -> Handles:
    """A deadline past the known schedule is provisional until the operator loads the new year's schedule."""
    command = ImportProcess(
        actor=CITY,
        request_id="import-yanjia-2027",
        at=at("2027-08-30", 9),
        unit_id=YANJIA.unit_id,
        unit_kind=YANJIA.kind,
        campaign=FIRST_CAMPAIGN,
        stage=Stage.ACCEPTED,
        stage_since=at("2024-12-20"),
        **yanjia_sheets(),
    )
    d = await h.start(YANJIA, clock_starts=at("2027-08-30", 9), imported=command)
    await d.do(W.start_look_back, StartLookBack, CITY, at("2027-09-01"))
    view = await d.do(
        W.record_look_back_verdict,
        RecordLookBackVerdict,
        CITY,
        at("2027-09-10"),
        sheet_id=d.sheet(SheetKind.LOOK_BACK, "76.00", "2027-09-10"),
        findings=(MIXED_CONNECTION,),
        rectify_by=date(2027, 10, 15),
    )
    # chinesecalendar knows no 2027: Monday–Friday is assumed and the deadline marked provisional. Seven working
    # days before Friday 10-15 would be Wednesday 10-06.
    [deadline] = view.state.deadlines if view.state else ()
    assert deadline.provisional and deadline.calendar_version.startswith("chinesecalendar-")
    assert [r.at for r in deadline.reminders] == [
        at("2027-10-06", 9),
        at("2027-10-12", 9),
        at("2027-10-14", 9),
    ]

    # The operator drops the published schedule into the holidays folder and refreshes the process. With
    # National Day off and Saturday 10-09 worked, seven working days before 10-15 are 10-14, 13, 12, 11, 09, 08
    # and 09-30: the first reminder moves to 09-30; the deadline is no longer provisional.
    h.app.schedules.folder.mkdir(parents=True, exist_ok=True)
    (h.app.schedules.folder / "2027.json").write_text(SCHEDULE_2027, encoding="utf-8")
    view = await d.do(
        W.refresh_calendar, RefreshCalendar, CITY, at("2027-09-15"), reason="载入 2027 年节假日安排"
    )
    [deadline] = view.state.deadlines if view.state else ()
    assert not deadline.provisional
    assert deadline.calendar_version == "chinesecalendar-1.11.0+gov-2027-illustrative"
    assert [r.at for r in deadline.reminders] == [
        at("2027-09-30", 9),
        at("2027-10-12", 9),
        at("2027-10-14", 9),
    ]
    await d.wait_until(at("2027-10-01"))
    return [d.handle]


async def import_filed(h: Harness, unit: UnitInfo) -> Driver:
    """A unit filed (备案) on 2025-03-20 with its district-acceptance paper sheet, registered on 2025-04-01."""
    sheet = signed(unit, SheetKind.DISTRICT_ACCEPTANCE, "88.00", "2025-03-10", imported=True)
    command = ImportProcess(
        actor=CITY,
        request_id=f"import-filed-{unit.unit_id}",
        at=at("2025-04-01", 9),
        unit_id=unit.unit_id,
        unit_kind=unit.kind,
        campaign=Campaign(name="2025"),
        stage=Stage.FILED,
        stage_since=at("2025-03-20"),
        sheet_ids=(sheet.sheet_id,),
        sheets=(sheet,),
        filing_number=f"零直排备〔2025〕{unit.name}",
    )
    d = await h.start(unit, clock_starts=at("2025-04-01", 9), imported=command)
    await h.published(d.handle.id, 1)  # in the event store, where the round finds its process
    return d


async def spot_check_round_closed_by_its_deadline(h: Harness) -> Handles:
    """附件3/附件4 三（二）4: the 2025-1 draw takes 高笋塘街道 of the two filed units; the round moves it into
    spot-check itself, and at 24:00 of the city's deadline releases 九龙园 FILED → ACCEPTED."""
    town, park = await import_filed(h, TOWN), await import_filed(h, PARK)
    draw = SpotCheckDraw(
        draw_id="draw-2025-1",
        round="2025-1",
        seed="20250401",
        drawn_by=CITY,
        drawn_at=at("2025-04-01", 10),
        candidates=(TOWN, PARK),
        drawn=(TOWN,),
        closes_on=date(2025, 4, 30),
    )
    rounds = SpotCheckRounds(h.client, task_queue=h.task_queue)
    assert await rounds.start(draw, clock_offset=town.offset)
    await town.settled(stage_is(Stage.SPOT_CHECK))
    await town.wait_until(at("2025-05-01", 0, 1))
    await park.settled(stage_is(Stage.ACCEPTED))
    handle = h.client.get_workflow_handle_for(SpotCheckRoundWorkflow.run, round_id(draw.draw_id))
    closed = await handle.result()
    assert [m.unit.unit_id for m in closed.released] == [PARK.unit_id]
    return [handle, town.handle, park.handle]


async def district_sheet_corrected(h: Harness) -> Handles:
    """DESIGN "Verdicts are sheets": a correction the district signs later moves the process's score."""
    d = await open_town(h)
    await to_district_acceptance(d, TOWN_OFFICE)
    # A sheet of the wrong kind is refused after the workflow has read it (附件3 三（二）2).
    spot = d.sheet(SheetKind.SPOT_CHECK, "88.00", "2024-09-20")
    refusal = await d.refused(
        W.record_district_verdict, RecordDistrictVerdict, DISTRICT, at("2024-09-20"), sheet_id=spot
    )
    assert refusal.error.message.startswith(
        f"评分表「{spot}」是市级抽查评分表，「区县验收」阶段须用区县验收评分表"
    )
    first = d.sheet(SheetKind.DISTRICT_ACCEPTANCE, "88.00", "2024-09-20")
    await d.do(
        W.record_district_verdict, RecordDistrictVerdict, DISTRICT, at("2024-09-20", 11), sheet_id=first
    )
    # The district corrects an item on 09-24 (88.00 → 91.00, 优秀); the scoring service's signed event reaches
    # the process (entrypoints/sheet_corrections.py) as an update.
    correction = signed(d.unit, SheetKind.DISTRICT_ACCEPTANCE, "91.00", "2024-09-24", replaces_sheet_id=first)
    await d.wait_until(at("2024-09-24", 18))
    view = await d.do(
        W.apply_sheet_correction, ApplySheetCorrection, DISTRICT, reason="第4项扣分更正", sheet=correction
    )
    assert view.state and (view.state.latest_score, view.state.latest_grade) == (
        Decimal("91.00"),
        Grade.EXCELLENT,
    )
    assert (view.state.stage, view.state.history[-1].event) == (Stage.PUBLIC_NOTICE, "SheetCorrected")
    return [d.handle]


SCENARIOS: dict[str, Callable[[Harness], Awaitable[Handles]]] = {
    "town_accepted_over_national_day": town_accepted_over_national_day,
    "park_drawn_for_spot_check_and_excellent": park_drawn_for_spot_check_and_excellent,
    "district_fails_then_passes": district_fails_then_passes,
    "survey_deadline_missed": survey_deadline_missed,
    "objection_suspends_and_resumes_notice": objection_suspends_and_resumes_notice,
    "objection_upheld": objection_upheld,
    "park_on_the_demonstration_track": park_on_the_demonstration_track,
    "spot_check_fails_then_re_review": spot_check_fails_then_re_review,
    "imported_park_accepted": imported_park_accepted,
    "look_back_flagged_and_reacceptance_ordered": look_back_flagged_and_reacceptance_ordered,
    "spot_check_round_closed_by_its_deadline": spot_check_round_closed_by_its_deadline,
    "town_continues_as_new": town_continues_as_new,
    "calendar_refreshed_with_a_new_year": calendar_refreshed_with_a_new_year,
    "district_sheet_corrected": district_sheet_corrected,
}
