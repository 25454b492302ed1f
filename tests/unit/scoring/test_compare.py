"""`compare`: where two sheets of one rubric differ, item by item, and which deductions explain it."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from zdz_common.vocabulary import Grade
from zdz_scoring.domain.compare import compare
from zdz_scoring.domain.errors import InvalidInput
from zdz_scoring.domain.facts import DiscretionaryDeduction, Finding, FindingKind
from zdz_scoring.domain.sheet import ScoreSheetResult, SheetKind

Scorer = Callable[..., ScoreSheetResult]  # the `score_town` / `score_park` fixtures (conftest.py)


def D(value: str) -> Decimal:
    return Decimal(value)


def test_two_identical_sheets_have_no_difference(score_town: Scorer) -> None:
    comparison = compare(score_town(sheet_kind=SheetKind.SELF_CHECK), score_town())
    assert comparison.identical and comparison.items == ()


def test_self_check_against_district_acceptance_lists_each_differing_item_with_its_deductions(
    score_town: Scorer,
) -> None:
    # The town's self-check finds nothing: 100.
    self_check = score_town(sheet_kind=SheetKind.SELF_CHECK)
    # The district team finds household survey at 92 % (8 × 0.1 = 0.8 off item 1) and takes 3 off item 4
    # for a thin plan: 100 − 0.8 − 3 = 96.20. Item 8 is the same on both sheets and is not listed.
    acceptance = score_town(
        household_survey_rate=D(92),
        discretionary=(DiscretionaryDeduction(4, D(3), "一镇一策措施针对性不强"),),
    )
    comparison = compare(self_check, acceptance)
    assert (comparison.total_a, comparison.total_b) == (D("100.00"), D("96.20"))
    assert (comparison.grade_a, comparison.grade_b) == (Grade.EXCELLENT, Grade.EXCELLENT)
    assert [(i.number, i.points_a, i.points_b, i.change) for i in comparison.items] == [
        (1, D("10.00"), D("9.20"), D("-0.80")),
        (4, D("10.00"), D("7.00"), D("-3.00")),
    ]
    (rule,) = comparison.items[1].rules
    assert (rule.rule_index, rule.a, [line.reason for line in rule.b]) == (1, (), ["一镇一策措施针对性不强"])


def test_the_same_rule_with_different_quantities_is_shown_side_by_side(score_park: Scorer) -> None:
    # Item 2: 1 unreported point on sheet A, 3 on sheet B; the unclear-description rule agrees (1 each).
    unclear = Finding(2, FindingKind.UNCLEAR_DESCRIPTION, 1)
    a = score_park(findings=(Finding(2, FindingKind.UNREPORTED_PROBLEM_POINT, 1), unclear))
    b = score_park(findings=(unclear, Finding(2, FindingKind.UNREPORTED_PROBLEM_POINT, 3)))
    (item,) = compare(a, b).items
    (rule,) = item.rules
    assert rule.rule_text == "每漏报1个问题点位,扣1分"
    assert ([line.quantity for line in rule.a], [line.quantity for line in rule.b]) == ([1], [3])
    # 8 − 1 − 0.5 = 6.50 against 8 − 3 − 0.5 = 4.50
    assert (item.points_a, item.points_b) == (D("6.50"), D("4.50"))


def test_the_order_in_which_deductions_were_entered_is_not_a_difference(score_park: Scorer) -> None:
    first = Finding(2, FindingKind.UNREPORTED_PROBLEM_POINT, 1, "甲处")
    second = Finding(2, FindingKind.UNREPORTED_PROBLEM_POINT, 1, "乙处")
    assert compare(score_park(findings=(first, second)), score_park(findings=(second, first))).identical


def test_sheets_on_different_rubrics_cannot_be_compared(score_town: Scorer, score_park: Scorer) -> None:
    with pytest.raises(InvalidInput):
        compare(score_town(), score_park())
