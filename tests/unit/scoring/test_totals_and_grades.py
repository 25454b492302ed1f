"""Totals, grades and what a score allows (000 附件3/附件4 三(一)(二), 001 四), the penalty item's cap and
its one-year window (000 附件4 附表 item 14 and 注)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest

from zdz_common.vocabulary import Grade
from zdz_scoring.domain.facts import DatedEvent, DiscretionaryDeduction, EventKind
from zdz_scoring.domain.sheet import ScoreSheetResult, SheetKind
from zdz_scoring.domain.window import Window

Scorer = Callable[..., ScoreSheetResult]  # the `score_town` / `score_park` fixtures (conftest.py)
DRILL = DatedEvent(13, EventKind.EMERGENCY_DRILL, date(2025, 3, 1))


def D(value: str) -> Decimal:
    return Decimal(value)


def take(item: int, points: str) -> DiscretionaryDeduction:
    return DiscretionaryDeduction(item, D(points), "测试用酌情扣分")


def event(kind: EventKind, day: date, item: int = 14) -> DatedEvent:
    return DatedEvent(item, kind, day, "")


def test_town_section_subtotals_add_up_to_the_total(score_town: Scorer) -> None:
    # 基础工作 40 − 2.5 (item 4) = 37.5; 项目建设 40 − 2.5 (item 8 at 75 %) = 37.5; 长效 20 − 1 (item 10) = 19
    sheet = score_town(pipe_rectification_rate=D(75), discretionary=(take(4, "2.5"), take(10, "1")))
    assert [(s.name, s.points) for s in sheet.sections] == [
        ("基础工作", D("37.50")),
        ("项目建设", D("37.50")),
        ("长效监管机制", D("19.00")),
    ]
    assert sheet.total == D("94.00")


def test_town_total_of_exactly_90_is_excellent(score_town: Scorer) -> None:
    # 100 − 10 (item 4, all of it) = 90.00 → 优秀
    sheet = score_town(discretionary=(take(4, "10"),))
    assert (sheet.total, sheet.grade, sheet.may_apply_for_acceptance) == (D("90.00"), Grade.EXCELLENT, True)
    assert not sheet.may_submit_summary_report  # only park groups (001)


def test_town_total_just_below_90_passes(score_town: Scorer) -> None:
    # 100 − 10 − 0.01 (item 1 at 99.9 %: 0.1 × 0.1) = 89.99 → 合格
    sheet = score_town(household_survey_rate=D("99.9"), discretionary=(take(4, "10"),))
    assert (sheet.total, sheet.grade) == (D("89.99"), Grade.PASS)


def test_town_total_of_exactly_80_passes_and_may_apply_for_acceptance(score_town: Scorer) -> None:
    # 100 − 10 (item 4) − 10 (item 8 at 0 %: 100 × 0.1) = 80.00 → 合格, may apply (000 附件3 三(二)1)
    sheet = score_town(pipe_rectification_rate=D(0), discretionary=(take(4, "10"),))
    assert sheet.item(8).points == D("2.00")
    assert (sheet.total, sheet.grade, sheet.may_apply_for_acceptance) == (D("80.00"), Grade.PASS, True)


def test_town_total_just_below_80_fails_and_may_not_apply(score_town: Scorer) -> None:
    # 80.00 − 0.01 (item 1 at 99.9 %) = 79.99 → 不合格
    sheet = score_town(
        pipe_rectification_rate=D(0), household_survey_rate=D("99.9"), discretionary=(take(4, "10"),)
    )
    assert (sheet.total, sheet.grade, sheet.may_apply_for_acceptance) == (D("79.99"), Grade.FAIL, False)


def test_park_total_of_exactly_90_after_the_penalty_is_excellent_and_may_submit_a_summary_report(
    score_park: Scorer,
) -> None:
    # 100 − 5 (item 5) = 95 subtotal; one 督办约谈 in the window −5 → 90.00: 优秀, summary report allowed (001)
    sheet = score_park(
        discretionary=(take(5, "5"),),
        events=(DRILL, event(EventKind.SUPERVISION_INTERVIEW, date(2024, 9, 1))),
    )
    assert (sheet.subtotal, sheet.penalty, sheet.total) == (D("95.00"), D("5.00"), D("90.00"))
    assert (sheet.grade, sheet.may_apply_for_acceptance, sheet.may_submit_summary_report) == (
        Grade.EXCELLENT,
        True,
        True,
    )


def test_park_total_just_below_90_may_apply_but_not_submit_a_summary_report(score_park: Scorer) -> None:
    # 100 − 10.01 (item 5: 5; item 11: 4; item 12: 1.01) = 89.99 → 合格
    sheet = score_park(discretionary=(take(5, "5"), take(11, "4"), take(12, "1.01")))
    assert (sheet.total, sheet.grade) == (D("89.99"), Grade.PASS)
    assert sheet.may_apply_for_acceptance and not sheet.may_submit_summary_report


def test_park_penalty_is_capped_at_10_and_a_total_of_exactly_80_passes(score_park: Scorer) -> None:
    # Subtotal 100 − 10 (item 5: 8, item 11: 2) = 90. Three 5-point events = 15, capped at 10 → 80.00, 合格.
    sheet = score_park(
        discretionary=(take(5, "8"), take(11, "2")),
        events=(
            DRILL,
            event(EventKind.MEDIA_EXPOSURE, date(2024, 8, 1)),
            event(EventKind.REPEATED_COMPLAINTS, date(2024, 10, 1)),
            event(EventKind.SERIOUS_POLLUTION, date(2025, 2, 1)),
        ),
    )
    item = sheet.item(14)
    assert (item.deducted, item.points, item.limit_reached) == (D("15.00"), D("-10.00"), True)
    assert (sheet.subtotal, sheet.penalty, sheet.total) == (D("90.00"), D("10.00"), D("80.00"))
    assert (sheet.grade, sheet.may_apply_for_acceptance) == (Grade.PASS, True)


def test_park_penalty_is_applied_after_the_section_subtotals(score_park: Scorer) -> None:
    # A warning-film notice (−10) leaves every section whole: 40 / 40 / 20, total 90.
    sheet = score_park(events=(DRILL, event(EventKind.WARNING_FILM, date(2025, 1, 1))))
    assert [s.points for s in sheet.sections] == [D("40.00"), D("40.00"), D("20.00")]
    assert sheet.total == D("90.00")


@pytest.mark.parametrize(
    ("day", "counted"),
    [
        (date(2024, 6, 29), False),  # one day before the window: 366 days before applying
        (date(2024, 6, 30), True),  # the corresponding day one year earlier: first day of the window
        (date(2025, 6, 29), True),  # the day before applying: last day of the window
        (date(2025, 6, 30), False),  # the application day itself does not count (Civil Code art. 201)
    ],
)
def test_park_penalty_counts_events_only_in_the_year_before_the_application_date(
    score_park: Scorer, day: date, counted: bool
) -> None:
    # Applying on 2025-06-30: the window is 2024-06-30 … 2025-06-29. One 约谈 inside: −5 → 95; outside: 100.
    sheet = score_park(events=(DRILL, event(EventKind.SUPERVISION_INTERVIEW, day)))
    assert sheet.total == (D("95.00") if counted else D("100.00"))
    assert bool(sheet.item(14).notes) is not counted  # an event left out is noted, not dropped silently


def test_item_13_drill_just_outside_the_window_does_not_count(score_park: Scorer) -> None:
    # A drill on 2024-06-29 is one day too early: 1 drill missing → 4 − 1 = 3.00, and the drill is noted.
    sheet = score_park(events=(event(EventKind.EMERGENCY_DRILL, date(2024, 6, 29), item=13),))
    assert sheet.item(13).points == D("3.00")
    assert "2024-06-29" in sheet.item(13).notes[0]


def test_window_before_29_february_starts_on_28_february() -> None:
    # Applying on 2024-02-29: no 2023-02-29, so the year runs 2023-02-28 … 2024-02-28 (Civil Code art. 202).
    window = Window.before(date(2024, 2, 29), years=1)
    assert (window.first, window.last) == (date(2023, 2, 28), date(2024, 2, 28))


def test_the_sheet_records_its_kind(score_town: Scorer) -> None:
    sheet = score_town(sheet_kind=SheetKind.SPOT_CHECK)
    assert (sheet.sheet_kind, sheet.sheet_kind.label) == (SheetKind.SPOT_CHECK, "市级抽查")
    assert [kind.label for kind in SheetKind] == ["自查", "区县验收", "市级抽查", "复核", "回头看"]
