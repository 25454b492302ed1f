"""The facts summary against a town ledger built by hand; every figure is worked out in the comments."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.unit.registry.ledger_factories import (
    compound,
    enterprise,
    outfall,
    pipe,
    plant,
    point,
    problem_on,
    shop,
)
from zdz_registry.ledger.domain.facts import FactClass, Ledger, ListedProblem, Ratio, score_figures, summarise
from zdz_registry.ledger.domain.problems import ProblemType, TaskState
from zdz_registry.ledger.domain.rows import Category, FoundBy, HouseholdKind, InformationDefect, NetworkType

S, A, SC = FoundBy.SURVEY, FoundBy.ACCEPTANCE, FoundBy.SPOT_CHECK


def _problem(
    code: str, entity: str, row: str, kind: str, state: TaskState | None, **more: object
) -> ListedProblem:
    return ListedProblem(problem_on(entity, row, code=code, type=kind, **more), state)


# 8 source households: 3 compounds, 2 non-residential, 3 enterprises (in a town, enterprises count as
# non-residential: 附件3 §一(二)).
HOUSEHOLDS = [
    compound("H1", surveyed=True, self_check="PASSED"),
    compound("H2", building="SINGLE", surveyed=True, self_check="FAILED"),
    compound("H3", building="SINGLE"),  # not surveyed, no self-check
    shop("N1", category="MALL", surveyed=True, self_check="PASSED"),
    shop("N2", category="MEDICAL", building="NON_SINGLE", surveyed=True, self_check="PASSED"),
    enterprise(
        "E1",
        water_related=True,
        key_discharger=True,
        discharge_permit=True,
        online_monitoring=True,
        surveyed=True,
    ),
    enterprise("E2", water_related=True, surveyed=True),  # water-related, no permit
    enterprise("E3"),  # not water-related, not surveyed
]
LEDGER = Ledger(
    households=HOUSEHOLDS,
    pipes=[
        pipe("P1", 1200.5, surveyed=True),
        pipe("P2", 800.0, network="RAIN", surveyed=True),
        pipe("P3", 499.5, network="COMBINED"),
    ],
    points=[point("J1", pipe_code="P2", surveyed=True), point("J2")],
    facilities=[plant("F1", takes_industrial_wastewater=True, industrial_share_percent=15.0, surveyed=True)],
    outfalls=[
        outfall(
            "O1", attached_to="FACILITY", network="", facility_code="F1", standardised=True, surveyed=True
        ),
        outfall("O2"),
    ],
    defects=[
        InformationDefect("SOURCE_HOUSEHOLD", "H1", "year_built", "建成年份缺失", "ACCEPTANCE", "2025-03-02"),
        InformationDefect("PIPE_SEGMENT", "P1", "管网走向", "走向图与现场不符", "SURVEY", "2024-08-10"),
        InformationDefect("OUTFALL", "O2", "location", "位置记录不准确", "ACCEPTANCE", "2025-03-02"),
    ],
    problems=[
        _problem("Q1", "SOURCE_HOUSEHOLD", "H1", "MIXED_CONNECTION", TaskState.VERIFIED),
        _problem("Q2", "SOURCE_HOUSEHOLD", "H2", "SEPTIC_TANK", TaskState.RECTIFIED),
        _problem("Q3", "SOURCE_HOUSEHOLD", "N2", "FACILITY_MALFUNCTION", TaskState.ASSIGNED),
        _problem("Q4", "SOURCE_HOUSEHOLD", "E2", "NO_PERMIT", TaskState.VERIFIED),
        _problem("Q5", "PIPE_SEGMENT", "P1", "PL", TaskState.VERIFIED, grade=3),
        _problem("Q6", "PIPE_SEGMENT", "P2", "SEWAGE_INTO_RAIN", TaskState.OPEN),
        _problem("Q7", "INSPECTION_POINT", "J1", "CJ", None, grade=2, found_by="ACCEPTANCE"),
        _problem("Q8", "FACILITY", "F1", "INSUFFICIENT_CAPACITY", TaskState.VERIFIED),
        _problem("Q9", "OUTFALL", "O2", "OUTFALL_NOT_STANDARDISED", None, found_by="SPOT_CHECK"),
    ],
)


@pytest.fixture(scope="module")
def facts():  # type: ignore[no-untyped-def]
    return summarise(LEDGER)


def test_survey_rates_by_class(facts) -> None:  # type: ignore[no-untyped-def]
    # Households: H1 H2 N1 N2 E1 E2 surveyed of 8 → 6/8 = 75.00 %.
    assert facts.household_survey == Ratio(Decimal("6.00"), Decimal("8.00"))
    assert facts.household_survey.percent == Decimal("75.00")
    # Pipes by length: P1 1200.5 + P2 800 = 2000.5 m surveyed of 1200.5 + 800 + 499.5 = 2500 m → 80.02 %.
    assert (facts.pipe_survey.part, facts.pipe_survey.whole) == (Decimal("2000.50"), Decimal("2500.00"))
    assert facts.pipe_survey.percent == Decimal("80.02")
    # Facilities and outfalls: F1 and O1 surveyed of F1, O1, O2 → 2/3 = 66.67 %.
    assert facts.facility_survey.percent == Decimal("66.67")


def test_information_defects_by_class_and_finder(facts) -> None:  # type: ignore[no-untyped-def]
    # H1 (a compound) at acceptance; P1 at the survey; O2 (an outfall, with facilities) at acceptance.
    assert facts.information_defects[FactClass.HOUSEHOLDS] == {A: 1}
    assert facts.information_defects[FactClass.RESIDENTIAL] == {A: 1}
    assert facts.information_defects[FactClass.NON_RESIDENTIAL] == {}
    assert facts.information_defects[FactClass.PIPES] == {S: 1}
    assert facts.information_defects[FactClass.FACILITIES] == {A: 1}


def test_rectification_by_class_counts_a_problem_once_its_rectification_is_verified(facts) -> None:  # type: ignore[no-untyped-def]
    r = facts.rectification
    # Households Q1 (verified), Q2 (rectified), Q3 (assigned), Q4 (verified): 4 problems, 4 tasks,
    # 3 rectified (Q1 Q2 Q4), 2 verified → 2/4 = 50.00 %.
    assert (r[FactClass.HOUSEHOLDS].problems, r[FactClass.HOUSEHOLDS].with_task) == (4, 4)
    assert (r[FactClass.HOUSEHOLDS].rectified, r[FactClass.HOUSEHOLDS].verified) == (3, 2)
    assert r[FactClass.HOUSEHOLDS].rate.percent == Decimal("50.00")
    # Residential Q1 Q2: 1 verified of 2 → 50.00 %; non-residential Q3 (N2) Q4 (E2): 1 of 2 → 50.00 %.
    assert (r[FactClass.RESIDENTIAL].problems, r[FactClass.RESIDENTIAL].verified) == (2, 1)
    assert (r[FactClass.NON_RESIDENTIAL].problems, r[FactClass.NON_RESIDENTIAL].rectified) == (2, 1)
    # Pipes Q5 (verified), Q6 (open), Q7 (no task; on an inspection point): 1 of 3 → 33.33 %.
    assert (r[FactClass.PIPES].problems, r[FactClass.PIPES].with_task) == (3, 2)
    assert r[FactClass.PIPES].rate.percent == Decimal("33.33")
    # Facilities Q8 (verified) and outfall Q9 (no task): 1 of 2 → 50.00 %.
    assert r[FactClass.FACILITIES].rate.percent == Decimal("50.00")


def test_problems_found_by_class_and_finder_show_points_the_survey_missed(facts) -> None:  # type: ignore[no-untyped-def]
    assert facts.problems_found[FactClass.HOUSEHOLDS] == {S: 4}
    # Q7 was found at acceptance: a point the survey missed (漏报, 附件4 item 2).
    assert facts.problems_found[FactClass.PIPES] == {S: 2, A: 1}
    assert facts.problems_found[FactClass.FACILITIES] == {S: 1, SC: 1}


def test_self_check_pass_rates_by_building_unit(facts) -> None:  # type: ignore[no-untyped-def]
    # Compounds: H1 passed of H1 H2 H3 → 1/3 = 33.33 %. Non-residential: N1 N2 passed of N1 N2 E1 E2 E3 → 40.00 %.
    assert facts.self_check[FactClass.RESIDENTIAL].percent == Decimal("33.33")
    assert facts.self_check[FactClass.NON_RESIDENTIAL].percent == Decimal("40.00")


def test_problem_and_task_lists_exist_but_two_problems_have_no_task(facts) -> None:  # type: ignore[no-untyped-def]
    # 9 problems, 7 tasks: Q7 and Q9 have none, so the lists do not match one to one (附件4 item 4).
    assert facts.problem_list_exists and facts.task_list_exists
    assert facts.problems_without_task == 2 and not facts.lists_match


def test_permit_coverage_counts_water_related_enterprises(facts) -> None:  # type: ignore[no-untyped-def]
    # Water-related E1 (permit) and E2 (none); E3 is not water-related → 1/2 = 50.00 % (附件4 item 9).
    assert facts.permit_coverage.percent == Decimal("50.00")
    e = facts.enterprises
    assert (e.total, e.water_related, e.key_dischargers, e.petrochemical) == (3, 2, 1, 0)
    assert (e.permitted, e.monitored) == (1, 1)


def test_counts_by_kind_category_network_and_type(facts) -> None:  # type: ignore[no-untyped-def]
    assert facts.households_by_kind == {
        HouseholdKind.RESIDENTIAL: 3,
        HouseholdKind.NON_RESIDENTIAL: 2,
        HouseholdKind.ENTERPRISE: 3,
    }
    assert facts.non_residential_by_category == {Category.MALL: 1, Category.MEDICAL: 1}
    assert facts.pipe_length_m == {
        NetworkType.SEWAGE: Decimal("1200.50"),
        NetworkType.RAIN: Decimal("800.00"),
        NetworkType.COMBINED: Decimal("499.50"),
    }
    assert (facts.inspection_points, facts.facilities, facts.facilities_taking_industrial) == (2, 1, 1)
    assert (facts.outfalls, facts.outfalls_standardised) == (2, 1)
    assert sum(facts.problems_by_type.values()) == 9 and facts.problems_by_type[ProblemType.PL] == 1
    # Major: Q1 混接, Q5 PL grade Ⅲ, Q6 污水接入雨水管; Q7 CJ grade Ⅱ is not → 3.
    assert facts.major_defects == 3


def test_score_figures_carry_the_scoring_services_names(facts) -> None:  # type: ignore[no-untyped-def]
    figures = score_figures(facts)
    assert (figures.household_survey_rate, figures.pipe_survey_rate, figures.facility_survey_rate) == (
        Decimal("75.00"),
        Decimal("80.02"),
        Decimal("66.67"),
    )
    assert (
        figures.residential_rectification_rate
        == figures.non_residential_rectification_rate
        == Decimal("50.00")
    )
    assert figures.source_household_rectification_rate == Decimal("50.00")
    assert (figures.pipe_rectification_rate, figures.facility_rectification_rate) == (
        Decimal("33.33"),
        Decimal("50.00"),
    )
    assert figures.permit_issuance_rate == Decimal("50.00")
    assert (figures.has_problem_list, figures.has_task_list, figures.unmatched_list_entries) == (
        True,
        True,
        2,
    )


def test_an_empty_ledger_has_no_survey_rate_but_nothing_left_to_rectify() -> None:
    # Nothing recorded must not read as a complete survey; nothing found leaves nothing to rectify or permit.
    figures = score_figures(summarise(Ledger()))
    assert figures.household_survey_rate is None and figures.pipe_survey_rate is None
    assert figures.pipe_rectification_rate == figures.permit_issuance_rate == Decimal("100.00")
    assert not figures.has_problem_list and not figures.has_task_list
