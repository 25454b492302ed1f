"""The 源网厂口 ledger (排查台账) of a unit: source households, pipe segments, inspection points, treatment
facilities and outfalls (000 附件3 and 附件4, §一(二) objects and §二(一) survey).

Aggregate boundary: one `LedgerEntry` per row, in its own stream ("household/<id>", "pipe/<id>", ...). A unit's
ledger holds thousands of rows (002: 667 source households, 278 km of pipes in one park group); one stream per
unit would make every clerk's edit and every task step collide with every other in that unit and make every
command replay the whole ledger. Per-row streams conflict only when two people edit the same row. The rules that
span rows (an outfall names a facility of the same ledger, a problem names a row) hold because rows are never
deleted and never change unit: a row's id is derived from (unit, class, code).
"""

from __future__ import annotations

import enum
import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from datetime import date
from typing import Any, ClassVar, TypeVar

from zdz_common.errors import FailedPrecondition, InvalidArgument, NotFound
from zdz_common.vocabulary import UnitKind, UnknownUnitKind
from zdz_registry.directory.domain.validation import require_text
from zdz_registry.ledger.domain.checks import (
    MAX_TEXT_LENGTH,
    as_date,
    as_enum,
    optional_text,
    require,
    require_absent,
    require_amount,
    require_code,
    require_rate,
)
from zdz_registry.ledger.domain.events import (
    EntryEvent,
    FacilityRecorded,
    InformationDefectRecorded,
    InspectionPointRecorded,
    OutfallRecorded,
    PipeSegmentRecorded,
    SourceHouseholdRecorded,
    UnitRef,
)

LEDGER_ID_NAMESPACE = uuid.UUID("0d6a3f1e-6c2b-5f4e-8a71-3b9c2e5d7a10")


class EntityClass(enum.StrEnum):
    SOURCE_HOUSEHOLD = "SOURCE_HOUSEHOLD"  # 源头排水户 (源)
    PIPE_SEGMENT = "PIPE_SEGMENT"  # 管段 (网)
    INSPECTION_POINT = "INSPECTION_POINT"  # 检查井、检查点 (网)
    FACILITY = "FACILITY"  # 污水集中处理设施 (厂)
    OUTFALL = "OUTFALL"  # 排污口 (口)


class HouseholdKind(enum.StrEnum):
    RESIDENTIAL = "RESIDENTIAL"  # 生活小区
    NON_RESIDENTIAL = "NON_RESIDENTIAL"  # 非生活小区
    ENTERPRISE = "ENTERPRISE"  # 工业企业


class Building(enum.StrEnum):
    SINGLE = "SINGLE"  # 单体楼
    NON_SINGLE = "NON_SINGLE"  # 非单体楼


class Category(enum.StrEnum):
    """The six kinds of 非生活小区 the documents name (000 二(一)1, 附件3 一(二))."""

    MALL = "MALL"  # 商场
    OFFICE = "OFFICE"  # 写字楼
    MEDICAL = "MEDICAL"  # 医疗机构
    SCHOOL = "SCHOOL"  # 学校
    PUBLIC_INSTITUTION = "PUBLIC_INSTITUTION"  # 公共机构
    PASSENGER_STATION = "PASSENGER_STATION"  # 交通客运场站


class DrainageComplexity(enum.StrEnum):
    SIMPLE = "SIMPLE"  # 简单
    MODERATE = "MODERATE"  # 一般
    COMPLEX = "COMPLEX"  # 复杂


class SelfCheck(enum.StrEnum):
    NOT_DONE = "NOT_DONE"  # 未自查
    PASSED = "PASSED"  # 自查合格
    FAILED = "FAILED"  # 自查不合格


class MedicalDischarge(enum.StrEnum):
    """A medical institution's effluent against 《医疗机构水污染物排放标准》GB18466—2005 (附件3 二（二）2)."""

    NOT_ASSESSED = "NOT_ASSESSED"  # 未检测
    COMPLIANT = "COMPLIANT"  # 出水稳定达标
    NON_COMPLIANT = "NON_COMPLIANT"  # 出水未稳定达标


class NetworkType(enum.StrEnum):
    RAIN = "RAIN"  # 雨水
    SEWAGE = "SEWAGE"  # 污水
    COMBINED = "COMBINED"  # 合流


