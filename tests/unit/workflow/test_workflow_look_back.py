"""回头看 as 000 三（五）words it: on every filed unit, findings become problems with deadlines, the unit reports
them rectified, the city verifies each 到位 or 不到位; "问题频发" and "多次整改不到位" raise a flag naming the rule
(thresholds as versioned data), and only the city orders re-acceptance."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date

import pytest

from tests.unit.workflow.factories import (
    CITY,
    DISTRICT,
    TOWN_OFFICE,
    UnitUnderTest,
    at,
    rules,
    sheet,
    verdict,
    walk,
)
from zdz_common.vocabulary import Stage
from zdz_workflow.domain.commands import (
    DrawForSpotCheck,
    OrderReacceptance,
    RecordLookBackVerdict,
    ReportLookBackRectified,
    StartLookBack,
    StartReacceptance,
    VerifyLookBackRectification,
)
from zdz_workflow.domain.errors import InvalidCommand, OutOfOrder, RuleViolation
from zdz_workflow.domain.events import LookBackFailed, ReacceptanceFlagRaised
from zdz_workflow.domain.findings import FoundBy, finding_codes
from zdz_workflow.domain.look_back import parse_thresholds, thresholds
from zdz_workflow.domain.sheets import SheetKind
from zdz_workflow.domain.stages import DeadlineKind
from zdz_workflow.domain.values import Campaign, Finding, FindingVerification, FlagRule

MIXED_CONNECTION = Finding("沿河路 3 号小区雨污混接", item="附件3 附表 第6项", evidence=("photo:0412",))
BROKEN_PIPE = Finding("解放路 WS-017 段破裂", item="附件3 附表 第3项")


def look_back(
    unit: UnitUnderTest, day: str, total: str, *findings: Finding, rectify_by: date | None = None
) -> list:
    """One 回头看 round on `day`: opened at 09:00, the city's signed sheet recorded at 17:00."""
    unit.do(StartLookBack, CITY, at(day, 9))
    return unit.do(
        RecordLookBackVerdict,
        CITY,
        at(day, 17),
        **verdict(sheet(SheetKind.LOOK_BACK, total, day)),
        findings=findings,
        rectify_by=rectify_by,
    )


def verify(unit: UnitUnderTest, day: str, *, in_place: bool, rectify_by: date | None = None) -> list:
    """The unit reports every open problem rectified, then the city verifies them all alike."""
    unit.do(ReportLookBackRectified, TOWN_OFFICE, at(day, 9))
    lines = tuple(
        FindingVerification(code=p.code, in_place=in_place, note="现场核查")
        for p in unit.state.look_back_problems
        if p.open
    )
    return unit.do(VerifyLookBackRectification, CITY, at(day, 16), verifications=lines, rectify_by=rectify_by)


def test_a_filed_unit_never_drawn_can_be_looked_back_on_and_returns_to_filed():
    unit = walk(UnitUnderTest(), Stage.FILED)

    unit.do(StartLookBack, CITY, at("2024-11-04", 9))
    assert unit.state.stage is Stage.LOOK_BACK
    unit.do(
        RecordLookBackVerdict,
        CITY,
        at("2024-11-04", 17),
        **verdict(sheet(SheetKind.LOOK_BACK, "91.00", "2024-11-04")),
    )

    assert unit.state.stage is Stage.FILED  # still awaiting its spot-check round
    assert unit.state.look_back_round == 1


def test_an_accepted_unit_returns_to_accepted_after_its_look_back():
    unit = walk(UnitUnderTest(), Stage.ACCEPTED)
    look_back(unit, "2025-05-12", "88.00")
    assert unit.state.stage is Stage.ACCEPTED


def test_a_look_back_cannot_start_on_a_unit_under_spot_check():
    unit = walk(UnitUnderTest(), Stage.FILED)
    unit.do(DrawForSpotCheck, CITY, at("2024-11-01"), draw_id="draw-1", evidence=("draw-1", "seed=7"))
    assert unit.state.spot_check_draw_id == "draw-1"

    with pytest.raises(OutOfOrder, match="「备案」、「验收通过」阶段") as refused:
        unit.do(StartLookBack, CITY, at("2024-11-04"))
    assert "000 三（五）" in refused.value.rule


