"""Perfect score-sheet inputs for each rubric, and scorers that change only what a test names."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from zdz_common.vocabulary import UnitKind
from zdz_scoring.domain.engine import score
from zdz_scoring.domain.facts import AssessorEntries, DatedEvent, EventKind, UnitFacts
from zdz_scoring.domain.rubric import Rubric
from zdz_scoring.domain.rubrics import get_rubric
from zdz_scoring.domain.sheet import ScoreSheetResult, SheetKind

HUNDRED = Decimal(100)
APPLICATION_DATE = date(2025, 6, 30)  # park sheets: the window is 2024-06-30 … 2025-06-29

Scorer = Callable[..., ScoreSheetResult]


@pytest.fixture
def town_rubric() -> Rubric:
    return get_rubric(UnitKind.TOWN, "2024")


@pytest.fixture
def park_rubric() -> Rubric:
    return get_rubric(UnitKind.PARK_GROUP, "2024")


@pytest.fixture
def town_facts() -> UnitFacts:
    return UnitFacts(
        household_survey_rate=HUNDRED,
        pipe_survey_rate=HUNDRED,
        facility_survey_rate=HUNDRED,
        residential_rectification_rate=HUNDRED,
        non_residential_rectification_rate=HUNDRED,
        pipe_rectification_rate=HUNDRED,
        facility_rectification_rate=HUNDRED,
        residential_self_check_pass_rate=HUNDRED,
        non_residential_self_check_pass_rate=HUNDRED,
        has_problem_list=True,
        has_task_list=True,
    )


@pytest.fixture
def town_entries() -> AssessorEntries:
    # A sheet naming no sampling plan: the sample pass rates are the assessor's
    return AssessorEntries(residential_sample_pass_rate=HUNDRED, non_residential_sample_pass_rate=HUNDRED)


@pytest.fixture
def park_facts() -> UnitFacts:
    return UnitFacts(
        household_survey_rate=HUNDRED,
        source_household_rectification_rate=HUNDRED,
        pipe_rectification_rate=HUNDRED,
        facility_rectification_rate=HUNDRED,
        permit_issuance_rate=HUNDRED,
        has_problem_list=True,
        has_task_list=True,
        unmatched_list_entries=0,
    )


@pytest.fixture
def park_entries() -> AssessorEntries:
    # The yearly emergency drill was held inside the window, so item 13 is full.
    drill = DatedEvent(13, EventKind.EMERGENCY_DRILL, date(2025, 3, 1), "园区突发环境事件应急演练")
    return AssessorEntries(application_date=APPLICATION_DATE, events=(drill,))


def _scorer(rubric: Rubric, facts: UnitFacts, entries: AssessorEntries) -> Scorer:
    """`scorer(pipe_survey_rate=…, findings=(…))`: each keyword replaces the field of that name in the facts
    or the entries; `events=` replaces the park's default drill too."""
    fact_names = {f.name for f in fields(UnitFacts)}

    def scorer(sheet_kind: SheetKind = SheetKind.DISTRICT_ACCEPTANCE, **changes: Any) -> ScoreSheetResult:
        fact_changes = {k: v for k, v in changes.items() if k in fact_names}
        entry_changes = {k: v for k, v in changes.items() if k not in fact_names}
        return score(
            rubric, replace(facts, **fact_changes), replace(entries, **entry_changes), sheet_kind=sheet_kind
        )

    return scorer


@pytest.fixture
def score_town(town_rubric: Rubric, town_facts: UnitFacts, town_entries: AssessorEntries) -> Scorer:
    return _scorer(town_rubric, town_facts, town_entries)


@pytest.fixture
def score_park(park_rubric: Rubric, park_facts: UnitFacts, park_entries: AssessorEntries) -> Scorer:
    return _scorer(park_rubric, park_facts, park_entries)
