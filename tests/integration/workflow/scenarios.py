"""Every path of a unit's process, driven through the real workflow on a time-skipping server.

Each scenario narrates its story with assertions and returns the workflow handles it ran, so the same code is the
time-skipping test of the path and the recorder of its history for the replay test (record_histories.py).
Dates are 2024–2025, on the process's shifted clock; working days follow the State Council schedule as the
installed chinesecalendar has it (figures computed by hand in the comments).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import date
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
)
from zdz_common.context import SYSTEM, Actor
from zdz_common.errors import FailedPrecondition
from zdz_common.vocabulary import Grade, Stage
from zdz_workflow.domain.commands import (
    CloseSpotCheckWindow,
    CompleteSurvey,
    DeclareRectificationDone,
    DrawForSpotCheck,
    ImportProcess,
    OpenProcess,
    PublishNotice,
    RaiseObjection,
    RecordDistrictVerdict,
    RecordLookBackVerdict,
    RecordReReviewVerdict,
    RecordSpotCheckVerdict,
    RefreshCalendar,
    ReportLookBackRectified,
    ResolveObjection,
    StartLookBack,
    StartReacceptance,
    SubmitPlan,
    SubmitSelfCheck,
)
from zdz_workflow.domain.settings import ProcessSettings
from zdz_workflow.domain.stages import DeadlineKind
from zdz_workflow.domain.units import UnitInfo
from zdz_workflow.domain.values import FIRST_CAMPAIGN, Campaign, Finding, LedgerPoint, NoticeStatus
from zdz_workflow.service_layer.effects import NO_LEDGER_POINT
from zdz_workflow.temporal.payloads import ProcessView
from zdz_workflow.temporal.workflows import ProcessWorkflow as W

Handles = list[WorkflowHandle[Any, Any]]

MIXED_CONNECTION = Finding(
    "解放路 WS-017 段雨污混接",
    item="附件3 附表 第6项",
    evidence=("photo:ws-017-0920",),
    point=LedgerPoint("PIPE_SEGMENT", "WS-017", "MIXED_CONNECTION", "解放路 38 号至 52 号"),
)
NO_POINT = Finding("部分小区排查信息不全", item="附件3 附表 第2项")


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
    await d.do(W.submit_self_check, SubmitSelfCheck, office, at("2024-09-06"), score=Decimal("86.50"))


async def to_notice(d: Driver, office: Actor, published: str = "2024-09-27") -> ProcessView:
    """Self-check 86.50, district 88.00 on 09-20, notice published on `published` at 16:00."""
    await to_district_acceptance(d, office)
    await d.do(
        W.record_district_verdict, RecordDistrictVerdict, DISTRICT, at("2024-09-20"), score=Decimal("88")
    )
    return await d.do(
        W.publish_notice,
        PublishNotice,
        DISTRICT,
        at(published, 16),
        published_on=date.fromisoformat(published),
        evidence=("url:wanzhou.gov.cn/gs/2024-017",),
    )


async def town_accepted_over_national_day(h: Harness) -> Handles:
    d = await open_town(h)
    view = await d.view()
    assert view.state and view.state.stage is Stage.SURVEY
    assert [dl.kind for dl in view.state.deadlines] == [DeadlineKind.SURVEY, DeadlineKind.PLAN]

    # Survey, plan, rectification; a self-check of 79.00 cannot apply (附件3 三（二）1) and leaves no trace.
    await to_rectification(d, TOWN_OFFICE)
    await d.do(W.declare_rectification_done, DeclareRectificationDone, TOWN_OFFICE, at("2024-09-02"))
    refusal = await d.refused(
        W.submit_self_check, SubmitSelfCheck, TOWN_OFFICE, at("2024-09-05"), score=Decimal("79")
    )
    assert refusal.kind == "BelowPassMark" and isinstance(refusal.error, FailedPrecondition)
    assert refusal.error.message == "自查评估得分 79.00 低于 80 分，不能申请验收（附件3 三（二）1）"
    assert (await d.view()).state.history[-1].event == "RectificationDeclaredDone"  # type: ignore[union-attr]
    await d.do(W.submit_self_check, SubmitSelfCheck, TOWN_OFFICE, at("2024-09-06"), score=Decimal("86.50"))
    await d.do(
        W.record_district_verdict, RecordDistrictVerdict, DISTRICT, at("2024-09-20"), score=Decimal("88")
    )

    # Published Friday 2024-09-27; the day itself does not count. Sunday 09-29 is an adjusted working day (1),
    # Monday 09-30 (2), National Day 10-01..10-07 is off, 10-08 (3), 10-09 (4), 10-10 (5): ends 10-10 24:00.
    view = await d.do(
        W.publish_notice, PublishNotice, DISTRICT, at("2024-09-27", 16), published_on=date(2024, 9, 27)
    )
    notice = view.state.notice if view.state else None
    assert notice is not None and notice.ends is not None
    assert (notice.ends.last_day, notice.ends.ends_at) == (date(2024, 10, 10), at("2024-10-11", 0))
    assert not notice.ends.provisional and notice.ends.calendar_version.startswith("chinesecalendar-")

    # The timer runs through the holiday: at 23:00 on its last day the notice is still running …
    await d.wait_until(at("2024-10-10", 23))
    assert (await d.view()).state.notice_status is NoticeStatus.RUNNING  # type: ignore[union-attr]
    # … and at its end the workflow files the result (备案), recorded at the moment the notice ended.
    await d.wait_until(at("2024-10-11", 0, 1))
    view = await d.settled(stage_is(Stage.FILED))
    filed = view.state.history[-1]  # type: ignore[union-attr]
    assert (filed.event, filed.at, filed.actor) == ("NoticeElapsed", at("2024-10-11", 0), SYSTEM)

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
    await d.wait_until(at("2024-11-08", 0, 1))
    await d.settled(stage_is(Stage.FILED))

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
        score=Decimal("91.00"),
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
        W.record_district_verdict, RecordDistrictVerdict, DISTRICT, at("2024-09-20"), score=Decimal("72.5")
    )
    assert refusal.kind == "InvalidCommand" and refusal.error.field == "findings"
    # … and with them the town goes back to rectification, due 2024-11-29, its findings sent to the registry.
    view = await d.do(
        W.record_district_verdict,
        RecordDistrictVerdict,
        DISTRICT,
        at("2024-09-20"),
        score=Decimal("72.50"),
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
    await d.do(W.submit_self_check, SubmitSelfCheck, TOWN_OFFICE, at("2024-12-02"), score=Decimal("84"))
    view = await d.do(
        W.record_district_verdict, RecordDistrictVerdict, DISTRICT, at("2024-12-10"), score=Decimal("86")
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

    # An objection on 10-08: 09-29 and 09-30 ran, so 3 of the 5 working days remain; the notice is suspended.
    view = await d.do(
        W.raise_objection,
        RaiseObjection,
        CITY,
        at("2024-10-08"),
        objection_id="YY-2024-017",
        reason="群众来信反映某小区雨污混接",
    )
    notice = view.state.notice if view.state else None
    assert notice and notice.status is NoticeStatus.SUSPENDED and notice.working_days_remaining == 3

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
        objection_id="YY-2024-017",
        upheld=False,
        reason="经核查，该小区已完成雨污分流",
    )
    notice = view.state.notice if view.state else None
    assert notice and notice.ends and notice.ends.ends_at == at("2024-10-18", 0)
    await d.wait_until(at("2024-10-18", 0, 1))
    view = await d.settled(stage_is(Stage.FILED))
    assert view.state.history[-1].at == at("2024-10-18", 0)  # type: ignore[union-attr]
    return [d.handle]


async def objection_upheld(h: Harness) -> Handles:
    d = await open_town(h)
    await to_notice(d, TOWN_OFFICE)

    # Two objections; the first is dismissed while the second is still investigated (the notice stays suspended),
    # the second is upheld: back to rectification, its finding filed with the deadline 2024-12-31.
    for number in ("YY-2024-017", "YY-2024-018"):
        await d.do(W.raise_objection, RaiseObjection, CITY, at("2024-10-08"), objection_id=number)
    view = await d.do(
        W.resolve_objection,
        ResolveObjection,
        DISTRICT,
        at("2024-10-10"),
        objection_id="YY-2024-017",
        upheld=False,
    )
    assert view.state and view.state.notice_status is NoticeStatus.SUSPENDED
    view = await d.do(
        W.resolve_objection,
        ResolveObjection,
        DISTRICT,
        at("2024-10-15"),
        objection_id="YY-2024-018",
        upheld=True,
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
    await d.wait_until(at("2024-11-08", 0, 1))
    await d.settled(stage_is(Stage.FILED))
    await d.do(
        W.draw_for_spot_check, DrawForSpotCheck, CITY, at("2024-11-15"), evidence=("draw:2024-wanzhou",)
    )

    # 附件4 三（二）4: a failed spot-check must set a 限期整改 date.
    refusal = await d.refused(
        W.record_spot_check_verdict,
        RecordSpotCheckVerdict,
        CITY,
        at("2024-11-28"),
        score=Decimal("75"),
        findings=(MIXED_CONNECTION,),
    )
    assert refusal.kind == "InvalidCommand" and refusal.error.field == "rectify_by"
    view = await d.do(
        W.record_spot_check_verdict,
        RecordSpotCheckVerdict,
        CITY,
        at("2024-11-28"),
        score=Decimal("75"),
        findings=(MIXED_CONNECTION,),
        rectify_by=date(2025, 1, 24),
    )
    assert view.state and view.state.stage is Stage.RECTIFICATION and view.state.awaiting_re_review

    # Rectified, self-checked: the application goes to the city's 复核, not the district. It fails once more …
    await d.do(W.declare_rectification_done, DeclareRectificationDone, PARK_OFFICE, at("2025-01-10"))
    view = await d.do(
        W.submit_self_check, SubmitSelfCheck, PARK_OFFICE, at("2025-01-13"), score=Decimal("85")
    )
    assert view.state and view.state.stage is Stage.RE_REVIEW
    view = await d.do(
        W.record_re_review_verdict,
        RecordReReviewVerdict,
        CITY,
        at("2025-01-20"),
        score=Decimal("78"),
        findings=(NO_POINT,),
        rectify_by=date(2025, 3, 14),
    )
    assert view.state and view.state.stage is Stage.RECTIFICATION

    # … and passes the second time: accepted.
    await d.do(W.declare_rectification_done, DeclareRectificationDone, PARK_OFFICE, at("2025-03-03"))
    await d.do(W.submit_self_check, SubmitSelfCheck, PARK_OFFICE, at("2025-03-05"), score=Decimal("88"))
    view = await d.do(
        W.record_re_review_verdict, RecordReReviewVerdict, CITY, at("2025-03-12"), score=Decimal("86")
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
        latest_score=Decimal("92.00"),
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


async def look_back_failures_order_reacceptance(h: Harness) -> Handles:
    d = await import_accepted_park(h)

    # 000 三（五）回头看, round 1 fails: findings with a deadline; the unit stays accepted and rectifies.
    await d.do(W.start_look_back, StartLookBack, CITY, at("2025-04-01"))
    view = await d.do(
        W.record_look_back_verdict,
        RecordLookBackVerdict,
        CITY,
        at("2025-04-15"),
        passed=False,
        findings=(MIXED_CONNECTION,),
        rectify_by=date(2025, 6, 30),
    )
    assert (
        view.state and view.state.stage is Stage.ACCEPTED and view.state.consecutive_look_back_failures == 1
    )
    await d.do(W.report_look_back_rectified, ReportLookBackRectified, PARK_OFFICE, at("2025-06-20"))

    # Round 2 fails too: two in a row (the default limit) order 重新实施建设验收.
    await d.do(W.start_look_back, StartLookBack, CITY, at("2025-09-01"))
    view = await d.do(
        W.record_look_back_verdict,
        RecordLookBackVerdict,
        CITY,
        at("2025-09-10"),
        passed=False,
        findings=(NO_POINT,),
        rectify_by=date(2025, 11, 28),
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
    follow = await Driver(h, successor, d.offset).settled(stage_is(Stage.RECTIFICATION))
    assert follow.state and follow.state.campaign.name == "2025R"
    assert [dl.kind for dl in follow.state.deadlines] == [DeadlineKind.RECTIFICATION]
    return [d.handle, successor]


async def town_continues_as_new(h: Harness) -> Handles:
    """The town's whole path with a tiny history limit: the process continues as new and carries on."""
    d = await open_town(h, history_limit=30)
    await to_notice(d, TOWN_OFFICE)
    await d.wait_until(at("2024-10-11", 0, 1))
    await d.settled(stage_is(Stage.FILED))
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
        latest_score=Decimal("92.00"),
    )
    d = await h.start(YANJIA, clock_starts=at("2027-08-30", 9), imported=command)
    await d.do(W.start_look_back, StartLookBack, CITY, at("2027-09-01"))
    view = await d.do(
        W.record_look_back_verdict,
        RecordLookBackVerdict,
        CITY,
        at("2027-09-10"),
        passed=False,
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


SCENARIOS: dict[str, Callable[[Harness], Awaitable[Handles]]] = {
    "town_accepted_over_national_day": town_accepted_over_national_day,
    "park_drawn_for_spot_check_and_excellent": park_drawn_for_spot_check_and_excellent,
    "district_fails_then_passes": district_fails_then_passes,
    "survey_deadline_missed": survey_deadline_missed,
    "objection_suspends_and_resumes_notice": objection_suspends_and_resumes_notice,
    "objection_upheld": objection_upheld,
    "spot_check_fails_then_re_review": spot_check_fails_then_re_review,
    "imported_park_accepted": imported_park_accepted,
    "look_back_failures_order_reacceptance": look_back_failures_order_reacceptance,
    "town_continues_as_new": town_continues_as_new,
    "calendar_refreshed_with_a_new_year": calendar_refreshed_with_a_new_year,
}
