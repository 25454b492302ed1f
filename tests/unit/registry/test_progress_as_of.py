"""Progress as of a day (DESIGN "Progress counts"): replayed from the acceptance history; villages, out-of-scope
groups and the city's goals beside the districts' requirements (000 一, 二（三）, 001 一)."""

from __future__ import annotations

from datetime import date

from zdz_common.vocabulary import UnitKind
from zdz_registry.ledger.domain.progress import (
    AcceptanceState,
    DemonstrationState,
    HistoryEntry,
    Standing,
    Target,
    progress,
    report_rows,
    standing_as_of,
)

D = date.fromisoformat


def _history(*steps: tuple[str, str]) -> list[HistoryEntry]:
    return [HistoryEntry(state, D(on)) for state, on in steps]


def test_a_unit_counts_from_its_filing_not_from_the_district_verdict() -> None:
    history = _history(("ACCEPTED", "2025-03-01"), ("FILED", "2025-03-12"))
    assert standing_as_of(history, D("2025-02-28")) == (AcceptanceState.IN_PROGRESS, None)
    assert standing_as_of(history, D("2025-03-11")) == (AcceptanceState.ACCEPTED, None)
    assert standing_as_of(history, D("2025-03-12")) == (AcceptanceState.FILED, D("2025-03-12"))


def test_an_open_spot_check_failure_is_not_counted_and_a_passed_re_review_counts_again_from_the_filing() -> (
    None
):
    history = _history(
        ("FILED", "2025-03-12"),
        ("UNDER_SPOT_CHECK", "2025-05-01"),
        ("FAILURE_OPEN", "2025-06-01"),  # 抽查不合格，限期整改
        ("MEETS_STANDARD", "2025-08-01"),  # 复核通过
    )
    assert standing_as_of(history, D("2025-05-15")) == (AcceptanceState.UNDER_SPOT_CHECK, D("2025-03-12"))
    assert standing_as_of(history, D("2025-07-01")) == (AcceptanceState.FAILURE_OPEN, None)
    assert standing_as_of(history, D("2025-08-01")) == (AcceptanceState.MEETS_STANDARD, D("2025-03-12"))


def test_a_re_acceptance_order_uncounts_the_unit_until_it_is_filed_again() -> None:
    history = _history(
        ("FILED", "2025-03-12"),
        ("MEETS_STANDARD", "2025-06-01"),
        ("REOPENED", "2026-04-02"),  # 回头看：问题频发，重新实施建设验收
        ("ACCEPTED", "2026-09-01"),
        ("FILED", "2026-09-20"),
    )
    assert standing_as_of(history, D("2026-05-01")) == (AcceptanceState.REOPENED, None)
    assert standing_as_of(history, D("2026-09-10")) == (AcceptanceState.ACCEPTED, None)
    assert standing_as_of(history, D("2026-10-01")) == (AcceptanceState.FILED, D("2026-09-20"))


def test_states_dated_the_same_day_apply_in_the_order_recorded() -> None:
    history = _history(("FILED", "2025-03-12"), ("FAILURE_OPEN", "2025-03-12"))
    assert standing_as_of(history, D("2025-03-12")) == (AcceptanceState.FAILURE_OPEN, None)


def _town(since: str | None, state: AcceptanceState = AcceptanceState.FILED, along: bool = False) -> Standing:
    return Standing(UnitKind.TOWN, along, 2027, D(since) if since else None, state)


def _village(designated: str | None, completed: str | None = None) -> Standing:
    return Standing(
        UnitKind.VILLAGE,
        False,
        2027,
        None,
        designated_on=D(designated) if designated else None,
        completed_on=D(completed) if completed else None,
    )


def test_open_failures_and_re_acceptance_orders_are_counted_apart_and_not_as_done() -> None:
    units = [
        _town("2025-03-12", AcceptanceState.MEETS_STANDARD),
        _town(None, AcceptanceState.FAILURE_OPEN),
        _town(None, AcceptanceState.REOPENED),
        _town(None, AcceptanceState.IN_PROGRESS),
    ]
    result = progress(units, (30, 80), as_of=D("2026-06-30"))
    assert (result.towns, result.towns_done, result.failures_open, result.reacceptance_ordered) == (
        4,
        1,
        1,
        1,
    )


def test_out_of_scope_groups_are_in_no_denominator() -> None:
    # 001 一: 4 of 111 groups have no enterprises; they are marked and counted apart.
    parks = [
        Standing(UnitKind.PARK_GROUP, False, 2025, D("2025-06-01"), AcceptanceState.FILED),
        Standing(UnitKind.PARK_GROUP, False, 2027, None),
        Standing(UnitKind.PARK_GROUP, False, 2025, None, out_of_scope=True),
    ]
    result = progress(parks, (30, 80))
    assert (result.park_groups, result.park_groups_out_of_scope) == (2, 1)
    assert result.park_targets == (Target(2025, 1, 1), Target(2027, 2, 1))


def test_a_district_is_held_to_its_designations_and_the_city_to_a_thousand_villages() -> None:
    villages = [
        _village("2025-03-01", "2025-10-01"),
        _village("2025-04-01"),
        _village("2026-02-01"),  # designated after the report's day
        _village(None),
    ]
    district = progress(villages, (30, 80), as_of=D("2025-12-31"))
    assert (district.villages, district.demonstration_villages, district.demonstration_villages_done) == (
        4,
        2,
        1,
    )
    assert district.demonstration_village_target == Target(2027, 2, 1)
    city = progress(villages, (30, 80), as_of=D("2025-12-31"), city=True)
    assert city.demonstration_village_target == Target(2027, 1000, 1)  # 000 二（三）千村示范


def test_the_city_shows_the_sum_of_district_requirements_beside_its_own_goal() -> None:
    # Two districts of 52 towns at 35 %/80 % and 3 towns at 50 %/100 %: ⌈18.2⌉ + ⌈1.5⌉ = 21 and 42 + 3 = 45,
    # where the city's 30 % and 80 % of 55 towns are ⌈16.5⌉ = 17 and 44.
    first = [_town(None, AcceptanceState.IN_PROGRESS) for _ in range(51)] + [_town("2025-05-01")]
    second = [_town(None, AcceptanceState.IN_PROGRESS) for _ in range(3)]
    districts = [progress(first, (35, 80)), progress(second, (50, 100))]
    city = progress(first + second, (30, 80), city=True, district_requirements=districts)
    assert [t.required for t in city.town_targets] == [17, 44]
    assert city.district_town_requirements == (Target(2025, 21, 1), Target(2027, 45, 1))


def test_a_district_report_lists_towns_and_groups_then_the_villages_designated_by_its_day() -> None:
    rows = report_rows(
        [
            ("v1", "某村", "500101100201", "", _village("2025-03-01", "2025-10-01")),
            ("v2", "另一村", "500101100202", "", _village("2026-02-01")),
            ("g1", "九龙园", "", "", Standing(UnitKind.PARK_GROUP, True, 2025, None)),
            ("t1", "高笋塘街道", "500101001000", "", _town("2025-03-12", along=True)),
        ],
        D("2025-12-31"),
    )
    assert [r.unit_id for r in rows] == ["t1", "g1", "v1"]
    assert rows[0].counted_since == D("2025-03-12") and rows[0].state is AcceptanceState.FILED
    assert rows[2].demonstration_state is DemonstrationState.COMPLETED and rows[2].state is None
