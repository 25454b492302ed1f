"""Keeps the directory's read models in step with its events, inside the appending transaction."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session

from zdz_common.eventstore import RecordedEvent
from zdz_registry.directory.adapters.orm import DistrictView, UnitView, registered_unit_row
from zdz_registry.directory.domain.events import (
    DemonstrationVillageCompleted,
    DemonstrationVillageDesignated,
    DemonstrationVillageWithdrawn,
    DistrictRegistered,
    DistrictUpdated,
    Event,
    UnitMoved,
    UnitProfileUpdated,
    UnitRegistered,
    UnitUpdated,
)

_INSERT_UNIT = sa.insert(UnitView.__table__)  # type: ignore[arg-type]


def project(session: Session, event: Event, recorded: RecordedEvent) -> None:
    """`zdz_common.unit_of_work.Projector` for the directory: one new event, as the command produced it."""
    match event:
        case DistrictRegistered():
            session.add(
                DistrictView(
                    code=event.code,
                    name=event.name,
                    gb_code=event.gb_code,
                    town_share_2025=event.town_share_2025,
                    town_share_2027=event.town_share_2027,
                    ordinal=event.ordinal,
                    version=recorded.version,
                )
            )
        case DistrictUpdated():
            district = session.get(DistrictView, event.code)
            assert district is not None
            district.name = event.name
            district.gb_code = event.gb_code
            district.town_share_2025 = event.town_share_2025
            district.town_share_2027 = event.town_share_2027
            district.version = recorded.version
            session.add(district)
        case UnitRegistered():
            # A Core insert of the row in hand: no ORM object to flush (the hot path of CreateUnit).
            session.connection().execute(_INSERT_UNIT, registered_unit_row(event, recorded))
        case UnitUpdated():
            unit = session.get(UnitView, event.id)
            assert unit is not None
            unit.name = event.name
            unit.along_river = event.along_river
            unit.target_year = event.target_year
            unit.park = event.park
            unit.level = event.level
            unit.official_code = event.official_code
            unit.coded_under = event.official_code[:6]
            unit.out_of_scope = event.out_of_scope
            unit.note = event.note
            unit.source = event.source
            unit.version = recorded.version
            session.add(unit)
        case UnitMoved():
            unit = _unit(session, event.id)
            unit.district_code = event.to_district_code
            unit.source = event.source
            unit.version = recorded.version
            session.add(unit)
        case UnitProfileUpdated():
            unit = _unit(session, event.id)
            unit.built_up_area_km2 = event.built_up_area_km2
            unit.built_up_scope = event.built_up_scope
            unit.resident_population = event.resident_population
            unit.lead_organisation = event.lead_organisation
            unit.contact_person = event.contact_person
            unit.contact_phone = event.contact_phone
            unit.version = recorded.version
            session.add(unit)
        case DemonstrationVillageDesignated():
            unit = _unit(session, event.unit_id)
            unit.demonstration_state, unit.designated_on, unit.completed_on = "DESIGNATED", event.on, ""
            unit.version = recorded.version
            session.add(unit)
        case DemonstrationVillageWithdrawn():
            unit = _unit(session, event.unit_id)
            unit.demonstration_state, unit.designated_on, unit.completed_on = "NONE", "", ""
            unit.version = recorded.version
            session.add(unit)
        case DemonstrationVillageCompleted():
            unit = _unit(session, event.unit_id)
            unit.demonstration_state, unit.completed_on = "COMPLETED", event.on
            unit.version = recorded.version
            session.add(unit)


def _unit(session: Session, unit_id: str) -> UnitView:
    unit = session.get(UnitView, unit_id)
    assert unit is not None, unit_id
    return unit
