"""The unit's standing (DESIGN, rulings: progress counts a unit from filing, except while a failure is open under
限期整改, and from a re-acceptance order until re-accepted) and the parks' ≥ 90 demonstration track (001 四)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from tests.unit.workflow.factories import (
    CITY,
    CLOCK,
    DISTRICT,
    FILING_NUMBER,
    PORTAL,
    UnitUnderTest,
    at,
    sheet,
    verdict,
    walk,
)
from zdz_common.errors import InvalidArgument
from zdz_common.vocabulary import Stage, UnitKind, UnknownUnitKind
from zdz_workflow.domain.commands import (
    CloseNotice,
    FileResult,
    ListAsDemonstration,
    PublishNotice,
    RecordDemonstrationCheck,
    RecordDistrictVerdict,
    StartReacceptance,
    SubmitDemonstrationReport,
)
from zdz_workflow.domain.demonstration import DemonstrationStatus, demonstration_of
from zdz_workflow.domain.errors import InvalidCommand, RuleViolation
from zdz_workflow.domain.process import handle
from zdz_workflow.domain.sheets import SheetKind
from zdz_workflow.domain.stages import DeadlineKind
from zdz_workflow.domain.standing import Standing, standing
from zdz_workflow.domain.values import Campaign, Deadline

REPORT = {
    "typical_practices": "雨污分流改造与企业排水户分类管理",
    "highlights": "园区管网全部 CCTV 检测，问题点位销号管理",
    "outcomes": "污水收集率由 78% 提升至 96%",
}
SUMMARY_MARK = Decimal(90)  # the 2024 park rubric's summary_report_from (001 四)


def park_at_district(total: str, kind: UnitKind = UnitKind.PARK_GROUP) -> UnitUnderTest:
    """A unit passed by the district on a sheet of `total` under a rubric with the 001 四 mark."""
    unit = walk(UnitUnderTest(), Stage.DISTRICT_ACCEPTANCE, kind=kind)
    signed = sheet(
        SheetKind.DISTRICT_ACCEPTANCE,
        total,
        "2024-09-20",
        summary_report_from=SUMMARY_MARK if kind is UnitKind.PARK_GROUP else None,
    )
    unit.do(RecordDistrictVerdict, DISTRICT, at("2024-09-20"), **verdict(signed))
    return unit


def filed(unit: UnitUnderTest) -> UnitUnderTest:
    unit.do(PublishNotice, DISTRICT, at("2024-09-27"), published_on=date(2024, 9, 27), channel=PORTAL)
    unit.do(CloseNotice, CLOCK, at("2024-10-11", 0))
    unit.do(FileResult, DISTRICT, at("2024-10-14"), filing_number=FILING_NUMBER)
    return unit


# --- standing -------------------------------------------------------------------------------------------------


def test_a_unit_under_construction_does_not_count():
    for stage in (Stage.SURVEY, Stage.PLAN, Stage.RECTIFICATION, Stage.SELF_CHECK, Stage.DISTRICT_ACCEPTANCE):
        assert standing(walk(UnitUnderTest(), stage).state) is Standing.IN_PROGRESS, stage


def test_a_unit_passed_by_the_district_is_in_notice_until_its_result_is_filed():
    unit = park_at_district("88.00")
    assert standing(unit.state) is Standing.IN_NOTICE
    unit.do(PublishNotice, DISTRICT, at("2024-09-27"), published_on=date(2024, 9, 27), channel=PORTAL)
    unit.do(CloseNotice, CLOCK, at("2024-10-11", 0))
    assert standing(unit.state) is Standing.IN_NOTICE  # elapsed, not yet filed
    unit.do(FileResult, DISTRICT, at("2024-10-14"), filing_number=FILING_NUMBER)
    assert standing(unit.state) is Standing.MEETS_STANDARD


def test_a_filed_or_accepted_unit_meets_the_standard():
    assert standing(walk(UnitUnderTest(), Stage.FILED).state) is Standing.MEETS_STANDARD
    assert standing(walk(UnitUnderTest(), Stage.ACCEPTED).state) is Standing.MEETS_STANDARD
    drawn = replace(walk(UnitUnderTest(), Stage.FILED).state, stage=Stage.SPOT_CHECK)
    assert standing(drawn) is Standing.MEETS_STANDARD  # drawn, not yet failed


def test_an_open_spot_check_failure_stops_the_unit_counting_until_the_re_review_passes():
    accepted = walk(UnitUnderTest(), Stage.ACCEPTED).state
    for stage in (Stage.RECTIFICATION, Stage.SELF_CHECK, Stage.RE_REVIEW):
        failed = replace(accepted, stage=stage, awaiting_re_review=True)
        assert standing(failed) is Standing.FAILURE_OPEN, stage
    assert standing(replace(accepted, awaiting_re_review=False)) is Standing.MEETS_STANDARD


def test_an_open_look_back_failure_under_its_deadline_stops_the_unit_counting():
    accepted = walk(UnitUnderTest(), Stage.ACCEPTED).state
    deadline = Deadline(
        DeadlineKind.LOOK_BACK_RECTIFICATION, date(2025, 6, 30), at("2025-07-01", 0), (), False, "v"
    )
    failing = replace(accepted, consecutive_look_back_failures=1, deadlines=(deadline,))
    assert standing(failing) is Standing.FAILURE_OPEN
    assert standing(replace(failing, deadlines=())) is Standing.MEETS_STANDARD  # rectified


def test_a_re_acceptance_order_stops_the_unit_counting_until_it_is_filed_again():
    accepted = walk(UnitUnderTest(), Stage.ACCEPTED).state
    assert standing(replace(accepted, stage=Stage.REACCEPTANCE)) is Standing.REACCEPTANCE_ORDERED
    for stage in (Stage.RECTIFICATION, Stage.DISTRICT_ACCEPTANCE, Stage.PUBLIC_NOTICE):
        assert standing(replace(accepted, stage=stage, reaccepting=True)) is Standing.REACCEPTANCE_ORDERED


def test_starting_re_acceptance_keeps_the_unit_out_of_the_count_under_its_new_campaign():
    unit = walk(UnitUnderTest(), Stage.ACCEPTED)
    ordered = replace(unit.state, stage=Stage.REACCEPTANCE)  # as the city's order leaves it
    restart = StartReacceptance(
        actor=DISTRICT, request_id="r", at=at("2025-10-20"), campaign=Campaign(name="2026R")
    )
    state, _ = handle(ordered, restart, unit.rules)
    assert (state.stage, state.reaccepting, state.filing) == (Stage.RECTIFICATION, True, None)
    assert standing(state) is Standing.REACCEPTANCE_ORDERED


def test_filing_the_new_campaigns_result_ends_the_re_acceptance():
    unit = park_at_district("88.00")
    state = replace(unit.state, reaccepting=True)  # as ReacceptanceStarted leaves the new campaign
    for command in (
        PublishNotice(
            actor=DISTRICT,
            request_id="n",
            at=at("2024-09-27"),
            published_on=date(2024, 9, 27),
            channel=PORTAL,
        ),
        CloseNotice(actor=CLOCK, request_id="e", at=at("2024-10-11", 0)),
    ):
        state, _ = handle(state, command, unit.rules)
    assert standing(state) is Standing.REACCEPTANCE_ORDERED
    state, _ = handle(
        state,
        FileResult(actor=DISTRICT, request_id="f", at=at("2024-10-14"), filing_number=FILING_NUMBER),
        unit.rules,
    )
    assert standing(state) is Standing.MEETS_STANDARD and not state.reaccepting


# --- the demonstration track ----------------------------------------------------------------------------------


def test_a_park_group_whose_district_sheet_reaches_the_mark_becomes_eligible():
    unit = park_at_district("92.00")
    track = demonstration_of(unit.state)
    assert track is not None and track.status is DemonstrationStatus.ELIGIBLE
    assert track.sheet_id == unit.state.latest_sheet_id


def test_a_park_group_below_the_mark_has_no_track_and_may_not_submit_a_report():
    unit = park_at_district("89.99")
    assert demonstration_of(unit.state) is None
    with pytest.raises(RuleViolation, match="90 分") as refused:
        unit.do(SubmitDemonstrationReport, DISTRICT, at("2024-09-23"), **REPORT)
    assert refused.value.rule == "001 四（一）4、（二）3"


def test_a_town_has_no_demonstration_track():
    unit = park_at_district("95.00", kind=UnitKind.TOWN)
    assert demonstration_of(unit.state) is None
    with pytest.raises(RuleViolation, match="只适用于工业园区组团") as refused:
        unit.do(SubmitDemonstrationReport, DISTRICT, at("2024-09-23"), **REPORT)
    assert refused.value.rule == "001 四（一）4、（二）3"


def test_an_unknown_unit_kind_is_refused_by_the_track():
    unit = park_at_district("92.00")
    with pytest.raises(UnknownUnitKind, match="001 四 示范园区"):
        demonstration_of(replace(unit.state, unit_kind="HAMLET"))


def test_the_report_needs_its_typical_practices_highlights_and_outcomes():
    for part in REPORT:
        unit = park_at_district("92.00")
        with pytest.raises(InvalidArgument) as refused:
            unit.do(SubmitDemonstrationReport, DISTRICT, at("2024-09-23"), **(REPORT | {part: " "}))
        assert refused.value.field == part


def test_the_track_runs_report_check_and_list():
    unit = filed(park_at_district("92.00"))
    unit.do(SubmitDemonstrationReport, DISTRICT, at("2024-10-20"), evidence=("report:bishan-park",), **REPORT)
    track = demonstration_of(unit.state)
    assert (
        track.status is DemonstrationStatus.REPORT_SUBMITTED and track.report.outcomes == REPORT["outcomes"]
    )

    unit.do(
        RecordDemonstrationCheck,
        CITY,
        at("2024-11-05"),
        passed=True,
        experts=("赵工", "钱工"),
        reason="现场核实属实",
    )
    track = demonstration_of(unit.state)
    assert (track.status, track.experts, track.check_note) == (
        DemonstrationStatus.CHECK_PASSED,
        ("赵工", "钱工"),
        "现场核实属实",
    )

    unit.do(
        ListAsDemonstration, CITY, at("2024-12-01"), list_title="2024年度示范园区", commendation="通报表扬"
    )
    track = demonstration_of(unit.state)
    assert (track.status, track.list_title, track.commendation) == (
        DemonstrationStatus.LISTED,
        "2024年度示范园区",
        "通报表扬",
    )


def test_the_experts_check_needs_at_least_one_expert_and_a_conclusion():
    unit = park_at_district("92.00")
    unit.do(SubmitDemonstrationReport, DISTRICT, at("2024-09-23"), **REPORT)
    with pytest.raises(InvalidCommand, match="至少 1 名") as refused:
        unit.do(RecordDemonstrationCheck, CITY, at("2024-09-25"), passed=True, experts=(), reason="属实")
    assert refused.value.field == "experts"
    with pytest.raises(InvalidArgument) as refused:
        unit.do(RecordDemonstrationCheck, CITY, at("2024-09-25"), passed=True, experts=("赵工",))
    assert refused.value.field == "reason"


def test_a_check_before_the_report_and_a_listing_without_a_passed_check_are_refused():
    unit = park_at_district("92.00")
    with pytest.raises(RuleViolation, match="ELIGIBLE"):
        unit.do(
            RecordDemonstrationCheck, CITY, at("2024-09-25"), passed=True, experts=("赵工",), reason="属实"
        )
    unit.do(SubmitDemonstrationReport, DISTRICT, at("2024-09-23"), **REPORT)
    with pytest.raises(RuleViolation, match="REPORT_SUBMITTED"):
        unit.do(ListAsDemonstration, CITY, at("2024-09-26"), list_title="示范园区", commendation="通报表扬")


def test_after_a_failed_check_the_district_may_submit_the_report_again():
    unit = park_at_district("92.00")
    unit.do(SubmitDemonstrationReport, DISTRICT, at("2024-09-23"), **REPORT)
    unit.do(
        RecordDemonstrationCheck,
        CITY,
        at("2024-09-25"),
        passed=False,
        experts=("赵工",),
        reason="成效数据不实",
    )
    assert demonstration_of(unit.state).status is DemonstrationStatus.CHECK_FAILED
    with pytest.raises(RuleViolation, match="CHECK_FAILED"):
        unit.do(ListAsDemonstration, CITY, at("2024-09-26"), list_title="示范园区", commendation="通报表扬")
    unit.do(SubmitDemonstrationReport, DISTRICT, at("2024-09-27"), **REPORT)
    assert demonstration_of(unit.state).status is DemonstrationStatus.REPORT_SUBMITTED