def test_look_back_findings_become_problems_under_the_registrys_codes_with_the_deadline():
    unit = walk(UnitUnderTest(), Stage.ACCEPTED)
    [failed] = look_back(
        unit, "2025-05-12", "76.00", MIXED_CONNECTION, BROKEN_PIPE, rectify_by=date(2025, 6, 30)
    )

    assert isinstance(failed, LookBackFailed) and not failed.reacceptance
    codes = finding_codes(FoundBy.LOOK_BACK, "2024", failed.request_id, 2)
    problems = unit.state.look_back_problems
    assert [(p.code, p.description, p.round, p.rectify_by) for p in problems] == [
        (codes[0], MIXED_CONNECTION.description, 1, date(2025, 6, 30)),
        (codes[1], BROKEN_PIPE.description, 1, date(2025, 6, 30)),
    ]
    assert unit.state.deadline(DeadlineKind.LOOK_BACK_RECTIFICATION).due_on == date(2025, 6, 30)
    assert unit.state.sheets[-1] == failed.sheet  # the sheet is the verdict's record
    assert unit.state.stage is Stage.ACCEPTED


def test_a_look_back_sheet_below_the_pass_mark_needs_its_findings():
    unit = walk(UnitUnderTest(), Stage.ACCEPTED)
    unit.do(StartLookBack, CITY, at("2025-05-12", 9))
    with pytest.raises(InvalidCommand, match="须列明发现的问题"):
        unit.do(
            RecordLookBackVerdict,
            CITY,
            at("2025-05-12", 17),
            **verdict(sheet(SheetKind.LOOK_BACK, "70.00", "2025-05-12")),
        )


def test_a_look_back_takes_only_a_municipal_look_back_sheet():
    unit = walk(UnitUnderTest(), Stage.ACCEPTED)
    unit.do(StartLookBack, CITY, at("2025-05-12", 9))
    with pytest.raises(RuleViolation, match="回头看评分表") as refused:
        unit.do(
            RecordLookBackVerdict,
            CITY,
            at("2025-05-12", 17),
            **verdict(sheet(SheetKind.SPOT_CHECK, "90.00", "2025-05-12")),
        )
    assert "000 三（五）" in refused.value.rule


def test_a_look_back_verdict_without_a_sheet_is_refused():
    unit = walk(UnitUnderTest(), Stage.ACCEPTED)
    unit.do(StartLookBack, CITY, at("2025-05-12", 9))
    with pytest.raises(InvalidCommand, match="尚未从评分服务读取"):
        unit.do(RecordLookBackVerdict, CITY, at("2025-05-12", 17), sheet_id="sheet-x")


def test_two_failed_look_backs_no_longer_order_re_acceptance_they_flag_frequent_problems():
    unit = walk(UnitUnderTest(), Stage.ACCEPTED)
    look_back(unit, "2025-05-12", "76.00", MIXED_CONNECTION, rectify_by=date(2025, 6, 30))
    assert unit.state.flags == ()

    second = look_back(unit, "2025-09-15", "75.00", BROKEN_PIPE, rectify_by=date(2025, 10, 31))

    assert unit.state.stage is Stage.ACCEPTED  # not automatic: the city decides
    [raised] = [e for e in second if isinstance(e, ReacceptanceFlagRaised)]
    assert raised.flag.rule is FlagRule.RECURRING_PROBLEMS
    assert raised.flag.rule_id == "look-back-2024.recurring-problems"
    assert raised.flag.rule_text == thresholds().of(FlagRule.RECURRING_PROBLEMS).text
    assert "连续 2 轮" in raised.flag.reason and raised.reason.startswith("问题频发")
    assert unit.state.flags == (raised.flag,)


def test_findings_in_two_consecutive_rounds_flag_frequent_problems_even_on_passing_sheets():
    unit = walk(UnitUnderTest(), Stage.ACCEPTED)
    look_back(unit, "2025-05-12", "86.00", MIXED_CONNECTION, rectify_by=date(2025, 6, 30))
    look_back(unit, "2025-09-15", "84.00", BROKEN_PIPE, rectify_by=date(2025, 10, 31))
    assert [f.rule for f in unit.state.flags] == [FlagRule.RECURRING_PROBLEMS]


def test_a_round_without_findings_breaks_the_run_of_rounds_with_problems():
    unit = walk(UnitUnderTest(), Stage.ACCEPTED)
    look_back(unit, "2025-05-12", "76.00", MIXED_CONNECTION, rectify_by=date(2025, 6, 30))
    look_back(unit, "2025-09-15", "92.00")
    look_back(unit, "2026-03-16", "77.00", BROKEN_PIPE, rectify_by=date(2026, 4, 30))
    assert unit.state.flags == ()
    assert unit.state.consecutive_rounds_with_findings == 1


