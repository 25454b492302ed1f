"""One test per item of the park rubric (000 附件4 附表), each starting from a perfect sheet (100 points).

Park sheets are applied for on 2025-06-30 (conftest), so the one-year window is 2024-06-30 … 2025-06-29, and
the perfect sheet holds its yearly emergency drill on 2025-03-01.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from zdz_scoring.domain.facts import DatedEvent, DiscretionaryDeduction, EventKind, Finding, FindingKind
from zdz_scoring.domain.rubric import RuleKind
from zdz_scoring.domain.sheet import ScoreSheetResult, Source

Scorer = Callable[..., ScoreSheetResult]  # the `score_park` fixture (conftest.py)
DRILL = DatedEvent(13, EventKind.EMERGENCY_DRILL, date(2025, 3, 1))


def D(value: str) -> Decimal:
    return Decimal(value)


def test_perfect_park_sheet_scores_100_and_may_submit_a_summary_report(score_park: Scorer) -> None:
    sheet = score_park()
    assert (sheet.subtotal, sheet.penalty, sheet.total) == (D("100.00"), D("0.00"), D("100.00"))
    assert sheet.may_submit_summary_report


def test_item_1_source_household_survey_rate_deducts_1_point_per_10_percent_and_half_a_point_per_info_defect(
    score_park: Scorer,
) -> None:
    # 源头排水户排查率 91 % → 9 × 0.1 = 0.90; one defect 0.50. 8 − 1.40 = 6.60
    sheet = score_park(household_survey_rate=D(91), findings=(Finding(1, FindingKind.INFO_DEFECT, 1),))
    assert sheet.item(1).points == D("6.60")
    assert sheet.item(1).deductions[0].rule_text == "排查率每降低10%,扣1分"


def test_item_2_each_unreported_pipe_problem_point_deducts_1_and_each_unclear_description_half(
    score_park: Scorer,
) -> None:
    # 2 problem points not reported × 1 + 3 unclear descriptions × 0.5 = 3.50. 8 − 3.5 = 4.50
    sheet = score_park(
        findings=(
            Finding(2, FindingKind.UNREPORTED_PROBLEM_POINT, 2, "3号路雨污混接点未入表"),
            Finding(2, FindingKind.UNCLEAR_DESCRIPTION, 3),
        )
    )
    assert sheet.item(2).points == D("4.50")
    assert [(line.quantity, line.points) for line in sheet.item(2).deductions] == [
        (2, D("2.00")),
        (3, D("1.50")),
    ]


def test_item_3_each_unreported_facility_problem_point_deducts_1_and_each_unclear_description_half(
    score_park: Scorer,
) -> None:
    # 1 × 1 + 1 × 0.5 = 1.50. 8 − 1.5 = 6.50
    sheet = score_park(
        findings=(
            Finding(3, FindingKind.UNREPORTED_PROBLEM_POINT, 1),
            Finding(3, FindingKind.UNCLEAR_DESCRIPTION, 1),
        )
    )
    assert sheet.item(3).points == D("6.50")


def test_item_4_each_unmatched_ledger_entry_and_each_contradiction_found_deducts_1(
    score_park: Scorer,
) -> None:
    # Ledger: 2 problem points without their task (一一对应 broken); assessor: 1 contradiction. 3 × 1 = 3 → 5.00
    sheet = score_park(unmatched_list_entries=2, findings=(Finding(4, FindingKind.CONTRADICTION, 1),))
    ledger, assessor = sheet.item(4).deductions
    assert sheet.item(4).points == D("5.00")
    assert (ledger.source, ledger.quantity, assessor.source) == (Source.LEDGER, 2, Source.ASSESSOR)


def test_item_4_a_list_never_established_takes_the_whole_item(score_park: Scorer) -> None:
    # No task list: the item's 考核内容 is 建立问题清单、任务清单, so the item earns nothing (8 − 8 = 0).
    sheet = score_park(has_task_list=False)
    assert sheet.item(4).points == D("0.00")
    assert sheet.item(4).deductions[0].rule_kind is RuleKind.MISSING_LIST


def test_item_5_plan_is_discretionary_plus_1_point_per_contradiction(score_park: Scorer) -> None:
    # 酌情 3 + 1 contradiction × 1 = 4. 8 − 4 = 4.00
    sheet = score_park(
        discretionary=(DiscretionaryDeduction(5, D(3), "一园一策未明确责任分工"),),
        findings=(Finding(5, FindingKind.CONTRADICTION, 1),),
    )
    assert sheet.item(5).points == D("4.00")


def test_item_6_source_household_rectification_rate_deducts_1_point_per_10_percent(
    score_park: Scorer,
) -> None:
    # 整改率 85 % → 15 × 0.1 = 1.50. 10 − 1.5 = 8.50
    assert score_park(source_household_rectification_rate=D(85)).item(6).points == D("8.50")


def test_item_7_pipe_rectification_rate_deducts_1_5_points_per_10_percent(score_park: Scorer) -> None:
    # 整改率 85 % → 15 × 0.15 = 2.25. 15 − 2.25 = 12.75
    sheet = score_park(pipe_rectification_rate=D(85))
    assert sheet.item(7).deductions[0].points == D("2.25")
    assert sheet.item(7).points == D("12.75")


def test_item_8_facility_rectification_rate_deducts_1_5_points_per_10_percent(score_park: Scorer) -> None:
    # 整改率 50 % → 50 × 0.15 = 7.50. 15 − 7.5 = 7.50
    assert score_park(facility_rectification_rate=D(50)).item(8).points == D("7.50")


def test_item_9_permit_rate_deducts_1_point_per_2_percentage_points_and_1_per_enterprise_not_monitoring(
    score_park: Scorer,
) -> None:
    # 排污许可证发放率 97 % → 3 points short × (1 / 2) = 1.50; 1 enterprise not monitoring × 1 = 1. 4 − 2.5 = 1.50
    sheet = score_park(
        permit_issuance_rate=D(97),
        findings=(Finding(9, FindingKind.PERMIT_DUTIES_NOT_PERFORMED, 1, "某化工企业未按证开展自行监测"),),
    )
    permits, enterprise = sheet.item(9).deductions
    assert (permits.quantity, permits.points) == (D(3), D("1.50"))
    assert enterprise.points == D("1.00")
    assert sheet.item(9).points == D("1.50")


def test_item_10_each_of_the_three_maintenance_conditions_deducts_1_point(score_park: Scorer) -> None:
    # 档案不完善 1 + 责任不明晰 1 = 2 → 4 − 2 = 2.00; all three → 4 − 3 = 1.00
    two = (
        Finding(10, FindingKind.PIPE_ARCHIVE_INCOMPLETE),
        Finding(10, FindingKind.MAINTENANCE_RESPONSIBILITY_UNCLEAR),
    )
    assert score_park(findings=two).item(10).points == D("2.00")
    three = (*two, Finding(10, FindingKind.MAINTENANCE_NOT_ENFORCED))
    sheet = score_park(findings=three)
    assert sheet.item(10).points == D("1.00")
    assert {line.rule_kind for line in sheet.item(10).deductions} == {RuleKind.CONDITION}


def test_item_11_facility_operation_is_discretionary(score_park: Scorer) -> None:
    # 4 − 2.5 = 1.50
    sheet = score_park(discretionary=(DiscretionaryDeduction(11, D("2.5"), "出水超标2次"),))
    assert sheet.item(11).points == D("1.50")


def test_item_12_outfall_patrol_is_discretionary(score_park: Scorer) -> None:
    # 4 − 1 = 3.00
    sheet = score_park(discretionary=(DiscretionaryDeduction(12, D(1), "巡查记录不详"),))
    assert sheet.item(12).points == D("3.00")


def test_item_13_no_plan_one_mishandled_incident_and_no_drill_in_the_window_deduct_1_each(
    score_park: Scorer,
) -> None:
    # No valid emergency plan: 1; an incident handled badly (counted whatever its date: no window is named): 1;
    # no drill between 2024-06-30 and 2025-06-29: 1 missing × 1. 4 − 3 = 1.00
    sheet = score_park(
        findings=(Finding(13, FindingKind.NO_EMERGENCY_PLAN),),
        events=(DatedEvent(13, EventKind.INCIDENT_MISHANDLED, date(2023, 5, 10), "管网破损溢漏处置迟缓"),),
    )
    item = sheet.item(13)
    assert item.points == D("1.00")
    assert [line.rule_kind for line in item.deductions] == [
        RuleKind.CONDITION,
        RuleKind.PER_EVENT,
        RuleKind.EVENT_SHORTFALL,
    ]
    assert "2024-06-30至2025-06-29" in item.deductions[2].reason


def test_item_13_a_drill_held_in_the_window_avoids_the_drill_deduction(score_park: Scorer) -> None:
    # The default sheet holds its drill on 2025-03-01: nothing missing, 4.00.
    assert score_park(events=(DRILL,)).item(13).points == D("4.00")


def test_item_14_each_media_exposure_in_the_window_takes_5_points_off_the_total(score_park: Scorer) -> None:
    # One 市级以上媒体曝光 on 2025-01-15: −5. The 100-point sum stays 100; total 100 − 5 = 95.00
    sheet = score_park(
        events=(DRILL, DatedEvent(14, EventKind.MEDIA_EXPOSURE, date(2025, 1, 15), "某报曝光偷排"))
    )
    item = sheet.item(14)
    assert (item.points, item.penalty) == (D("-5.00"), True)
    assert (sheet.subtotal, sheet.penalty, sheet.total) == (D("100.00"), D("5.00"), D("95.00"))


def test_item_14_a_warning_film_notice_takes_the_full_10_points(score_park: Scorer) -> None:
    # 国家长江经济带生态环境警示片通报: 10. 100 − 10 = 90.00
    sheet = score_park(events=(DRILL, DatedEvent(14, EventKind.WARNING_FILM, date(2024, 12, 1))))
    assert sheet.total == D("90.00")