class Attachment(enum.StrEnum):
    FACILITY = "FACILITY"  # 污水集中处理设施排口
    NETWORK = "NETWORK"  # 管网排口 (e.g. 雨洪排口)


class FoundBy(enum.StrEnum):
    """Who found a problem or an information defect (000 §三(五): survey, acceptance, spot-check, look-back)."""

    SURVEY = "SURVEY"  # 排查
    ACCEPTANCE = "ACCEPTANCE"  # 区县验收
    SPOT_CHECK = "SPOT_CHECK"  # 市级抽查
    LOOK_BACK = "LOOK_BACK"  # 回头看


def record_id(unit_id: str, kind: str, code: str) -> str:
    """A row's id, derived from its unit, class and code, so importing the same sheet twice finds the same rows."""
    return str(uuid.uuid5(LEDGER_ID_NAMESPACE, f"{unit_id}/{kind}/{code}"))


_STREAM_PREFIX = {
    EntityClass.SOURCE_HOUSEHOLD: "household",
    EntityClass.PIPE_SEGMENT: "pipe",
    EntityClass.INSPECTION_POINT: "point",
    EntityClass.FACILITY: "facility",
    EntityClass.OUTFALL: "outfall",
}


def entry_stream(entity_class: EntityClass, entry_id: str) -> str:
    return f"{_STREAM_PREFIX[entity_class]}/{entry_id}"


@functools.cache
def _members(enum_class: type[enum.Enum]) -> dict[object, enum.Enum | None]:
    return {"": None, **{m.value: m for m in enum_class}}


def coerce_enums(value: Any, prefix: str, **enum_fields: type[enum.Enum]) -> None:
    """Turn wire strings into enum members (frozen dataclasses, hence object.__setattr__). "" and a member's
    value (a StrEnum member is its value) are looked up; anything else goes through `as_enum`, which names it."""
    for name, enum_class in enum_fields.items():
        given, members = getattr(value, name), _members(enum_class)
        if given in members:
            object.__setattr__(value, name, members[given])
        else:
            object.__setattr__(value, name, as_enum(enum_class, given, f"{prefix}.{name}"))


V = TypeVar("V")


def with_changes(value: V, **changes: Any) -> V:
    """`replace(value, **changes)`, or `value` itself when nothing changes (most rows of a clean sheet)."""
    if all(getattr(value, name) == new for name, new in changes.items()):
        return value
    return replace(value, **changes)  # type: ignore[type-var]


# Is there a row of this class and code in the unit's ledger? (The service answers from the batch and the read model.)
Exists = Callable[[EntityClass, str], bool]


