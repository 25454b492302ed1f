"""One test per item of the town rubric (000 附件3 附表), each starting from a perfect sheet (100 points).

"每降低10%扣N分" is linear (DESIGN ruling): N/10 points per percentage point below 100 %.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from zdz_scoring.domain.facts import DiscretionaryDeduction, Finding, FindingKind
from zdz_scoring.domain.rubric import RuleKind
from zdz_scoring.domain.sheet import ScoreSheetResult, Source

Scorer = Callable[..., ScoreSheetResult]  # the `score_town` fixture (conftest.py)


def D(value: str) -> Decimal:
    return Decimal(value)


def test_perfect_town_sheet_scores_100_with_no_deduction(score_town: Scorer) -> None:
    sheet = score_town()
    assert sheet.total == D("100.00")
    assert all(not item.deductions for item in sheet.items)


def test_item_1_household_survey_rate_deducts_1_point_per_10_percent_and_half_a_point_per_info_defect(
    score_town: Scorer,
) -> None:
    # 排查率 87.5 % → 12.5 points short × 0.1 = 1.25; 2 places of missing/distorted information × 0.5 = 1.00.
    # 10 − 1.25 − 1.00 = 7.75
    sheet = score_town(
        household_survey_rate=D("87.5"),
        findings=(Finding(1, FindingKind.INFO_DEFECT, 2, "A、B小区台账缺失"),),
    )
    item = sheet.item(1)
    assert item.points == D("7.75")
    rate, defects = item.deductions
    assert (rate.rule_kind, rate.quantity, rate.points, rate.source) == (
        RuleKind.RATE_SHORTFALL,
        D("12.5"),
        D("1.25"),
        Source.LEDGER,
    )
    assert rate.rule_text == "排查率每降低10%扣1分"
    assert (defects.rule_kind, defects.quantity, defects.points, defects.source) == (
        RuleKind.PER_FINDING,
        2,
        D("1.00"),
        Source.ASSESSOR,
    )
    assert "A、B小区台账缺失" in defects.reason


def test_item_2_pipe_survey_rate_deducts_1_point_per_10_percent_and_half_a_point_per_info_defect(
    score_town: Scorer,
) -> None:
    # 市政管网排查率 95 % → 5 × 0.1 = 0.50; one defect 0.50. 10 − 1.00 = 9.00
    sheet = score_town(
        pipe_survey_rate=D(95), findings=(Finding(2, FindingKind.INFO_DEFECT, 1, "缺管网分布图"),)
    )
    assert sheet.item(2).points == D("9.00")
    assert [line.points for line in sheet.item(2).deductions] == [D("0.50"), D("0.50")]


def test_item_3_facility_survey_rate_deducts_1_point_per_10_percent(score_town: Scorer) -> None:
    # 设施及排污口排查率 80 % → 20 × 0.1 = 2.00. 5 − 2 = 3.00
    sheet = score_town(facility_survey_rate=D(80))
    assert sheet.item(3).points == D("3.00")
    assert sheet.item(3).deductions[0].quantity == D(20)


def test_item_4_discretionary_points_with_reason_plus_1_point_per_contradiction(score_town: Scorer) -> None:
    # 酌情扣分 2.5 (reason given) + 2 contradictions × 1 = 4.50. 10 − 4.5 = 5.50
    sheet = score_town(
        discretionary=(DiscretionaryDeduction(4, D("2.5"), "建设进度安排不合理"),),
        findings=(Finding(4, FindingKind.CONTRADICTION, 2),),
    )
    item = sheet.item(4)
    assert item.points == D("5.50")
    discretionary, contradictions = item.deductions
    assert (discretionary.rule_kind, discretionary.reason, discretionary.points) == (
        RuleKind.DISCRETIONARY,
        "建设进度安排不合理",
        D("2.50"),
    )
    assert (contradictions.rule_text, contradictions.points) == ("存在前后矛盾的，发现一处扣1分", D("2.00"))


def test_item_5_each_missing_list_deducts_2_5_and_contradictions_are_discretionary(
    score_town: Scorer,
) -> None:
    # No task list: 2.5; lists contradict each other, the assessor takes 1 more. 5 − 3.5 = 1.50
    sheet = score_town(
        has_task_list=False,
        discretionary=(DiscretionaryDeduction(5, D(1), "问题清单与任务清单责任单位不一致"),),
    )
    item = sheet.item(5)
    assert item.points == D("1.50")
    assert (item.deductions[0].reason, item.deductions[0].source) == ("台账：缺少任务清单", Source.LEDGER)
    # Both lists missing: 2 × 2.5 = 5 → 0.
    assert score_town(has_problem_list=False, has_task_list=False).item(5).points == D("0.00")


def test_item_6_residential_uses_the_lowest_of_rectification_ledger_self_check_and_typed_sample_rates(
    score_town: Scorer,
) -> None:
    # A sheet naming no sampling plan: the sample rate is typed in; the self-check rate is the ledger's.
    # 问题整改率 95, 自查合格率 90, 抽查样本合格率 85.5 → lowest 85.5: 14.5 × 0.1 = 1.45. 10 − 1.45 = 8.55
    sheet = score_town(
        residential_rectification_rate=D(95),
        residential_self_check_pass_rate=D(90),
        residential_sample_pass_rate=D("85.5"),
    )
    (line,) = sheet.item(6).deductions
    assert sheet.item(6).points == D("8.55")
    assert (line.quantity, line.points, line.source) == (D("14.5"), D("1.45"), Source.ASSESSOR)
    assert "抽查样本合格率 85.5%" in line.reason and "按最低值计" in line.reason


def test_item_7_non_residential_uses_the_lowest_rate_here_the_ledger_rectification_rate(
    score_town: Scorer,
) -> None:
    # 问题整改率 72 (ledger), 自查 100, 抽查 90 → lowest 72: 28 × 0.1 = 2.80. 10 − 2.8 = 7.20
    sheet = score_town(non_residential_rectification_rate=D(72), non_residential_sample_pass_rate=D(90))
    (line,) = sheet.item(7).deductions
    assert sheet.item(7).points == D("7.20")
    assert (line.points, line.source) == (D("2.80"), Source.LEDGER)


def test_item_8_pipe_rectification_rate_deducts_1_point_per_10_percent(score_town: Scorer) -> None:
    # 管网问题整改率 75 % → 25 × 0.1 = 2.50. 12 − 2.5 = 9.50
    assert score_town(pipe_rectification_rate=D(75)).item(8).points == D("9.50")


def test_item_9_facility_rectification_rate_deducts_1_point_per_10_percent_rounded_to_cents(
    score_town: Scorer,
) -> None:
    # 设施问题整改率 33.33 % → 66.67 × 0.1 = 6.667 → 6.67. 8 − 6.67 = 1.33
    sheet = score_town(facility_rectification_rate=D("33.33"))
    assert sheet.item(9).deductions[0].points == D("6.67")
    assert sheet.item(9).points == D("1.33")


def test_item_10_pipe_maintenance_mechanism_is_discretionary(score_town: Scorer) -> None:
    # 运维团队不专业: 1.5 off 5 → 3.50
    sheet = score_town(discretionary=(DiscretionaryDeduction(10, D("1.5"), "运维团队无专业资质"),))
    assert sheet.item(10).points == D("3.50")


def test_item_11_cleaning_and_patrol_records_is_discretionary_up_to_its_4_points(score_town: Scorer) -> None:
    # The whole 4 points (the item maximum) may be taken: 4 − 4 = 0.00
    sheet = score_town(discretionary=(DiscretionaryDeduction(11, D(4), "无化粪池清掏记录，管网淤积明显"),))
    assert sheet.item(11).points == D("0.00")
    assert not sheet.item(11).limit_reached


def test_item_12_each_irregular_permit_deducts_half_a_point(score_town: Scorer) -> None:
    # 3 irregular permits found × 0.5 = 1.50. 5 − 1.5 = 3.50
    sheet = score_town(findings=(Finding(12, FindingKind.IRREGULAR_PERMIT, 3, "3户餐饮未办排水许可"),))
    assert sheet.item(12).points == D("3.50")
    assert sheet.item(12).deductions[0].rule_text == "发现不规范情况的，发现一处扣0.5分"


def test_item_13_facility_operation_is_discretionary(score_town: Scorer) -> None:
    # 3 − 0.75 = 2.25
    sheet = score_town(discretionary=(DiscretionaryDeduction(13, D("0.75"), "自动监测设备间歇故障"),))
    assert sheet.item(13).points == D("2.25")


def test_item_14_outfall_patrol_is_discretionary(score_town: Scorer) -> None:
    # 3 − 3 = 0.00
    sheet = score_town(discretionary=(DiscretionaryDeduction(14, D(3), "无入河排污口巡查记录"),))
    assert sheet.item(14).points == D("0.00")


def test_an_item_whose_deductions_exceed_its_points_is_floored_at_zero(score_town: Scorer) -> None:
    # Item 3 (5 points): rate 60 % → 40 × 0.1 = 4.00, plus 3 defects × 0.5 = 1.50 → 5.50 > 5: 扣完为止 → 0.00.
    # The lines keep their nominal points; the total loses only the item's 5: 100 − 5 = 95.00
    sheet = score_town(facility_survey_rate=D(60), findings=(Finding(3, FindingKind.INFO_DEFECT, 3),))
    item = sheet.item(3)
    assert (item.points, item.deducted, item.limit_reached) == (D("0.00"), D("5.50"), True)
    assert sheet.total == D("95.00")
