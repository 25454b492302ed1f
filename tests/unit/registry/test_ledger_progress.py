"""Acceptance states of units and a district's progress against 000 附件1's shares and 000 一's goals."""

from __future__ import annotations

from datetime import date

import pytest

from tests.unit.registry.ledger_factories import TOWN
from zdz_common.errors import InvalidArgument
from zdz_common.vocabulary import UnitKind
from zdz_registry.ledger.domain.events import AcceptanceStateSet
from zdz_registry.ledger.domain.progress import (
    Acceptance,
    AcceptanceState,
    Standing,
    Target,
    counted_since,
    progress,
)

TODAY = date(2026, 11, 23)


def _refusal(acceptance: Acceptance, state: str, on: str, reason: str = "") -> str:
    with pytest.raises(InvalidArgument) as caught:
        acceptance.set_state(state, on, reason, TODAY)
    return caught.value.field  # type: ignore[return-value]


def test_a_district_acceptance_is_recorded_but_the_standard_is_met_from_filing() -> None:
    # DESIGN "Progress counts": a unit meets the standard from filing (备案), not from the district's verdict.
    acceptance = Acceptance(TOWN)
    acceptance.set_state("ACCEPTED", "2025-03-01", "", TODAY)
    [event] = acceptance.pending
    assert event == AcceptanceStateSet(TOWN, "ACCEPTED", "2025-03-01", "")
    assert acceptance.accepted_on is None
    acceptance.set_state("FILED", "2025-03-12", "", TODAY)
    assert acceptance.accepted_on == date(2025, 3, 12)
    assert counted_since(acceptance.state, acceptance.accepted_on) == date(2025, 3, 12)


def test_reopening_clears_the_filing_day() -> None:
    acceptance = Acceptance(TOWN)
    acceptance.set_state("FILED", "2025-03-12", "", TODAY)
    # A look-back sends it back to a full re-acceptance (000 §三(五)).
    acceptance.set_state("REOPENED", "2026-04-02", "回头看问题频发", TODAY)
    assert acceptance.accepted_on is None and acceptance.state is AcceptanceState.REOPENED


def test_setting_the_same_state_again_records_nothing() -> None:
    acceptance = Acceptance(TOWN)
    acceptance.set_state("ACCEPTED", "2025-03-01", "", TODAY)
    acceptance.set_state("ACCEPTED", "2025-03-01", "", TODAY)
    assert len(acceptance.pending) == 1


def test_reopening_or_a_failure_open_set_by_a_clerk_needs_a_reason() -> None:
    assert _refusal(Acceptance(TOWN), "REOPENED", "2026-04-02") == "acceptance.reason"
    assert _refusal(Acceptance(TOWN), "FAILURE_OPEN", "2026-04-02") == "acceptance.reason"


def test_a_failure_open_set_by_the_process_takes_its_step_as_the_why() -> None:
    acceptance = Acceptance(TOWN)
    acceptance.set_state(
        "FAILURE_OPEN", "2026-04-02", "", TODAY, stage="RECTIFICATION", step="SpotCheckFailed"
    )
    [event] = acceptance.pending
    assert (event.state, event.stage, event.step) == ("FAILURE_OPEN", "RECTIFICATION", "SpotCheckFailed")


def test_an_acceptance_before_the_plan_or_in_the_future_is_refused() -> None:
    assert _refusal(Acceptance(TOWN), "ACCEPTED", "2024-06-17") == "acceptance.on"
    assert _refusal(Acceptance(TOWN), "ACCEPTED", "2026-11-24") == "acceptance.on"


def test_a_state_outside_the_list_or_missing_is_refused() -> None:
    assert _refusal(Acceptance(TOWN), "PASSED", "2025-03-01") == "acceptance.state"
    assert _refusal(Acceptance(TOWN), "", "2025-03-01") == "acceptance.state"


def _town(accepted_on: str | None, *, along_river: bool = False) -> Standing:
    return Standing(
        UnitKind.TOWN, along_river, 2027, date.fromisoformat(accepted_on) if accepted_on else None
    )


def _park(target_year: int, accepted_on: str | None) -> Standing:
    return Standing(
        UnitKind.PARK_GROUP, False, target_year, date.fromisoformat(accepted_on) if accepted_on else None
    )


def test_district_progress_against_its_shares_the_along_river_goal_and_the_park_schedule() -> None:
    units = [
        _town("2025-03-01", along_river=True),  # T1
        _town("2025-11-30"),  # T2
        _town("2026-05-01", along_river=True),  # T3
        _town(None, along_river=True),  # T4 (accepted, then reopened: no acceptance day)
        _town(None, along_river=True),  # T5
        *[_town(None) for _ in range(5)],  # T6–T10
        _park(2025, "2024-12-15"),  # G1, due 2025, done in time
        _park(2025, None),  # G2, due 2025, not done
        _park(2027, "2026-01-10"),  # G3, due 2027
    ]
    result = progress(units, (35, 80))
    # 10 towns, 3 done. 2025: 35 % of 10 = 3.5, "以上" rounds up to 4; done by 31 Dec 2025: T1 T2 = 2.
    # 2027: 80 % of 10 = 8; done by 2027: T1 T2 T3 = 3.
    assert (result.towns, result.towns_done) == (10, 3)
    assert result.town_targets == (Target(2025, 4, 2), Target(2027, 8, 3))
    assert not result.town_targets[0].met
    # 4 along-river towns: 80 % by 2025 = 3.2 → 4 (rounded up), done by 2025: T1 = 1; all 4 by 2027, done T1 T3 = 2.
    assert (result.along_river_towns, result.along_river_towns_done) == (4, 2)
    assert result.along_river_targets == (Target(2025, 4, 1), Target(2027, 4, 2))
    # Parks: G1 and G2 due by 2025, G1 done; all 3 by 2027, G1 and G3 done.
    assert (result.park_groups, result.park_groups_done) == (3, 2)
    assert result.park_targets == (Target(2025, 2, 1), Target(2027, 3, 2))


def test_a_district_without_units_has_nothing_required() -> None:
    result = progress([], (30, 80))
    assert result.town_targets == (Target(2025, 0, 0), Target(2027, 0, 0)) and result.town_targets[0].met
