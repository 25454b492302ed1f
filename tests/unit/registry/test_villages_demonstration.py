"""千村示范 (000 二（三）): a district designates its villages and records their completion with evidence."""

from __future__ import annotations

import datetime as dt

import pytest

from zdz_common.errors import FailedPrecondition, InvalidArgument
from zdz_common.vocabulary import UnitKind
from zdz_registry.directory.domain.model import DemonstrationState, Unit, UnitDetails

TODAY = dt.date(2025, 6, 1)


def _village() -> Unit:
    return Unit.register(
        unit_id="",
        district_code="wanzhou",
        kind=UnitKind.VILLAGE,
        details=UnitDetails("某村民委员会", False, 2027, official_code="500101100201"),
        town_id="t-1",
    )


def test_a_village_needs_its_town() -> None:
    with pytest.raises(InvalidArgument):
        Unit.register(
            unit_id="",
            district_code="wanzhou",
            kind=UnitKind.VILLAGE,
            details=UnitDetails("某村", False, 2027),
        )


def test_a_village_code_has_twelve_digits() -> None:
    with pytest.raises(InvalidArgument):
        Unit.register(
            unit_id="",
            district_code="wanzhou",
            kind=UnitKind.VILLAGE,
            details=UnitDetails("某村", False, 2027, official_code="500101100"),
            town_id="t-1",
        )


def test_designation_before_the_programme_or_in_the_future_is_refused() -> None:
    village = _village()
    with pytest.raises(InvalidArgument):
        village.designate("2024-06-17", "区计划", today=TODAY)
    with pytest.raises(InvalidArgument):
        village.designate("2025-06-02", "区计划", today=TODAY)


def test_completion_needs_a_designation_and_evidence_and_is_not_before_it() -> None:
    village = _village()
    with pytest.raises(FailedPrecondition):
        village.record_completion("2025-05-01", ("照片",), "", today=TODAY)
    village.designate("2025-01-10", "区计划", today=TODAY)
    with pytest.raises(InvalidArgument):
        village.record_completion("2025-05-01", (), "", today=TODAY)
    with pytest.raises(InvalidArgument):
        village.record_completion("2025-01-09", ("照片",), "", today=TODAY)
    village.record_completion("2025-05-01", ("照片",), "", today=TODAY)
    assert village.demonstration.state is DemonstrationState.COMPLETED


def test_only_a_designated_not_completed_village_can_be_withdrawn() -> None:
    village = _village()
    with pytest.raises(FailedPrecondition):
        village.withdraw("2025-02-01", "调整", today=TODAY)
    village.designate("2025-01-10", "区计划", today=TODAY)
    village.record_completion("2025-05-01", ("照片",), "", today=TODAY)
    with pytest.raises(FailedPrecondition):
        village.withdraw("2025-05-02", "调整", today=TODAY)


def test_a_town_cannot_be_designated() -> None:
    town = Unit.register(
        unit_id="", district_code="wanzhou", kind=UnitKind.TOWN, details=UnitDetails("某镇", False, 2027)
    )
    with pytest.raises(FailedPrecondition):
        town.designate("2025-01-10", "区计划", today=TODAY)
