"""Read models (projections) of the directory, updated in the same transaction as the events."""

from __future__ import annotations

import sqlalchemy as sa
from pydantic_core import PydanticUndefined
from sqlmodel import Field, SQLModel

from zdz_common.eventstore import RecordedEvent
from zdz_common.eventstore.store import format_time
from zdz_common.vocabulary import UnitKind
from zdz_registry.directory.domain.events import UnitRegistered


class DistrictView(SQLModel, table=True):
    __tablename__ = "registry_district"

    code: str = Field(sa_column=sa.Column(sa.String(40), primary_key=True))
    name: str = Field(sa_column=sa.Column(sa.String(120), nullable=False))
    gb_code: str = Field(sa_column=sa.Column(sa.String(6), nullable=False))
    town_share_2025: int
    town_share_2027: int
    ordinal: int = Field(index=True)
    version: int


class UnitView(SQLModel, table=True):
    __tablename__ = "registry_unit"
    # Villages repeat names within a district; a name is unique within its district, kind and town.
    __table_args__ = (
        sa.UniqueConstraint("district_code", "kind", "name", "town_id", name="uq_registry_unit_name"),
    )

    id: str = Field(sa_column=sa.Column(sa.String(36), primary_key=True))
    district_code: str = Field(sa_column=sa.Column(sa.String(40), nullable=False, index=True))
    kind: str = Field(sa_column=sa.Column(sa.String(20), nullable=False, index=True))
    name: str = Field(sa_column=sa.Column(sa.String(120), nullable=False))
    along_river: bool = Field(index=True)
    target_year: int = Field(index=True)
    park: str = Field(sa_column=sa.Column(sa.String(120), nullable=False))
    level: str = Field(sa_column=sa.Column(sa.String(20), nullable=False))
    created_at: str = Field(sa_column=sa.Column(sa.String(40), nullable=False))
    version: int
    # Issue 12. An existing database needs them added (no migrations before issue 14: start a new store).
    official_code: str = Field(default="", sa_column=sa.Column(sa.String(12), nullable=False, index=True))
    out_of_scope: bool = Field(default=False, index=True)
    note: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    source: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    town_id: str = Field(default="", sa_column=sa.Column(sa.String(36), nullable=False, index=True))
    coded_under: str = Field(default="", sa_column=sa.Column(sa.String(6), nullable=False, index=True))
    demonstration_state: str = Field(
        default="", sa_column=sa.Column(sa.String(20), nullable=False, index=True)
    )
    designated_on: str = Field(default="", sa_column=sa.Column(sa.String(10), nullable=False))
    completed_on: str = Field(default="", sa_column=sa.Column(sa.String(10), nullable=False))
    built_up_area_km2: float = 0.0
    built_up_scope: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    resident_population: int = 0
    lead_organisation: str = Field(default="", sa_column=sa.Column(sa.String(120), nullable=False))
    contact_person: str = Field(default="", sa_column=sa.Column(sa.String(60), nullable=False))
    contact_phone: str = Field(default="", sa_column=sa.Column(sa.String(40), nullable=False))


_UNIT_DEFAULTS = {
    name: field.default
    for name, field in UnitView.model_fields.items()
    if field.default is not PydanticUndefined
}


def registered_unit_row(event: UnitRegistered, recorded: RecordedEvent) -> dict[str, object]:
    """The read-model row a registration makes, every column given (what `CreateUnit` answers with, too)."""
    return {
        **_UNIT_DEFAULTS,
        "id": event.id,
        "district_code": event.district_code,
        "kind": event.kind.value,
        "name": event.name,
        "along_river": event.along_river,
        "target_year": event.target_year,
        "park": event.park,
        "level": event.level,
        "created_at": format_time(recorded.recorded_at),
        "version": recorded.version,
        "official_code": event.official_code,
        "out_of_scope": event.out_of_scope,
        "note": event.note,
        "source": event.source,
        "town_id": event.town_id,
        "coded_under": event.official_code[:6],
        "demonstration_state": "NONE" if event.kind is UnitKind.VILLAGE else "",
    }


DIRECTORY_TABLES = [DistrictView.__table__, UnitView.__table__]
