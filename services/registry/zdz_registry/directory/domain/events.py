"""What happens in the registry, in the past tense. Wire form: zdz/registry/v1/events.proto."""

from __future__ import annotations

from dataclasses import dataclass

from zdz_common.vocabulary import UnitKind


@dataclass(frozen=True)
class DistrictRegistered:
    code: str
    name: str
    gb_code: str
    town_share_2025: int
    town_share_2027: int
    ordinal: int


@dataclass(frozen=True)
class DistrictUpdated:
    code: str
    name: str
    gb_code: str
    town_share_2025: int
    town_share_2027: int


@dataclass(frozen=True)
class UnitRegistered:
    id: str
    district_code: str
    kind: UnitKind
    name: str
    along_river: bool
    target_year: int
    park: str
    level: str


@dataclass(frozen=True)
class UnitUpdated:
    id: str
    name: str
    along_river: bool
    target_year: int
    park: str
    level: str


Event = DistrictRegistered | DistrictUpdated | UnitRegistered | UnitUpdated
