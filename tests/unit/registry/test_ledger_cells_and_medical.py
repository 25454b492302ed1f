"""Issue 12: the ledger carries what the rubrics and sampling need — 户数 of residential compounds, key water-related
enterprises as a town's non-residential cells (000 二（一）1; 附件3 一（二）), and medical institutions' wastewater
facilities with their GB18466—2005 compliance (附件3 二（二）2)."""

from __future__ import annotations

import pytest

from tests.unit.registry.ledger_factories import TOWN, LedgerIndex, compound, enterprise, recorded_entry, shop
from zdz_common.errors import FailedPrecondition, InvalidArgument
from zdz_common.vocabulary import UnitKind
from zdz_registry.ledger.domain.events import SourceHouseholdRecorded, UnitRef
from zdz_registry.ledger.domain.facts import Ledger, LedgerFacts, Medical, summarise
from zdz_registry.ledger.domain.rows import LedgerEntry

PARK = UnitRef(id="park-1", district_code="wanzhou", kind=UnitKind.PARK_GROUP, name="九龙园")


def _refused_field(row, unit: UnitRef = TOWN) -> str:  # type: ignore[no-untyped-def]
    entry = LedgerEntry(id="x")
    with pytest.raises(InvalidArgument) as caught:
        entry.record(unit, row, LedgerIndex())
    assert entry.pending == []
    return caught.value.field  # type: ignore[no-any-return]


def test_a_compound_records_its_households() -> None:
    [event] = recorded_entry(compound("H-001", households=812)).pending
    assert isinstance(event, SourceHouseholdRecorded) and event.households == 812


def test_households_are_not_negative_and_only_for_residential_compounds() -> None:
    assert _refused_field(compound("H-001", households=-1)) == "source_household.households"
    assert _refused_field(shop("N-001", households=20)) == "source_household.households"


def test_a_town_ledger_takes_only_key_water_related_enterprises_as_cells() -> None:
    assert _refused_field(enterprise("E-001", water_related=True)) == "source_household.key_discharger"
    [event] = recorded_entry(enterprise("E-002", water_related=True, key_discharger=True)).pending
    assert event.kind == "ENTERPRISE" and event.key_discharger


def test_a_park_ledger_takes_every_enterprise() -> None:
    [event] = recorded_entry(enterprise("E-001"), unit=PARK).pending
    assert event.kind == "ENTERPRISE" and not event.key_discharger


def test_a_medical_institution_records_its_facility_and_gb18466_compliance() -> None:
    row = shop("M-001", category="MEDICAL", medical_wastewater_facility=True, medical_discharge="COMPLIANT")
    [event] = recorded_entry(row).pending
    assert (event.medical_wastewater_facility, event.medical_discharge) == (True, "COMPLIANT")


def test_medical_fields_are_refused_on_other_households() -> None:
    assert _refused_field(shop("N-001", medical_wastewater_facility=True)).startswith(
        "source_household.medical"
    )
    assert _refused_field(compound("H-001", medical_discharge="COMPLIANT")).startswith(
        "source_household.medical"
    )


def test_a_village_has_no_ledger_to_record_rows_in() -> None:
    village = UnitRef(id="village-1", district_code="wanzhou", kind=UnitKind.VILLAGE, name="某村民委员会")
    with pytest.raises(FailedPrecondition, match="千村示范"):
        LedgerEntry(id="x").record(village, compound("H-001"), LedgerIndex())


def _facts(*households, unit_kind: UnitKind = UnitKind.TOWN) -> LedgerFacts:  # type: ignore[no-untyped-def]
    return summarise(Ledger(households=households, unit_kind=unit_kind))


def test_the_facts_sum_households_over_residential_compounds_only() -> None:
    facts = _facts(compound("H-001", households=620), compound("H-002", households=96), shop("N-001"))
    assert facts.residential_households == 716


def test_the_facts_count_medical_institutions_their_facilities_and_gb18466_compliance() -> None:
    facts = _facts(
        shop("M-001", category="MEDICAL", medical_wastewater_facility=True, medical_discharge="COMPLIANT"),
        shop(
            "M-002", category="MEDICAL", medical_wastewater_facility=True, medical_discharge="NON_COMPLIANT"
        ),
        shop("M-003", category="MEDICAL"),  # not yet checked
        shop("N-001"),
    )
    assert facts.medical == Medical(institutions=3, with_facility=2, compliant=1, non_compliant=1)


def test_a_towns_key_enterprises_are_its_cells_and_a_parks_enterprises_are_not() -> None:
    key = enterprise("E-001", water_related=True, key_discharger=True)
    assert _facts(key).key_enterprises_as_cells == 1
    assert _facts(key, enterprise("E-002"), unit_kind=UnitKind.PARK_GROUP).key_enterprises_as_cells == 0