def test_the_unit_reports_its_problems_rectified_and_the_city_verifies_each_in_place():
    unit = walk(UnitUnderTest(), Stage.ACCEPTED)
    look_back(unit, "2025-05-12", "76.00", MIXED_CONNECTION, BROKEN_PIPE, rectify_by=date(2025, 6, 30))

    unit.do(ReportLookBackRectified, TOWN_OFFICE, at("2025-06-20", 9))
    assert all(p.reported_rectified for p in unit.state.look_back_problems)
    assert unit.state.deadline(DeadlineKind.LOOK_BACK_RECTIFICATION) is not None  # until the city verifies

    first, second = (p.code for p in unit.state.look_back_problems)
    unit.do(
        VerifyLookBackRectification,
        CITY,
        at("2025-06-25"),
        verifications=(FindingVerification(first, True), FindingVerification(second, True)),
    )
    assert all(p.in_place is True for p in unit.state.look_back_problems)
    assert unit.state.deadline(DeadlineKind.LOOK_BACK_RECTIFICATION) is None  # all 到位 closes it


def test_not_in_place_needs_a_new_deadline_and_sends_the_problem_back_to_the_unit():
    unit = walk(UnitUnderTest(), Stage.ACCEPTED)
    look_back(unit, "2025-05-12", "76.00", MIXED_CONNECTION, rectify_by=date(2025, 6, 30))
    unit.do(ReportLookBackRectified, TOWN_OFFICE, at("2025-06-20", 9))
    code = unit.state.look_back_problems[0].code
    with pytest.raises(InvalidCommand, match="须给出限期整改的日期"):
        unit.do(
            VerifyLookBackRectification,
            CITY,
            at("2025-06-25"),
            verifications=(FindingVerification(code, False),),
        )

    unit.do(
        VerifyLookBackRectification,
        CITY,
        at("2025-06-25"),
        verifications=(FindingVerification(code, False, "仍有混接"),),
        rectify_by=date(2025, 8, 31),
    )
    [problem] = unit.state.look_back_problems
    assert (problem.in_place, problem.reported_rectified, problem.not_in_place_count) == (False, False, 1)
    assert unit.state.deadline(DeadlineKind.LOOK_BACK_RECTIFICATION).due_on == date(2025, 8, 31)
    assert unit.state.flags == ()  # once is not 多次


def test_the_city_verifies_only_problems_the_unit_reported_rectified():
    unit = walk(UnitUnderTest(), Stage.ACCEPTED)
    look_back(unit, "2025-05-12", "76.00", MIXED_CONNECTION, rectify_by=date(2025, 6, 30))
    code = unit.state.look_back_problems[0].code
    with pytest.raises(RuleViolation, match="尚未申报整改完成"):
        unit.do(
            VerifyLookBackRectification,
            CITY,
            at("2025-06-25"),
            verifications=(FindingVerification(code, True),),
        )
    with pytest.raises(InvalidCommand, match="没有编号为「LOOK_BACK-x」"):
        unit.do(
            VerifyLookBackRectification,
            CITY,
            at("2025-06-25"),
            verifications=(FindingVerification("LOOK_BACK-x", True),),
        )


def test_nothing_to_report_rectified_without_open_problems():
    unit = walk(UnitUnderTest(), Stage.ACCEPTED)
    look_back(unit, "2025-05-12", "95.00")
    with pytest.raises(RuleViolation, match="没有待整改的回头看问题"):
        unit.do(ReportLookBackRectified, TOWN_OFFICE, at("2025-06-20"))


def test_rectification_verified_not_in_place_twice_flags_repeated_failed_rectification_once():
    unit = walk(UnitUnderTest(), Stage.ACCEPTED)
    look_back(unit, "2025-05-12", "76.00", MIXED_CONNECTION, rectify_by=date(2025, 6, 30))
    verify(unit, "2025-06-25", in_place=False, rectify_by=date(2025, 8, 31))
    second = verify(unit, "2025-08-25", in_place=False, rectify_by=date(2025, 10, 31))

    [raised] = [e for e in second if isinstance(e, ReacceptanceFlagRaised)]
    assert raised.flag.rule is FlagRule.REPEATED_FAILED_RECTIFICATION
    assert raised.flag.rule_id == "look-back-2024.repeated-failed-rectification"
    assert "2 次不到位" in raised.flag.reason
    assert unit.state.stage is Stage.ACCEPTED

    third = verify(unit, "2025-10-27", in_place=False, rectify_by=date(2025, 12, 31))
    assert not any(isinstance(e, ReacceptanceFlagRaised) for e in third)  # raised once in the campaign


