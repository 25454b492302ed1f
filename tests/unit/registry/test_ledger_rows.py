"""源网厂口 ledger rows: what each class accepts, what it refuses (naming the field), and how rows are recorded."""

from __future__ import annotations

import pytest

from tests.unit.registry.ledger_factories import (
    TOWN,
    LedgerIndex,
    compound,
    enterprise,
    outfall,
    pipe,
    plant,
    point,
    recorded_entry,
    shop,
)
from zdz_common.errors import InvalidArgument, NotFound
from zdz_registry.ledger.domain.events import InformationDefectRecorded, SourceHouseholdRecorded
from zdz_registry.ledger.domain.rows import (
    EntityClass,
    InformationDefect,
    LedgerEntry,
    SelfCheck,
    SourceHousehold,
    entry_stream,
    record_id,
)


def _refusal(error_class: type[Exception], row, index: LedgerIndex | None = None) -> str:  # type: ignore[no-untyped-def]
    entry = LedgerEntry(id="x")
    with pytest.raises(error_class) as caught:
        entry.record(TOWN, row, index or LedgerIndex())
    assert entry.pending == [] and entry.version == 0  # nothing recorded
    return caught.value.field  # type: ignore[attr-defined,no-any-return]


def test_a_compound_is_recorded_as_one_event_carrying_the_unit_and_its_derived_id() -> None:
    entry = recorded_entry(compound("H-001", floor_area_m2=52000.0, year_built=1998, surveyed=True))
    [event] = entry.pending
    assert isinstance(event, SourceHouseholdRecorded)
    assert event.unit == TOWN and event.kind == "RESIDENTIAL" and event.building == "NON_SINGLE"
    assert event.id == record_id(TOWN.id, "SOURCE_HOUSEHOLD", "H-001") == entry.id
    assert event.self_check == "NOT_DONE"  # not given: not done
    assert entry_stream(EntityClass.SOURCE_HOUSEHOLD, entry.id) == f"household/{entry.id}"


def test_recording_the_same_row_again_records_nothing_so_a_reimport_is_harmless() -> None:
    entry = recorded_entry(compound())
    entry.pending.clear()
    entry.record(TOWN, compound(), LedgerIndex())
    assert entry.pending == [] and entry.version == 1


def test_a_changed_row_is_a_revision_and_replaying_the_events_gives_the_latest_row() -> None:
    entry = recorded_entry(compound())
    entry.record(TOWN, compound(surveyed=True, self_check="PASSED"), LedgerIndex())
    assert entry.version == 2
    replayed = LedgerEntry(id=entry.id)
    for event in entry.pending:
        replayed.apply(event)
    assert (
        replayed.row == compound(surveyed=True, self_check=SelfCheck.PASSED) and replayed.unit_id == TOWN.id
    )


def test_a_non_residential_household_needs_one_of_the_six_categories() -> None:
    assert _refusal(InvalidArgument, shop(category="")) == "source_household.category"


def test_a_category_outside_the_documents_list_is_invalid_argument_naming_the_field() -> None:
    with pytest.raises(InvalidArgument) as caught:
        shop(category="HOTEL")  # 宾馆 is not one of 商场、写字楼、医疗机构、学校、公共机构、交通客运场站
    assert caught.value.field == "source_household.category" and "MALL" in caught.value.message


def test_a_compound_has_no_category_and_no_enterprise_flags() -> None:
    assert _refusal(InvalidArgument, compound(category="MALL")) == "source_household.category"
    assert _refusal(InvalidArgument, compound(discharge_permit=True)) == "source_household.discharge_permit"


def test_compounds_and_non_residential_households_say_whether_they_are_single_buildings() -> None:
    assert _refusal(InvalidArgument, compound(building="")) == "source_household.building"


def test_an_enterprise_has_no_building_type_and_a_key_discharger_is_water_related() -> None:
    assert _refusal(InvalidArgument, enterprise(building="SINGLE")) == "source_household.building"
    assert _refusal(InvalidArgument, enterprise(key_discharger=True)) == "source_household.water_related"
    entry = recorded_entry(enterprise(water_related=True, key_discharger=True, petrochemical=True))
    assert entry.row.petrochemical  # type: ignore[union-attr]


def test_a_household_kind_is_required() -> None:
    assert (
        _refusal(InvalidArgument, SourceHousehold(code="H-9", name="无类别", kind=None))
        == "source_household.kind"
    )


def test_negative_floor_area_and_impossible_year_built_are_refused() -> None:
    assert _refusal(InvalidArgument, compound(floor_area_m2=-1.0)) == "source_household.floor_area_m2"
    assert _refusal(InvalidArgument, compound(year_built=1850)) == "source_household.year_built"


