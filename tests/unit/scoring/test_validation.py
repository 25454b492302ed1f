"""Every input a sheet cannot be scored with is refused with an error naming the field (and the item):
nothing is computed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from zdz_scoring.domain.errors import InvalidInput
from zdz_scoring.domain.facts import (
    AssessorEntries,
    DatedEvent,
    DiscretionaryDeduction,
    EventKind,
    Finding,
    FindingKind,
    UnitFacts,
)
from zdz_scoring.domain.sheet import ScoreSheetResult

Scorer = Callable[..., ScoreSheetResult]  # the `score_town` / `score_park` fixtures (conftest.py)
FLOAT_RATE: Any = 87.5  # what a careless client might send
NO_DATE: Any = None


def refused(scorer: Scorer, **changes: Any) -> InvalidInput:
    with pytest.raises(InvalidInput) as raised:
        scorer(**changes)
    return raised.value


@pytest.mark.parametrize("rate", [Decimal("100.01"), Decimal("-0.5")])
def test_a_ledger_rate_outside_0_to_100_is_refused(rate: Decimal) -> None:
    with pytest.raises(InvalidInput) as raised:
        UnitFacts(pipe_survey_rate=rate)
    assert raised.value.field == "facts.pipe_survey_rate"


def test_an_assessor_rate_outside_0_to_100_is_refused() -> None:
    with pytest.raises(InvalidInput) as raised:
        AssessorEntries(residential_sample_pass_rate=Decimal(101))
    assert raised.value.field == "entries.residential_sample_pass_rate"


def test_a_float_rate_is_refused_to_keep_binary_rounding_out_of_scores() -> None:
    with pytest.raises(InvalidInput, match="Decimal"):
        UnitFacts(pipe_survey_rate=FLOAT_RATE)


def test_a_negative_finding_count_is_refused() -> None:
    with pytest.raises(InvalidInput) as raised:
        Finding(1, FindingKind.INFO_DEFECT, -1)
    assert (raised.value.field, raised.value.item) == ("finding.count", 1)


def test_a_negative_ledger_count_is_refused() -> None:
    with pytest.raises(InvalidInput) as raised:
        UnitFacts(unmatched_list_entries=-2)
    assert raised.value.field == "facts.unmatched_list_entries"


def test_discretionary_points_above_the_item_maximum_are_refused(score_town: Scorer) -> None:
    # Town item 10 is worth 5: 5.5 cannot be taken.
    error = refused(score_town, discretionary=(DiscretionaryDeduction(10, Decimal("5.5"), "机制不健全"),))
    assert (error.field, error.item) == ("entries.discretionary[0].points", 10)
    assert "第10项" in str(error)


def test_negative_discretionary_points_are_refused() -> None:
    with pytest.raises(InvalidInput) as raised:
        DiscretionaryDeduction(4, Decimal(-1), "倒扣")
    assert (raised.value.field, raised.value.item) == ("discretionary.points", 4)


def test_discretionary_points_with_more_than_two_decimals_are_refused() -> None:
    with pytest.raises(InvalidInput, match="两位小数"):
        DiscretionaryDeduction(4, Decimal("1.005"), "理由")


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_discretionary_deduction_without_a_reason_is_refused(reason: Any) -> None:
    with pytest.raises(InvalidInput) as raised:
        DiscretionaryDeduction(4, Decimal(1), reason)
    assert raised.value.field == "discretionary.reason"


def test_discretionary_points_on_an_item_without_a_discretionary_rule_are_refused(score_town: Scorer) -> None:
    # Town item 8 is scored by its rectification rate alone.
    error = refused(score_town, discretionary=(DiscretionaryDeduction(8, Decimal(1), "整改质量差"),))
    assert (error.field, error.item) == ("entries.discretionary[0].item", 8)


def test_two_discretionary_entries_for_one_item_are_refused(score_town: Scorer) -> None:
    entries = (DiscretionaryDeduction(4, Decimal(1), "甲"), DiscretionaryDeduction(4, Decimal(1), "乙"))
    assert refused(score_town, discretionary=entries).field == "entries.discretionary[1].item"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"findings": (Finding(15, FindingKind.INFO_DEFECT),)}, "entries.findings[0].item"),
        (
            {"discretionary": (DiscretionaryDeduction(0, Decimal(1), "理由"),)},
            "entries.discretionary[0].item",
        ),
    ],
)
def test_an_unknown_item_is_refused(score_town: Scorer, changes: dict[str, Any], field: str) -> None:
    error = refused(score_town, **changes)
    assert error.field == field and "没有第" in str(error)


def test_an_event_without_a_date_is_refused() -> None:
    with pytest.raises(InvalidInput) as raised:
        DatedEvent(14, EventKind.MEDIA_EXPOSURE, NO_DATE)
    assert (raised.value.field, raised.value.item) == ("event.occurred_on", 14)


def test_a_park_penalty_event_on_a_town_sheet_is_refused(score_town: Scorer) -> None:
    # Town item 14 (入河排污口巡查) is discretionary; the park's 扣分项 events do not belong on a town sheet.
    error = refused(score_town, events=(DatedEvent(14, EventKind.MEDIA_EXPOSURE, date(2025, 1, 1)),))
    assert (error.field, error.item) == ("entries.events[0].kind", 14)


def test_a_park_finding_on_a_town_sheet_is_refused(score_town: Scorer) -> None:
    # 漏报问题点位 is park item 2's rule; town item 2 counts missing or distorted information only.
    error = refused(score_town, findings=(Finding(2, FindingKind.UNREPORTED_PROBLEM_POINT, 1),))
    assert (error.field, error.item) == ("entries.findings[0].kind", 2)


def test_a_park_figure_on_a_town_sheet_is_refused(score_town: Scorer) -> None:
    error = refused(score_town, permit_issuance_rate=Decimal(100))
    assert error.field == "facts.permit_issuance_rate"


def test_a_figure_the_rubric_reads_must_be_supplied(score_town: Scorer) -> None:
    error = refused(score_town, pipe_survey_rate=None)
    assert error.field == "facts.pipe_survey_rate" and "第2项" in error.message


def test_a_park_sheet_without_its_application_date_is_refused(score_park: Scorer) -> None:
    assert refused(score_park, application_date=None).field == "entries.application_date"


def test_a_condition_counted_more_than_once_is_refused(score_park: Scorer) -> None:
    error = refused(score_park, findings=(Finding(10, FindingKind.PIPE_ARCHIVE_INCOMPLETE, 2),))
    assert (error.field, error.item) == ("entries.findings[0].count", 10)


def test_a_condition_entered_twice_is_refused(score_park: Scorer) -> None:
    twice = (Finding(13, FindingKind.NO_EMERGENCY_PLAN), Finding(13, FindingKind.NO_EMERGENCY_PLAN))
    assert refused(score_park, findings=twice).field == "entries.findings[1].kind"
