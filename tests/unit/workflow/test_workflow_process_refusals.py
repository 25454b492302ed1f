"""Every command the rules forbid is refused with a message a clerk can act on, and the unit does not move."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tests.unit.workflow.factories import (
    ANSWER,
    CITY,
    CLOCK,
    DISTRICT,
    LETTER,
    PORTAL,
    TOWN_OFFICE,
    UnitUnderTest,
    at,
    rules,
    sheet,
    verdict,
    walk,
)
from zdz_common.vocabulary import Stage, UnitKind
from zdz_workflow.domain.commands import (
    CloseNotice,
    CompleteSurvey,
    DeclareRectificationDone,
    DrawForSpotCheck,
    OpenProcess,
    PublishNotice,
    RaiseObjection,
    RecordDistrictVerdict,
    RecordLookBackVerdict,
    RecordSpotCheckVerdict,
    ResolveObjection,
    StartLookBack,
    StartReacceptance,
    SubmitPlan,
    SubmitSelfCheck,
)
from zdz_workflow.domain.errors import (
    InvalidCommand,
    OutOfOrder,
    ProcessAlreadyOpen,
    ProcessNotFound,
    RuleViolation,
)
from zdz_workflow.domain.process import decide
from zdz_workflow.domain.sheets import SheetKind
from zdz_workflow.domain.values import FIRST_CAMPAIGN, Campaign, Finding


def test_objection_before_the_notice_is_published_is_refused():
    unit = walk(UnitUnderTest(), Stage.PUBLIC_NOTICE)  # passed by the district, notice not out yet
    with pytest.raises(OutOfOrder, match="异议只能在公示期内提出"):
        unit.do(RaiseObjection, DISTRICT, at("2024-09-23"), objection_id="obj-1", **LETTER)


def test_objection_outside_the_notice_stage_is_refused():
    unit = walk(UnitUnderTest(), Stage.ACCEPTED)
    with pytest.raises(OutOfOrder, match="当前阶段为「验收通过」，异议只能在公示期内提出（附件3 三（二）3）"):
        unit.do(RaiseObjection, DISTRICT, at("2025-01-06"), objection_id="obj-1", **LETTER)


def test_objection_after_the_notice_ran_out_is_refused_even_before_the_timer_closes_it():
    # Published 2024-09-27, ends 2024-10-11 00:00; an objection at 00:05 on 10-11 is late.
    unit = walk(UnitUnderTest(), Stage.PUBLIC_NOTICE)
    unit.do(PublishNotice, DISTRICT, at("2024-09-27"), published_on=date(2024, 9, 27), channel=PORTAL)
    with pytest.raises(RuleViolation, match="公示期已于 2024-10-10 24:00 届满"):
        unit.do(RaiseObjection, DISTRICT, at("2024-10-11", 0, 5), objection_id="obj-late", **LETTER)


def test_look_back_before_filing_is_refused():
    # 000 三（五）: every filed unit, drawn or not, may be looked back on; a unit still in 公示 may not.
    unit = walk(UnitUnderTest(), Stage.PUBLIC_NOTICE)
    with pytest.raises(OutOfOrder) as refused:
        unit.do(StartLookBack, CITY, at("2024-09-24"))
    assert refused.value.message == (
        "当前阶段为「公示」，不能开展回头看：开展回头看须在「备案」、「验收通过」阶段进行（000 三（五）；000 三 步骤安排）"
    )


@pytest.mark.parametrize(
    ("stage", "command_type", "fields"),
    [
        (Stage.SURVEY, SubmitPlan, {}),
        (Stage.PLAN, DeclareRectificationDone, {}),
        (Stage.RECTIFICATION, SubmitSelfCheck, {"sheet_id": "sheet-1"}),
        (Stage.SELF_CHECK, RecordDistrictVerdict, {"sheet_id": "sheet-1"}),
        (Stage.DISTRICT_ACCEPTANCE, PublishNotice, {"published_on": date(2024, 9, 10)}),
        (Stage.FILED, RecordSpotCheckVerdict, {"sheet_id": "sheet-1"}),
        (Stage.ACCEPTED, CompleteSurvey, {}),
        (Stage.ACCEPTED, RecordLookBackVerdict, {"passed": True}),
        (Stage.ACCEPTED, StartReacceptance, {"campaign": Campaign(name="2026-重新验收")}),
    ],
)
def test_commands_out_of_order_are_refused_naming_the_current_and_required_stage(stage, command_type, fields):
    unit = walk(UnitUnderTest(), stage)
    before = unit.state
    with pytest.raises(OutOfOrder, match=f"当前阶段为「{stage.label}」，不能") as refused:
        unit.do(command_type, DISTRICT, at("2025-01-06"), **fields)
    assert "须在「" in refused.value.message
    assert unit.state == before


def test_district_failure_without_findings_is_refused_because_findings_become_the_problem_list():
    unit = walk(UnitUnderTest(), Stage.DISTRICT_ACCEPTANCE)
    with pytest.raises(InvalidCommand, match="列明发现的问题") as refused:
        unit.do(
            RecordDistrictVerdict,
            DISTRICT,
            at("2024-09-20"),
            **verdict(sheet(SheetKind.DISTRICT_ACCEPTANCE, "75.00", "2024-09-20")),
        )
    assert refused.value.field == "findings"


def test_spot_check_failure_needs_a_rectification_date():
    unit = walk(UnitUnderTest(), Stage.FILED)
    unit.do(DrawForSpotCheck, CITY, at("2024-11-15"))
    with pytest.raises(InvalidCommand, match="须给出限期整改的日期"):
        unit.do(
            RecordSpotCheckVerdict,
            CITY,
            at("2024-11-28"),
            **verdict(sheet(SheetKind.SPOT_CHECK, "70.00", "2024-11-28")),
            findings=(Finding("混接"),),
        )


def test_a_notice_shorter_than_five_working_days_is_refused():
    unit = walk(UnitUnderTest(), Stage.PUBLIC_NOTICE)
    with pytest.raises(RuleViolation, match="公示时间不少于 5 个工作日，收到 3 个（附件3 三（二）3）"):
        unit.do(
            PublishNotice,
            DISTRICT,
            at("2024-09-27"),
            published_on=date(2024, 9, 27),
            working_days=3,
            channel=PORTAL,
        )


def test_a_notice_cannot_be_dated_before_the_district_passed_the_unit_or_after_today():
    unit = walk(UnitUnderTest(), Stage.PUBLIC_NOTICE)  # district passed it on 2024-09-20
    with pytest.raises(InvalidCommand, match="早于区县验收通过的日期"):
        unit.do(PublishNotice, DISTRICT, at("2024-09-27"), published_on=date(2024, 9, 19), channel=PORTAL)
    with pytest.raises(InvalidCommand, match="不能晚于今天"):
        unit.do(PublishNotice, DISTRICT, at("2024-09-27"), published_on=date(2024, 9, 30), channel=PORTAL)


def test_the_notice_cannot_close_before_it_ends():
    # Ends 2024-10-11 00:00; one minute earlier is 24:00 minus a minute on the last day.
    unit = walk(UnitUnderTest(), Stage.PUBLIC_NOTICE)
    unit.do(PublishNotice, DISTRICT, at("2024-09-27"), published_on=date(2024, 9, 27), channel=PORTAL)
    with pytest.raises(RuleViolation, match="公示至 2024-10-10 24:00 届满，尚未期满"):
        unit.do(CloseNotice, CLOCK, at("2024-10-10", 23, 59))


def test_resolving_an_objection_that_is_not_under_investigation_is_refused():
    unit = walk(UnitUnderTest(), Stage.PUBLIC_NOTICE)
    unit.do(PublishNotice, DISTRICT, at("2024-09-27"), published_on=date(2024, 9, 27), channel=PORTAL)
    with pytest.raises(RuleViolation, match="没有正在调查的异议「obj-9」"):
        unit.do(
            ResolveObjection, DISTRICT, at("2024-09-30"), objection_id="obj-9", upheld=False, reason=ANSWER
        )


def test_a_command_without_a_timezone_is_refused():
    unit = walk(UnitUnderTest(), Stage.SURVEY)
    with pytest.raises(InvalidCommand) as refused:
        unit.do(CompleteSurvey, TOWN_OFFICE, datetime(2024, 7, 26, 10))
    assert refused.value.field == "at"


def test_a_command_dated_before_the_last_record_is_refused():
    unit = walk(UnitUnderTest(), Stage.PLAN)  # survey completed 2024-07-26 10:00
    with pytest.raises(InvalidCommand, match="早于流程最近一次记录的时间"):
        unit.do(SubmitPlan, TOWN_OFFICE, at("2024-07-25"))


def test_commands_before_the_process_is_opened_are_refused():
    with pytest.raises(ProcessNotFound, match="尚未建立流程"):
        UnitUnderTest().do(CompleteSurvey, TOWN_OFFICE, at("2024-07-26"))


def test_opening_a_process_twice_is_refused():
    unit = walk(UnitUnderTest(), Stage.SURVEY)
    with pytest.raises(ProcessAlreadyOpen, match="已有「2024」批次的流程"):
        unit.do(
            OpenProcess,
            DISTRICT,
            at("2024-07-02"),
            unit_id="bishan/bicheng",
            unit_kind=UnitKind.TOWN,
            campaign=FIRST_CAMPAIGN,
        )


def test_a_retried_request_changes_nothing_the_second_time():
    unit = walk(UnitUnderTest(), Stage.SURVEY)
    command = CompleteSurvey(actor=TOWN_OFFICE, request_id="req-survey-1", at=at("2024-07-26"))
    assert len(unit.send(command)) == 1
    assert decide(unit.state, command, rules()) == []  # the same request id again: already recorded