@dataclass(frozen=True)
class SourceHousehold:
    """源头排水户. Podium shops sharing a compound's drainage belong to it; with their own drainage they are a
    non-residential household of their own (附件3 §二(一)2(2)). In a town, a key water-related enterprise outside
    the parks is accepted as non-residential (附件3 §一(二))."""

    entity_class: ClassVar[EntityClass] = EntityClass.SOURCE_HOUSEHOLD
    code: str
    name: str
    kind: HouseholdKind | None
    building: Building | None = None
    category: Category | None = None
    floor_area_m2: float = 0.0  # 建筑面积: acceptance samples the largest (附件3 §三(三))
    year_built: int = 0  # 建成年份, 0 when unknown: acceptance samples the oldest
    drainage_complexity: DrainageComplexity | None = None  # acceptance samples the most complex
    water_related: bool = False  # 涉水企业
    key_discharger: bool = False  # 重点涉水企业 / 水环境重点排污单位
    petrochemical: bool = False  # 石油化工、石油炼制企业 (附件4 §二(二)1: initial rainwater)
    discharge_permit: bool = False  # 已取得排污许可证
    online_monitoring: bool = False  # 自动监测设备已安装并联网
    surveyed: bool = False  # 已排查
    self_check: SelfCheck | None = SelfCheck.NOT_DONE  # 自查结果 (附件3 附表 items 6–7: 自查合格率)
    households: int = 0  # 户数 of a 生活小区, 0 when unknown: acceptance samples the largest (附件3 三（三）)
    medical_wastewater_facility: bool = False  # 医疗机构: 医疗废水收集处理设施已建成 (附件3 二（二）2)
    medical_discharge: MedicalDischarge | None = None  # 医疗机构: GB18466—2005 出水达标情况

    def __post_init__(self) -> None:
        coerce_enums(
            self,
            "source_household",
            kind=HouseholdKind,
            building=Building,
            category=Category,
            drainage_complexity=DrainageComplexity,
            self_check=SelfCheck,
            medical_discharge=MedicalDischarge,
        )
        if self.self_check is None:
            object.__setattr__(self, "self_check", SelfCheck.NOT_DONE)

    def checked(self, exists: Exists) -> SourceHousehold:
        f = "source_household"
        kind = require(self.kind, f"{f}.kind")
        if kind is HouseholdKind.ENTERPRISE:
            require_absent(self.building, f"{f}.building", "工业企业不分单体楼")
            require_absent(self.category, f"{f}.category", "工业企业不属非生活小区类别")
            if self.key_discharger and not self.water_related:
                raise InvalidArgument(
                    "重点涉水企业须同时标为涉水企业 (a key discharger is water-related)",
                    field=f"{f}.water_related",
                )
        else:
            require(self.building, f"{f}.building")
            if kind is HouseholdKind.NON_RESIDENTIAL:
                require(self.category, f"{f}.category")
            else:
                require_absent(self.category, f"{f}.category", "生活小区没有非生活小区类别")
            for flag in (
                "water_related",
                "key_discharger",
                "petrochemical",
                "discharge_permit",
                "online_monitoring",
            ):
                require_absent(getattr(self, flag), f"{f}.{flag}", "仅工业企业填写")
        if self.households < 0:
            raise InvalidArgument(
                f"户数不能为负数 (not negative)，收到 {self.households}", field=f"{f}.households"
            )
        if kind is not HouseholdKind.RESIDENTIAL:
            # 户数 counts the homes of a 生活小区; a 非生活小区 or an enterprise is one 排水户 itself.
            require_absent(self.households, f"{f}.households", "户数仅生活小区填写")
        if self.category is not Category.MEDICAL:
            for medical in ("medical_wastewater_facility", "medical_discharge"):
                require_absent(getattr(self, medical), f"{f}.{medical}", "仅医疗机构填写")
        require_amount(self.floor_area_m2, f"{f}.floor_area_m2")
        if self.year_built and not 1900 <= self.year_built <= 2100:
            raise InvalidArgument(
                f"建成年份须在 1900–2100 之间，收到 {self.year_built}", field=f"{f}.year_built"
            )
        return with_changes(
            self, code=require_code(self.code, f"{f}.code"), name=require_text(self.name, f"{f}.name")
        )

    def fits(self, unit_kind: UnitKind) -> None:
        """In a town's ledger an enterprise is a key water-related discharger outside the parks, accepted as a
        non-residential cell with the park criteria (000 二（一）1; 附件3 一（二））; ordinary enterprises belong to
        a park group's ledger or are not 重点涉水."""
        match unit_kind:
            case UnitKind.TOWN:
                if self.kind is HouseholdKind.ENTERPRISE and not self.key_discharger:
                    raise InvalidArgument(
                        "镇街台账只收重点涉水企业（作为非生活小区排水单位按园区标准验收）；其他企业属园区台账或非重点涉水 "
                        "(a town's ledger carries only key water-related enterprises)",
                        field="source_household.key_discharger",
                    )
            case UnitKind.PARK_GROUP:
                pass
            case (
                UnitKind.VILLAGE
            ):  # 000 二（三）: a village is designated and completed, not surveyed or scored
                raise FailedPrecondition(
                    "行政村（千村示范）没有源网厂口台账：由区县认定示范村并记录完成 (a village has no ledger)",
                    field="unit_id",
                )
            case _:
                raise UnknownUnitKind(unit_kind, where="源头排水户")


