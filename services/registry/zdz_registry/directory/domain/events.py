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
    # Issue 12; a stored event without them decodes with the defaults.
    official_code: str = ""  # 统计用区划代码
    out_of_scope: bool = False  # 001 一: a park group without enterprises
    note: str = ""
    source: str = ""
    town_id: str = ""  # villages: their town's unit id


@dataclass(frozen=True)
class UnitUpdated:
    id: str
    name: str
    along_river: bool
    target_year: int
    park: str
    level: str
    official_code: str = ""
    out_of_scope: bool = False
    note: str = ""
    source: str = ""


@dataclass(frozen=True)
class UnitMoved:
    """An administrative change: the unit is now managed by another district or functional zone."""

    id: str
    from_district_code: str
    to_district_code: str
    source: str


@dataclass(frozen=True)
class UnitProfileUpdated:
    """What the district keeps about its unit, the whole profile as it now is."""

    id: str
    built_up_area_km2: float  # 建成区面积
    built_up_scope: str  # 建成区范围
    resident_population: int  # 常住人口
    lead_organisation: str  # 牵头单位
    contact_person: str
    contact_phone: str


@dataclass(frozen=True)
class DemonstrationVillageDesignated:
    """千村示范 (000 二（三）): the district designates the village."""

    unit_id: str  # the village; on the wire a UnitRef of kind VILLAGE
    district_code: str
    name: str
    on: str
    reason: str


@dataclass(frozen=True)
class DemonstrationVillageWithdrawn:
    unit_id: str  # the village; on the wire a UnitRef of kind VILLAGE
    district_code: str
    name: str
    on: str
    reason: str


@dataclass(frozen=True)
class DemonstrationVillageCompleted:
    unit_id: str  # the village; on the wire a UnitRef of kind VILLAGE
    district_code: str
    name: str
    on: str
    evidence: tuple[str, ...]
    reason: str


Event = (
    DistrictRegistered
    | DistrictUpdated
    | UnitRegistered
    | UnitUpdated
    | UnitMoved
    | UnitProfileUpdated
    | DemonstrationVillageDesignated
    | DemonstrationVillageWithdrawn
    | DemonstrationVillageCompleted
)
