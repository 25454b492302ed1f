"""Keeps the directory's read models in step with its events, inside the appending transaction."""

from __future__ import annotations

from sqlmodel import Session

from zdz_common.eventstore import RecordedEvent
from zdz_common.eventstore.store import format_time
from zdz_registry.directory.adapters.orm import DistrictView, UnitView
from zdz_registry.directory.domain.events import (
    DistrictRegistered,
    DistrictUpdated,
    Event,
    UnitRegistered,
    UnitUpdated,
)


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
            session.add(
                UnitView(
                    id=event.id,
                    district_code=event.district_code,
                    kind=event.kind.value,
                    name=event.name,
                    along_river=event.along_river,
                    target_year=event.target_year,
                    park=event.park,
                    level=event.level,
                    created_at=format_time(recorded.recorded_at),
                    version=recorded.version,
                )
            )
        case UnitUpdated():
            unit = session.get(UnitView, event.id)
            assert unit is not None
            unit.name = event.name
            unit.along_river = event.along_river
            unit.target_year = event.target_year
            unit.park = event.park
            unit.level = event.level
            unit.version = recorded.version
            session.add(unit)