@dataclass(frozen=True)
class PipeSegment:
    """A pipe segment (管段) surveyed per CJJ 181-2012 (附件3 §二(一)1, 附件4 §二(一)2)."""

    entity_class: ClassVar[EntityClass] = EntityClass.PIPE_SEGMENT
    code: str
    network: NetworkType | None
    length_m: float
    location: str = ""  # road or section, e.g. "解放路 YS-12 至 YS-13"
    surveyed: bool = False

    def __post_init__(self) -> None:
        coerce_enums(self, "pipe_segment", network=NetworkType)

    def checked(self, exists: Exists) -> PipeSegment:
        f = "pipe_segment"
        require(self.network, f"{f}.network")
        require_amount(self.length_m, f"{f}.length_m", positive=True)
        return with_changes(
            self,
            code=require_code(self.code, f"{f}.code"),
            location=optional_text(self.location, f"{f}.location"),
        )


@dataclass(frozen=True)
class InspectionPoint:
    """An inspection point (检查井, 开井检查 point) of the network, optionally on a recorded segment."""

    entity_class: ClassVar[EntityClass] = EntityClass.INSPECTION_POINT
    code: str
    network: NetworkType | None
    pipe_code: str = ""
    location: str = ""
    surveyed: bool = False

    def __post_init__(self) -> None:
        coerce_enums(self, "inspection_point", network=NetworkType)

    def checked(self, exists: Exists) -> InspectionPoint:
        f = "inspection_point"
        require(self.network, f"{f}.network")
        pipe_code = self.pipe_code.strip()
        if pipe_code and not exists(EntityClass.PIPE_SEGMENT, pipe_code):
            raise NotFound(
                f"台账中没有管段 {pipe_code!r} (no such pipe segment in this ledger)", field=f"{f}.pipe_code"
            )
        return with_changes(
            self,
            code=require_code(self.code, f"{f}.code"),
            pipe_code=pipe_code,
            location=optional_text(self.location, f"{f}.location"),
        )


@dataclass(frozen=True)
class TreatmentFacility:
    """污水集中处理设施 (附件3 §二(一)3, 附件4 §二(一)3)."""

    entity_class: ClassVar[EntityClass] = EntityClass.FACILITY
    code: str
    name: str
    capacity_m3_per_day: float  # 处理能力
    load_m3_per_day: float = 0.0  # 实际处理量; above capacity is real (超负荷), not an error
    takes_industrial_wastewater: bool = False  # 接纳工业废水: always sampled (附件3 §三(三))
    industrial_share_percent: float = 0.0  # 工业废水占比
    online_monitoring: bool = False  # 出水自动监测设备已安装并联网
    surveyed: bool = False

    def checked(self, exists: Exists) -> TreatmentFacility:
        f = "treatment_facility"
        require_amount(self.capacity_m3_per_day, f"{f}.capacity_m3_per_day", positive=True)
        require_amount(self.load_m3_per_day, f"{f}.load_m3_per_day")
        require_rate(self.industrial_share_percent, f"{f}.industrial_share_percent")
        if self.industrial_share_percent and not self.takes_industrial_wastewater:
            raise InvalidArgument(
                "有工业废水占比的设施须标明接纳工业废水 (a share needs takes_industrial_wastewater)",
                field=f"{f}.takes_industrial_wastewater",
            )
        return with_changes(
            self, code=require_code(self.code, f"{f}.code"), name=require_text(self.name, f"{f}.name")
        )


@dataclass(frozen=True)
class Outfall:
    """排污口, attached to a facility or to a network; 规范化 per HJ 1309—2023 (附件3 §二(二)3)."""

    entity_class: ClassVar[EntityClass] = EntityClass.OUTFALL
    code: str
    name: str
    attached_to: Attachment | None
    facility_code: str = ""
    network: NetworkType | None = None
    standardised: bool = False  # 已完成规范化建设
    surveyed: bool = False

    def __post_init__(self) -> None:
        coerce_enums(self, "outfall", attached_to=Attachment, network=NetworkType)

    def checked(self, exists: Exists) -> Outfall:
        f = "outfall"
        attached_to = require(self.attached_to, f"{f}.attached_to")
        facility_code = self.facility_code.strip()
        if attached_to is Attachment.FACILITY:
            if not facility_code:
                raise InvalidArgument("设施排口须注明所属设施编号 (required)", field=f"{f}.facility_code")
            if not exists(EntityClass.FACILITY, facility_code):
                raise NotFound(
                    f"台账中没有设施 {facility_code!r} (no such facility in this ledger)",
                    field=f"{f}.facility_code",
                )
            require_absent(self.network, f"{f}.network", "设施排口不填管网类型")
        else:
            require_absent(facility_code, f"{f}.facility_code", "管网排口不属于设施")
            require(self.network, f"{f}.network")
        return with_changes(
            self,
            code=require_code(self.code, f"{f}.code"),
            name=require_text(self.name, f"{f}.name"),
            facility_code=facility_code,
        )


