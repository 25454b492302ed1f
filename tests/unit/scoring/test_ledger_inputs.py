"""From the registry's ledger facts to a sheet's inputs: the figures each rubric reads, what a survey rate with
nothing to count does, and the defects the ledger records at the sheet's stage counted as findings."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from tests.unit.scoring.records_factories import snapshot
from zdz_common.errors import FailedPrecondition
from zdz_scoring.domain.engine import score
from zdz_scoring.domain.facts import AssessorEntries, FindingKind
from zdz_scoring.domain.rubric import Rubric
from zdz_scoring.domain.sheet import SheetKind
from zdz_scoring.service_layer.ledger_inputs import ledger_facts, ledger_findings


def test_a_town_sheet_reads_only_the_town_figures(town_rubric: Rubric) -> None:
    facts = ledger_facts(town_rubric, snapshot(pipe_rectification_rate=Decimal("66.67")))
    assert facts.pipe_rectification_rate == Decimal("66.67")
    # Park-only figures are left out, so the engine does not refuse them as "not read by this rubric".
    assert facts.unmatched_list_entries is None and facts.permit_issuance_rate is None


def test_a_park_sheet_reads_the_one_to_one_lists_and_permits(park_rubric: Rubric) -> None:
    facts = ledger_facts(park_rubric, snapshot(unmatched_list_entries=2, permit_issuance_rate=Decimal(95)))
    assert (facts.unmatched_list_entries, facts.permit_issuance_rate) == (2, Decimal(95))
    assert facts.pipe_survey_rate is None  # the park rubric has no pipe survey rate


def test_a_survey_rate_with_nothing_recorded_is_a_failed_precondition_naming_the_item(
    town_rubric: Rubric,
) -> None:
    # No facility or outfall in the ledger: the town's item 3 cannot be scored until they are recorded.
    with pytest.raises(FailedPrecondition) as error:
        ledger_facts(town_rubric, snapshot(facility_survey_rate=None))
    assert error.value.field == "ledger.facility_survey_rate" and "第3项" in error.value.message


def test_a_rectification_rate_with_nothing_to_rectify_scores_full_marks(
    town_rubric: Rubric, town_entries: AssessorEntries
) -> None:
    # The registry reports 100 when a class had no problem at all: item 7 keeps its 10 points.
    facts = ledger_facts(town_rubric, snapshot(non_residential_rectification_rate=Decimal(100)))
    assert score(town_rubric, facts, town_entries, sheet_kind=SheetKind.SELF_CHECK).item(7).points == 10


def test_a_district_acceptance_counts_the_information_defects_recorded_at_acceptance(
    town_rubric: Rubric,
) -> None:
    ledger = snapshot(
        information_defects={
            ("households", "acceptance"): 2,
            ("pipes", "survey"): 4,
            ("facilities", "acceptance"): 1,
        }
    )
    findings = ledger_findings(town_rubric, SheetKind.DISTRICT_ACCEPTANCE, ledger)
    # Items 1 and 3 (acceptance stage); the survey's own defects on pipes do not count against it.
    assert [(f.item, f.kind, f.count) for f in findings] == [
        (1, FindingKind.INFO_DEFECT, 2),
        (3, FindingKind.INFO_DEFECT, 1),
    ]
    assert "区县验收" in findings[0].note


def test_each_information_defect_from_the_ledger_costs_half_a_point(
    town_rubric: Rubric, town_entries: AssessorEntries
) -> None:
    # 2 defects on households found at acceptance → item 1: 10 − 2 × 0.5 = 9.00
    ledger = snapshot(information_defects={("households", "acceptance"): 2})
    found = ledger_findings(town_rubric, SheetKind.DISTRICT_ACCEPTANCE, ledger)
    entries = replace(town_entries, findings=found)
    sheet = score(
        town_rubric, ledger_facts(town_rubric, ledger), entries, sheet_kind=SheetKind.DISTRICT_ACCEPTANCE
    )
    assert sheet.item(1).points == Decimal("9.00")


def test_a_park_acceptance_counts_problem_points_the_survey_missed(park_rubric: Rubric) -> None:
    ledger = snapshot(
        problems_found={("pipes", "acceptance"): 3, ("facilities", "acceptance"): 1, ("pipes", "survey"): 9}
    )
    findings = ledger_findings(park_rubric, SheetKind.DISTRICT_ACCEPTANCE, ledger)
    assert [(f.item, f.kind, f.count) for f in findings] == [
        (2, FindingKind.UNREPORTED_PROBLEM_POINT, 3),
        (3, FindingKind.UNREPORTED_PROBLEM_POINT, 1),
    ]


@pytest.mark.parametrize("kind", [SheetKind.SELF_CHECK, SheetKind.RE_REVIEW])
def test_self_check_and_re_review_take_no_findings_from_the_ledger(
    town_rubric: Rubric, kind: SheetKind
) -> None:
    ledger = snapshot(
        information_defects={(c, s): 1 for c in ("households", "pipes") for s in ("survey", "acceptance")}
    )
    assert ledger_findings(town_rubric, kind, ledger) == ()


@pytest.mark.parametrize(
    ("kind", "stage"), [(SheetKind.SPOT_CHECK, "spot_check"), (SheetKind.LOOK_BACK, "look_back")]
)
def test_spot_checks_and_look_backs_count_their_own_stage(
    town_rubric: Rubric, kind: SheetKind, stage: str
) -> None:
    ledger = snapshot(information_defects={("pipes", stage): 1, ("pipes", "acceptance"): 5})
    assert [(f.item, f.count) for f in ledger_findings(town_rubric, kind, ledger)] == [(2, 1)]