def test_a_code_is_required_and_may_not_contain_a_slash() -> None:
    assert _refusal(InvalidArgument, compound(code="  ")) == "source_household.code"
    assert _refusal(InvalidArgument, compound(code="A/B")) == "source_household.code"


def test_a_negative_or_zero_pipe_length_is_invalid_argument() -> None:
    assert _refusal(InvalidArgument, pipe(length_m=-12.5)) == "pipe_segment.length_m"
    assert _refusal(InvalidArgument, pipe(length_m=0.0)) == "pipe_segment.length_m"
    assert _refusal(InvalidArgument, pipe(length_m=float("nan"))) == "pipe_segment.length_m"


def test_a_pipe_says_whether_it_carries_rain_sewage_or_both() -> None:
    assert _refusal(InvalidArgument, pipe(network="")) == "pipe_segment.network"


def test_an_inspection_point_on_a_segment_names_a_segment_of_the_same_ledger() -> None:
    assert _refusal(NotFound, point(pipe_code="P-404")) == "inspection_point.pipe_code"
    assert recorded_entry(point(pipe_code="P-001"), index=LedgerIndex().add(pipe("P-001"))).version == 1


def test_negative_capacity_or_load_of_a_facility_is_refused() -> None:
    assert (
        _refusal(InvalidArgument, plant(capacity_m3_per_day=-8000.0))
        == "treatment_facility.capacity_m3_per_day"
    )
    assert _refusal(InvalidArgument, plant(load_m3_per_day=-1.0)) == "treatment_facility.load_m3_per_day"


def test_a_facility_above_its_capacity_is_recorded_because_overload_is_a_fact_not_an_error() -> None:
    assert recorded_entry(plant(capacity_m3_per_day=8000.0, load_m3_per_day=9600.0)).version == 1


def test_an_industrial_share_over_100_percent_is_invalid_argument() -> None:
    row = plant(takes_industrial_wastewater=True, industrial_share_percent=120.0)
    assert _refusal(InvalidArgument, row) == "treatment_facility.industrial_share_percent"


def test_an_industrial_share_needs_the_facility_to_take_industrial_wastewater() -> None:
    row = plant(industrial_share_percent=30.0)
    assert _refusal(InvalidArgument, row) == "treatment_facility.takes_industrial_wastewater"


def test_a_facility_outfall_names_a_facility_of_the_same_ledger() -> None:
    on_facility = outfall(attached_to="FACILITY", network="", facility_code="F-404")
    assert _refusal(NotFound, on_facility) == "outfall.facility_code"
    index = LedgerIndex().add(plant("F-001"))
    assert (
        recorded_entry(
            outfall(attached_to="FACILITY", network="", facility_code="F-001"), index=index
        ).version
        == 1
    )


def test_a_network_outfall_names_its_network_and_no_facility() -> None:
    assert _refusal(InvalidArgument, outfall(network="")) == "outfall.network"
    index = LedgerIndex().add(plant("F-001"))
    assert _refusal(InvalidArgument, outfall(facility_code="F-001"), index) == "outfall.facility_code"


def test_an_information_defect_is_recorded_on_its_row_once() -> None:
    # 附件3 附表 items 1–3 deduct per defect found: the same defect noted twice must count once.
    entry = recorded_entry(compound())
    defect = InformationDefect(
        "SOURCE_HOUSEHOLD", "H-001", "year_built", "建成年份缺失", "ACCEPTANCE", "2025-03-02"
    )
    entry.note_defect(TOWN, defect)
    entry.note_defect(TOWN, defect)
    defects = [e for e in entry.pending if isinstance(e, InformationDefectRecorded)]
    assert len(defects) == 1 and defects[0].found_by == "ACCEPTANCE" and defects[0].entity_id == entry.id
    assert len(entry.defects) == 1


def test_an_information_defect_needs_the_row_recorded_first() -> None:
    defect = InformationDefect("SOURCE_HOUSEHOLD", "H-404", "name", "名称错误", "SURVEY", "2024-08-01")
    with pytest.raises(NotFound) as caught:
        LedgerEntry(id="x").note_defect(TOWN, defect)
    assert caught.value.field == "information_defect.entity_code"


def test_an_information_defect_says_who_found_it_and_when() -> None:
    entry = recorded_entry(compound())
    with pytest.raises(InvalidArgument) as caught:
        entry.note_defect(
            TOWN, InformationDefect("SOURCE_HOUSEHOLD", "H-001", "name", "错", "", "2024-08-01")
        )
    assert caught.value.field == "information_defect.found_by"
    with pytest.raises(InvalidArgument) as caught:
        InformationDefect("SOURCE_HOUSEHOLD", "H-001", "name", "错", "SURVEY", "2024-13-01")
    assert caught.value.field == "information_defect.found_on"
