"""The passing paths of a town and of a park group, from survey to acceptance, with the audit trail they leave."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tests.unit.workflow.factories import (
    CITY,
    CLOCK,
    DISTRICT,
    FILING_NUMBER,
    PARK_OFFICE,
    PORTAL,
    TOWN_OFFICE,
    UnitUnderTest,
    at,
    sheet,
    verdict,
    walk,
)
from zdz_common.vocabulary import Grade, Stage, UnitKind
from zdz_workflow.domain.commands import (
    CloseNotice,
    CloseSpotCheckWindow,
    CompleteSurvey,
    DeclareRectificationDone,
    DrawForSpotCheck,
    FileResult,
    OpenProcess,
    PublishNotice,
    RecordDistrictVerdict,
    RecordSpotCheckVerdict,
    SubmitPlan,
    SubmitSelfCheck,
)
from zdz_workflow.domain.events import NoticeElapsed, SpotCheckPassed
from zdz_workflow.domain.process import replay
from zdz_workflow.domain.sheets import SheetKind
from zdz_workflow.domain.stages import DeadlineKind
from zdz_workflow.domain.values import FIRST_CAMPAIGN, Finding, NoticeStatus


def test_town_passes_every_stage_and_is_accepted_when_not_drawn_for_spot_check():
    unit = UnitUnderTest()

    # The district opens the town's process for the 2024 campaign: survey due 09-30, plan due 10-31 (000 三（一）（二）).
    unit.do(
        OpenProcess,
        DISTRICT,
        at("2024-07-01"),
        unit_id="bishan/bicheng",
        unit_kind=UnitKind.TOWN,
        campaign=FIRST_CAMPAIGN,
    )
    assert unit.state.stage is Stage.SURVEY
    assert [d.kind for d in unit.state.deadlines] == [DeadlineKind.SURVEY, DeadlineKind.PLAN]

    # 排查 done: the survey deadline is met and dropped, the plan deadline stays.
    unit.do(
        CompleteSurvey, TOWN_OFFICE, at("2024-07-26"), reason="台账建立", evidence=("ledger:bicheng-2024",)
    )
    assert unit.state.stage is Stage.PLAN
    assert [d.kind for d in unit.state.deadlines] == [DeadlineKind.PLAN]

    # 一镇一策 submitted: rectification starts, no deadline left.
    unit.do(SubmitPlan, TOWN_OFFICE, at("2024-08-09"), evidence=("plan:bicheng-2024",))
    assert unit.state.stage is Stage.RECTIFICATION
    assert unit.state.deadlines == ()

    # The town says its tasks are closed, then self-checks at 86.50 (合格) and applies to the district.
    unit.do(DeclareRectificationDone, TOWN_OFFICE, at("2024-09-02"))
    assert unit.state.stage is Stage.SELF_CHECK
    unit.do(
        SubmitSelfCheck,
        TOWN_OFFICE,
        at("2024-09-06"),
        **verdict(sheet(SheetKind.SELF_CHECK, "86.50", "2024-09-06")),
        evidence=("report:self-check",),
    )
    assert unit.state.stage is Stage.DISTRICT_ACCEPTANCE
    assert (unit.state.latest_score, unit.state.latest_grade) == (Decimal("86.50"), Grade.PASS)

    # The district team scores 88.00: passed, the result awaits publication.
    unit.do(
        RecordDistrictVerdict,
        DISTRICT,
        at("2024-09-20"),
        **verdict(sheet(SheetKind.DISTRICT_ACCEPTANCE, "88.00", "2024-09-20")),
        evidence=("sheet:d-0920",),
    )
    assert unit.state.stage is Stage.PUBLIC_NOTICE
    assert unit.state.notice_status is NoticeStatus.AWAITING_PUBLICATION
    assert unit.state.latest_score == Decimal("88.00")

    # Published Friday 2024-09-27 for 5 working days: ends 2024-10-11 00:00 (see test_workflow_calendar).
    unit.do(PublishNotice, DISTRICT, at("2024-09-27", 16), published_on=date(2024, 9, 27), channel=PORTAL)
    assert unit.state.notice_status is NoticeStatus.RUNNING
    assert unit.state.notice.ends.ends_at == at("2024-10-11", 0)

    # The workflow's timer fires at the end of the notice: the district is to file the result (备案), and does.
    assert isinstance(unit.do(CloseNotice, CLOCK, at("2024-10-11", 0))[0], NoticeElapsed)
    assert unit.state.notice_status is NoticeStatus.ELAPSED
    unit.do(FileResult, DISTRICT, at("2024-10-14"), filing_number=FILING_NUMBER)
    assert unit.state.stage is Stage.FILED

    # The municipal draw does not pick the town: accepted.
    unit.do(CloseSpotCheckWindow, CITY, at("2024-12-20"), reason="未被抽中")
    assert unit.state.stage is Stage.ACCEPTED
    assert unit.state.stage_since == at("2024-12-20")


def test_park_group_drawn_for_spot_check_and_passing_is_accepted_with_the_spot_check_grade():
    unit = walk(UnitUnderTest(), Stage.FILED, kind=UnitKind.PARK_GROUP)

    # 附件4 三（二）4: at least one park per district is drawn; this one is, and scores 91.00 (优秀).
    unit.do(DrawForSpotCheck, CITY, at("2024-11-15"), evidence=("draw:2024-bishan", "seed:7f3a"))
    assert unit.state.stage is Stage.SPOT_CHECK
    [passed] = unit.do(
        RecordSpotCheckVerdict,
        CITY,
        at("2024-11-28"),
        **verdict(sheet(SheetKind.SPOT_CHECK, "91.00", "2024-11-28")),
        findings=(Finding("一处雨水口晴天有水", item="附件4 附表"),),  # a pass may still list findings
        evidence=("sheet:city-1128",),
    )
    assert isinstance(passed, SpotCheckPassed) and passed.findings
    assert unit.state.stage is Stage.ACCEPTED
    assert unit.state.latest_grade is Grade.EXCELLENT
    assert unit.state.unit_kind is UnitKind.PARK_GROUP


def test_every_transition_records_who_when_why_evidence_and_the_stages():
    unit = walk(UnitUnderTest(), Stage.ACCEPTED)
    history = unit.state.history

    assert [h.event for h in history] == [
        "ProcessOpened",
        "SurveyCompleted",
        "PlanSubmitted",
        "RectificationDeclaredDone",
        "SelfCheckPassed",
        "DistrictAcceptancePassed",
        "NoticePublished",
        "NoticeElapsed",
        "ResultFiled",
        "SpotCheckWindowClosed",
    ]
    opened, surveyed = history[0], history[1]
    assert (opened.from_stage, opened.to_stage, opened.actor) == (None, Stage.SURVEY, DISTRICT)
    assert (surveyed.from_stage, surveyed.to_stage) == (Stage.SURVEY, Stage.PLAN)
    assert surveyed.actor == TOWN_OFFICE and surveyed.at == at("2024-07-26")
    assert surveyed.evidence == ("ledger:bicheng-2024",)
    published = history[6]
    assert published.from_stage is published.to_stage is Stage.PUBLIC_NOTICE
    assert len({h.request_id for h in history}) == len(history)


def test_replaying_the_events_rebuilds_the_same_state():
    unit = walk(UnitUnderTest(), Stage.ACCEPTED, kind=UnitKind.PARK_GROUP)
    assert replay(unit.events) == unit.state
    assert PARK_OFFICE in {h.actor for h in unit.state.history}