LedgerRow = SourceHousehold | PipeSegment | InspectionPoint | TreatmentFacility | Outfall


@dataclass(frozen=True)
class InformationDefect:
    """排查信息缺失或失真: a row whose survey information is missing or wrong (附件3 附表 items 1–3, 0.5 each)."""

    entity_class: EntityClass | None
    entity_code: str
    field: str  # which information, e.g. "year_built" or "管网走向"
    description: str
    found_by: FoundBy | None
    found_on: date | None

    def __post_init__(self) -> None:
        coerce_enums(self, "information_defect", entity_class=EntityClass, found_by=FoundBy)
        object.__setattr__(self, "found_on", as_date(self.found_on, "information_defect.found_on"))

    def checked(self) -> InformationDefect:
        f = "information_defect"
        require(self.entity_class, f"{f}.entity_class")
        require(self.found_by, f"{f}.found_by")
        require(self.found_on, f"{f}.found_on")
        return with_changes(
            self,
            entity_code=require_code(self.entity_code, f"{f}.entity_code"),
            field=require_text(self.field, f"{f}.field"),
            description=require_text(self.description, f"{f}.description", max_length=MAX_TEXT_LENGTH),
        )


_EVENT_OF: dict[type, type] = {
    SourceHousehold: SourceHouseholdRecorded,
    PipeSegment: PipeSegmentRecorded,
    InspectionPoint: InspectionPointRecorded,
    TreatmentFacility: FacilityRecorded,
    Outfall: OutfallRecorded,
}
_ROW_OF: dict[type, type] = {event: row for row, event in _EVENT_OF.items()}


def _wire(value: object) -> object:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else value


@functools.cache
def _field_names(value_class: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(value_class))


def wire_fields(value: object) -> dict[str, Any]:
    """A value object's fields as the primitives its event carries."""
    return {name: _wire(getattr(value, name)) for name in _field_names(type(value))}


def row_of(event: EntryEvent) -> LedgerRow:
    row_class = _ROW_OF[type(event)]
    return row_class(**{name: getattr(event, name) for name in _field_names(row_class)})  # type: ignore[no-any-return]


@dataclass
class LedgerEntry:
    """One row of the ledger with the information defects found in it."""

    id: str
    unit_id: str = ""
    row: LedgerRow | None = None
    defects: list[InformationDefect] = field(default_factory=list)
    version: int = 0
    pending: list[EntryEvent] = field(default_factory=list)

    def record(self, unit: UnitRef, row: LedgerRow, exists: Exists) -> None:
        """State the row (first time or revised); an unchanged row records nothing, so re-imports are harmless."""
        row = row.checked(exists)
        if isinstance(row, SourceHousehold):
            row.fits(unit.kind)
        if row != self.row:
            # The entry keeps the row it states (row_of(event) == row): no decoding of what was just encoded.
            self._record(_EVENT_OF[type(row)](unit=unit, id=self.id, **wire_fields(row)), row)

    def note_defect(self, unit: UnitRef, defect: InformationDefect) -> None:
        if self.row is None:
            raise NotFound(
                f"台账中没有 {defect.entity_class} {defect.entity_code!r} (record the row first)",
                field="information_defect.entity_code",
            )
        defect = defect.checked()
        if defect not in self.defects:
            self._record(InformationDefectRecorded(unit=unit, entity_id=self.id, **wire_fields(defect)))

    def apply(self, event: EntryEvent, row: LedgerRow | None = None) -> None:
        """Evolve by one event; `row`, when given, is the row the event states, already in hand."""
        self.unit_id = event.unit.id
        if isinstance(event, InformationDefectRecorded):
            values = {name: getattr(event, name) for name in _field_names(InformationDefect)}
            self.defects.append(InformationDefect(**values))
        else:
            self.row = row or row_of(event)
        self.version += 1

    def _record(self, event: EntryEvent, row: LedgerRow | None = None) -> None:
        self.apply(event, row)
        self.pending.append(event)