def test_re_acceptance_is_ordered_by_the_city_on_a_raised_flag_with_its_reason():
    unit = walk(UnitUnderTest(), Stage.ACCEPTED)
    look_back(unit, "2025-05-12", "76.00", MIXED_CONNECTION, rectify_by=date(2025, 6, 30))
    with pytest.raises(RuleViolation, match="未对该单元提示「问题频发」") as refused:
        unit.do(OrderReacceptance, CITY, at("2025-06-01"), rule=FlagRule.RECURRING_PROBLEMS, reason="决定")
    assert refused.value.rule == "000 三（五）"
    verify(unit, "2025-06-25", in_place=False, rectify_by=date(2025, 8, 31))
    verify(unit, "2025-08-25", in_place=False, rectify_by=date(2025, 10, 31))

    with pytest.raises(InvalidCommand, match="须写明市级工作专班的决定"):
        unit.do(OrderReacceptance, CITY, at("2025-09-01"), rule=FlagRule.REPEATED_FAILED_RECTIFICATION)
    unit.do(
        OrderReacceptance,
        CITY,
        at("2025-09-01"),
        rule=FlagRule.REPEATED_FAILED_RECTIFICATION,
        reason="市级工作专班决定：多次整改不到位，重新实施建设验收",
        evidence=("渝零直排专班〔2025〕12号",),
    )
    assert unit.state.stage is Stage.REACCEPTANCE

    unit.do(StartReacceptance, DISTRICT, at("2025-09-10"), campaign=Campaign(name="2025-重新验收"))
    state = unit.state
    assert state.stage is Stage.RECTIFICATION
    assert (state.flags, state.look_back_problems, state.not_in_place_verifications) == ((), (), 0)


def test_the_thresholds_are_data_and_a_process_counts_by_the_ones_it_was_given():
    loaded = thresholds("2024")
    assert loaded.version == "2024"
    assert {t.rule_id for t in loaded.rules} == {
        "look-back-2024.recurring-problems",
        "look-back-2024.repeated-failed-rectification",
    }
    assert "两轮" in loaded.of(FlagRule.RECURRING_PROBLEMS).text

    three = replace(
        loaded,
        rules=tuple(
            replace(t, count=3) if t.rule is FlagRule.RECURRING_PROBLEMS else t for t in loaded.rules
        ),
    )
    unit = walk(UnitUnderTest(rules(look_back_thresholds=three)), Stage.ACCEPTED)
    look_back(unit, "2025-05-12", "76.00", MIXED_CONNECTION, rectify_by=date(2025, 6, 30))
    look_back(unit, "2025-09-15", "75.00", BROKEN_PIPE, rectify_by=date(2025, 10, 31))
    assert unit.state.flags == ()
    look_back(unit, "2026-03-16", "77.00", BROKEN_PIPE, rectify_by=date(2026, 4, 30))
    assert [f.rule for f in unit.state.flags] == [FlagRule.RECURRING_PROBLEMS]


def test_thresholds_must_name_each_rule_once():
    with pytest.raises(Exception, match="须为每条规则各给出一个阈值"):
        parse_thresholds(
            'version = "x"\nsource = "s"\n[[rule]]\nid = "a"\nflag = "RECURRING_PROBLEMS"\nterm = "t"\n'
            'text = "t"\ncount = 2\n'
        )


def test_a_look_back_verdict_typed_in_before_sheets_replays_the_old_automatic_way():
    # Update arguments recorded before issue 11 carry `passed` and no sheet; their histories must replay.
    unit = walk(UnitUnderTest(), Stage.ACCEPTED)
    for day, rectify_by in (("2025-05-12", date(2025, 6, 30)), ("2025-09-15", date(2025, 10, 31))):
        unit.do(StartLookBack, CITY, at(day, 9))
        unit.send(
            RecordLookBackVerdict(
                actor=CITY,
                request_id=str(uuid.uuid4()),
                at=at(day, 17),
                passed=False,
                findings=(MIXED_CONNECTION,),
                rectify_by=rectify_by,
            )
        )
    assert unit.state.stage is Stage.REACCEPTANCE
    assert unit.state.look_back_problems == ()
