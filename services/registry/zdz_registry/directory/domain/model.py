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

import datetime as dt
import enum
import uuid
from dataclasses import dataclass, field, replace

from zdz_common.errors import FailedPrecondition, InvalidArgument
from zdz_common.vocabulary import UnitKind, UnknownUnitKind
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
    if value and not (len(value) == 6 and value.isascii() and value.isdigit()):
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
    official_code: str = ""  # 统计用区划代码: 9 digits for a town, 12 for a village, empty for a park group
    out_of_scope: bool = False  # 001 一: park groups without enterprises only
    note: str = ""  # a visible note where the documents disagree


@dataclass(frozen=True)
class UnitProfile:
    """What the district keeps about its unit (not official data); every field may be empty."""

    built_up_area_km2: float = 0.0  # 建成区面积
    built_up_scope: str = ""  # 建成区范围 (000 附件3 一（一）)
    resident_population: int = 0  # 常住人口
    lead_organisation: str = ""  # 牵头单位
    contact_person: str = ""
    contact_phone: str = ""

    def __post_init__(self) -> None:
        if self.built_up_area_km2 < 0:
            raise InvalidArgument("建成区面积不能为负 (not negative)", field="profile.built_up_area_km2")
        if self.resident_population < 0:
            raise InvalidArgument("常住人口不能为负 (not negative)", field="profile.resident_population")


class DemonstrationState(enum.StrEnum):
    """千村示范 (000 二（三）): where a village stands."""

    NONE = "NONE"
    DESIGNATED = "DESIGNATED"
    COMPLETED = "COMPLETED"


PROGRAMME_START = dt.date(2024, 6, 18)  # 000 is dated 2024-06-18; nothing is designated before it


@dataclass(frozen=True)
class VillageDemonstration:
    state: DemonstrationState = DemonstrationState.NONE
    designated_on: str = ""
    completed_on: str = ""
    evidence: tuple[str, ...] = ()
    reason: str = ""


@dataclass
class Unit:
    id: str
    district_code: str = ""
    kind: UnitKind | None = None  # None until the registration is applied
    details: UnitDetails = field(default_factory=lambda: UnitDetails("", False, 2027))
    source: str = ""
    town_id: str = ""
    profile: UnitProfile = field(default_factory=UnitProfile)
    demonstration: VillageDemonstration = field(default_factory=VillageDemonstration)
    version: int = 0
    pending: list[Event] = field(default_factory=list)

    @classmethod
    def register(
        cls,
        *,
        unit_id: str,
        district_code: str,
        kind: UnitKind,
        details: UnitDetails,
        source: str = "",
        town_id: str = "",
    ) -> Unit:
        details = _checked(kind, details)
        if (kind is UnitKind.VILLAGE) != bool(town_id):
            raise InvalidArgument(
                "行政村须注明所属镇街，其他单元不注明 (villages only, required)", field="unit.town_id"
            )
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
                official_code=details.official_code,
                out_of_scope=details.out_of_scope,
                note=details.note,
                source=source,
                town_id=town_id,
            )
        )
        return unit

    def update(self, details: UnitDetails, *, source: str) -> None:
        source = require_text(source, "source", max_length=500)
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
                    official_code=details.official_code,
                    out_of_scope=details.out_of_scope,
                    note=details.note,
                    source=source,
                )
            )

    def move(self, to_district_code: str, *, source: str) -> None:
        """An administrative change (a newer functional-zones file, an announcement), with its source."""
        source = require_text(source, "source", max_length=500)
        if to_district_code != self.district_code:
            self._record(UnitMoved(self.id, self.district_code, to_district_code, source))

    def update_profile(self, profile: UnitProfile) -> None:
        if profile != self.profile:
            self._record(UnitProfileUpdated(self.id, **vars(profile)))

    def designate(self, on: str, reason: str, *, today: dt.date) -> None:
        """千村示范 (000 二（三）): the district designates one of its villages."""
        self._require_village()
        day = _day(on, "designated_on", today=today)
        if self.demonstration.state is not DemonstrationState.NONE:
            raise FailedPrecondition("该村已被确定为示范村 (already designated)", field="unit_id")
        self._record(
            DemonstrationVillageDesignated(
                self.id,
                self.district_code,
                self.details.name,
                day.isoformat(),
                require_text(reason, "reason"),
            )
        )

    def withdraw(self, on: str, reason: str, *, today: dt.date) -> None:
        self._require_village()
        day = _day(on, "withdrawn_on", today=today)
        if self.demonstration.state is not DemonstrationState.DESIGNATED:
            raise FailedPrecondition(
                "只能撤销已确定、尚未建成的示范村 (designated, not completed)", field="unit_id"
            )
        if day < dt.date.fromisoformat(self.demonstration.designated_on):
            raise InvalidArgument(
                "撤销日期不能早于确定日期 (not before the designation)", field="withdrawn_on"
            )
        self._record(
            DemonstrationVillageWithdrawn(
                self.id,
                self.district_code,
                self.details.name,
                day.isoformat(),
                require_text(reason, "reason"),
            )
        )

    def record_completion(self, on: str, evidence: tuple[str, ...], reason: str, *, today: dt.date) -> None:
        self._require_village()
        day = _day(on, "completed_on", today=today)
        if self.demonstration.state is not DemonstrationState.DESIGNATED:
            raise FailedPrecondition(
                "须先确定为示范村，且尚未记录建成 (designate first; completed once)", field="unit_id"
            )
        if day < dt.date.fromisoformat(self.demonstration.designated_on):
            raise InvalidArgument(
                "建成日期不能早于确定日期 (not before the designation)", field="completed_on"
            )
        evidence = tuple(e.strip() for e in evidence if e.strip())
        if not evidence:
            raise InvalidArgument("建成须附至少一项佐证材料 (at least one evidence)", field="evidence")
        self._record(
            DemonstrationVillageCompleted(
                self.id, self.district_code, self.details.name, day.isoformat(), evidence, reason.strip()
            )
        )

    def _require_village(self) -> None:
        if self.kind is not UnitKind.VILLAGE:
            raise FailedPrecondition("千村示范只适用于行政村 (villages only)", field="unit_id")

    def apply(self, event: Event) -> None:
        match event:
            case UnitRegistered():
                self.district_code = event.district_code
                self.kind = event.kind
                self.details = _details_of(event)
                self.source = event.source
                self.town_id = event.town_id
            case UnitUpdated():
                self.details = _details_of(event)
                self.source = event.source
            case UnitMoved():
                self.district_code = event.to_district_code
                self.source = event.source
            case UnitProfileUpdated():
                self.profile = UnitProfile(
                    event.built_up_area_km2,
                    event.built_up_scope,
                    event.resident_population,
                    event.lead_organisation,
                    event.contact_person,
                    event.contact_phone,
                )
            case DemonstrationVillageDesignated():
                self.demonstration = VillageDemonstration(
                    DemonstrationState.DESIGNATED, designated_on=event.on, reason=event.reason
                )
            case DemonstrationVillageWithdrawn():
                self.demonstration = VillageDemonstration(reason=event.reason)
            case DemonstrationVillageCompleted():
                self.demonstration = replace(
                    self.demonstration,
                    state=DemonstrationState.COMPLETED,
                    completed_on=event.on,
                    evidence=event.evidence,
                    reason=event.reason or self.demonstration.reason,
                )
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
        official_code=event.official_code,
        out_of_scope=event.out_of_scope,
        note=event.note,
    )


