"""Read models (projections) of the directory, updated in the same transaction as the events."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


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
    __table_args__ = (sa.UniqueConstraint("district_code", "kind", "name", name="uq_registry_unit_name"),)

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


DIRECTORY_TABLES = [DistrictView.__table__, UnitView.__table__]
