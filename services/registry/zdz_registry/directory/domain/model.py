"""Districts (区县) with their targets (000 附件1) and units: towns/streets (镇街) and park groups (工业园区组团).

Aggregates record events from their command methods; `apply` is the only place state changes, so the same
code rebuilds an aggregate from its stream.

How to add a unit kind, on the registry's side (the programme-wide checklist is in `zdz_common.vocabulary`):
1. The vocabulary and the wire: a member of `zdz_common.vocabulary.UnitKind` with its label, and a value of
   `zdz.events.v1.UnitKind` in proto/zdz/events/v1/refs.proto (the mapping between them is by name).
2. Every `match` on a kind raises `UnknownUnitKind` in its `case _`; give the new kind a `case` in each:
   `_checked` here (what its details must and must not say), `progress` in ledger/domain/progress.py (which
   denominators and targets it counts towards, 000 一 and 附件1), and any other `match` a grep for `UnitKind.`
   in services/registry finds.
3. The official data: its units in directory/data/official_2024.json (or a new year's file) and their loading
   in directory/service_layer/official_data.py, with the document they come from.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field, replace

from zdz_common.errors import InvalidArgument
from zdz_common.vocabulary import UnitKind, UnknownUnitKind
from zdz_registry.directory.domain.events import (
    DistrictRegistered,
    DistrictUpdated,
    Event,
    UnitRegistered,
    UnitUpdated,
)
from zdz_registry.directory.domain.validation import require_code, require_percent, require_text, require_year

UNIT_ID_NAMESPACE = uuid.UUID("6f1c1d0e-8a3c-5b7e-9d42-0a5e2c7b1f00")


class ParkLevel(enum.StrEnum):
    NATIONAL = "NATIONAL"  # 国家级
    PROVINCIAL = "PROVINCIAL"  # 省级


def unit_id_for(district_code: str, kind: UnitKind, name: str) -> str:
    """A stable id derived from district, kind and name, so loading the official data twice finds the same units."""
    return str(uuid.uuid5(UNIT_ID_NAMESPACE, f"{district_code}/{kind.value}/{name}"))


def district_stream(code: str) -> str:
    return f"district/{code}"


def unit_stream(unit_id: str) -> str:
    return f"unit/{unit_id}"


@dataclass(frozen=True)
class DistrictTargets:
    """000 附件1: the share of towns/streets to reach the standard by end 2025 and by end 2027."""

    town_share_2025: int  # 2025 年城镇建设计划（比例）
    town_share_2027: int  # 2027 年城镇建设计划（比例）

    def __post_init__(self) -> None:
        require_percent(self.town_share_2025, "town_share_2025")
        require_percent(self.town_share_2027, "town_share_2027")


@dataclass
class District:
    code: str
    name: str = ""
    gb_code: str = ""
    targets: DistrictTargets = field(default_factory=lambda: DistrictTargets(0, 0))
    ordinal: int = 0
    version: int = 0
    pending: list[Event] = field(default_factory=list)

    @classmethod
    def register(
        cls, *, code: str, name: str, gb_code: str, targets: DistrictTargets, ordinal: int
    ) -> District:
        district = cls(code=require_code(code, "district.code"))
        district._record(
            DistrictRegistered(
                code=code,
                name=require_text(name, "district.name"),
                gb_code=_gb_code(gb_code),
                town_share_2025=targets.town_share_2025,
                town_share_2027=targets.town_share_2027,
                ordinal=ordinal,
            )
        )
        return district

    def update(self, *, name: str, gb_code: str, targets: DistrictTargets) -> None:
        event = DistrictUpdated(
            code=self.code,
            name=require_text(name, "district.name"),
            gb_code=_gb_code(gb_code),
            town_share_2025=targets.town_share_2025,
            town_share_2027=targets.town_share_2027,
        )
        if (event.name, event.gb_code, event.town_share_2025, event.town_share_2027) != (
            self.name,
            self.gb_code,
            self.targets.town_share_2025,
            self.targets.town_share_2027,
        ):
            self._record(event)

    def apply(self, event: Event) -> None:
        match event:
            case DistrictRegistered() | DistrictUpdated():
                self.name = event.name
                self.gb_code = event.gb_code
                self.targets = DistrictTargets(event.town_share_2025, event.town_share_2027)
                if isinstance(event, DistrictRegistered):
                    self.ordinal = event.ordinal
        self.version += 1

    def _record(self, event: Event) -> None:
        self.apply(event)
        self.pending.append(event)


def _gb_code(value: str) -> str:
    if value and not (len(value) == 6 and value.isdigit()):
        raise InvalidArgument(
            "GB/T 2260 代码为 6 位数字，或留空 (six digits, or empty)", field="district.gb_code"
        )
    return value


@dataclass(frozen=True)
class UnitDetails:
    """What may change about a unit after registration."""

    name: str
    along_river: bool  # 沿江 (000 附件2)
    target_year: int
    park: str = ""
    level: ParkLevel | None = None


@dataclass
class Unit:
    id: str
    district_code: str = ""
    kind: UnitKind | None = None  # None until the registration is applied
    details: UnitDetails = field(default_factory=lambda: UnitDetails("", False, 2027))
    version: int = 0
    pending: list[Event] = field(default_factory=list)

    @classmethod
    def register(cls, *, unit_id: str, district_code: str, kind: UnitKind, details: UnitDetails) -> Unit:
        details = _checked(kind, details)
        unit = cls(id=unit_id or unit_id_for(district_code, kind, details.name))
        unit._record(
            UnitRegistered(
                id=unit.id,
                district_code=district_code,
                kind=kind,
                name=details.name,
                along_river=details.along_river,
                target_year=details.target_year,
                park=details.park,
                level=details.level.value if details.level else "",
            )
        )
        return unit

    def update(self, details: UnitDetails) -> None:
        details = _checked(self.kind, details)
        if details != self.details:
            self._record(
                UnitUpdated(
                    id=self.id,
                    name=details.name,
                    along_river=details.along_river,
                    target_year=details.target_year,
                    park=details.park,
                    level=details.level.value if details.level else "",
                )
            )

    def apply(self, event: Event) -> None:
        match event:
            case UnitRegistered():
                self.district_code = event.district_code
                self.kind = event.kind
                self.details = _details_of(event)
            case UnitUpdated():
                self.details = _details_of(event)
        self.version += 1

    def _record(self, event: Event) -> None:
        self.apply(event)
        self.pending.append(event)


def _details_of(event: UnitRegistered | UnitUpdated) -> UnitDetails:
    return UnitDetails(
        name=event.name,
        along_river=event.along_river,
        target_year=event.target_year,
        park=event.park,
        level=ParkLevel(event.level) if event.level else None,
    )


def _checked(kind: UnitKind | None, details: UnitDetails) -> UnitDetails:
    name = require_text(details.name, "unit.name")
    require_year(details.target_year, "unit.target_year")
    match kind:
        case UnitKind.PARK_GROUP:  # 000 附件1: each group is named with its park and the park's level
            if details.level is None:
                raise InvalidArgument(
                    "工业园区组团须注明级别：国家级或省级 (level is required)", field="unit.level"
                )
            park = require_text(details.park, "unit.park") if details.park else ""
            return replace(details, name=name, park=park)
        case UnitKind.TOWN:
            if details.level is not None or details.park:
                raise InvalidArgument("镇街没有园区或级别 (a town has no park or level)", field="unit.level")
            return replace(details, name=name)
        case _:
            raise UnknownUnitKind(kind, where="单元登记")