def _day(value: str, field_name: str, *, today: dt.date) -> dt.date:
    """A date of the 千村示范: YYYY-MM-DD, not before 000 (2024-06-18), not in the future."""
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidArgument(f"日期格式为 YYYY-MM-DD，收到 {value!r}", field=field_name) from None
    if not PROGRAMME_START <= day <= today:
        raise InvalidArgument(
            f"日期须在 2024-06-18 至今天之间，收到 {value} (not before 000, not in the future)",
            field=field_name,
        )
    return day


def _official_code(value: str, digits: int, field_name: str = "unit.official_code") -> str:
    if value and not (len(value) == digits and value.isascii() and value.isdigit()):
        raise InvalidArgument(f"统计用区划代码为 {digits} 位数字 (or empty)", field=field_name)
    return value


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
            if details.official_code:
                raise InvalidArgument(
                    "园区组团没有统计用区划代码 (empty for park groups)", field="unit.official_code"
                )
            return replace(details, name=name, park=park)
        case UnitKind.TOWN:
            if details.level is not None or details.park:
                raise InvalidArgument("镇街没有园区或级别 (a town has no park or level)", field="unit.level")
            _no_scope(details)
            return replace(details, name=name, official_code=_official_code(details.official_code, 9))
        case UnitKind.VILLAGE:  # 000 二（三）千村示范: no rubric, no acceptance; the programme runs to 2027
            if details.level is not None or details.park or details.along_river:
                raise InvalidArgument(
                    "行政村没有园区、级别或沿江标记 (a village has no park, level or along-river flag)",
                    field="unit.level",
                )
            if details.target_year != 2027:
                raise InvalidArgument("千村示范的目标年份为 2027 (000 二（三）)", field="unit.target_year")
            _no_scope(details)
            return replace(details, name=name, official_code=_official_code(details.official_code, 12))
        case _:
            raise UnknownUnitKind(kind, where="单元登记")


def _no_scope(details: UnitDetails) -> None:
    if details.out_of_scope:
        raise InvalidArgument(
            "只有园区组团可标为不在范围内 (park groups only, 001 一)", field="unit.out_of_scope"
        )
