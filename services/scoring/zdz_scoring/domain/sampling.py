"""Acceptance sampling plans (验收抽样): what a district team checks in a town (000 附件3 三(三)) or a park
group (000 附件4 三(三)), each drawn item carrying the article text that put it in the sample.

Reproducible (DESIGN ruling): each group is drawn with `random.Random(f"{seed}:{group}")` from candidates
sorted by id, so the recorded seed and the same ledger give the same plan, whatever order the candidates
arrive in, and a change in one group (one more community) leaves the other groups' draws unchanged.

Judgement calls where the articles are open:
- "不足5个的…全部核查，超过5个的，随机抽查…不少于5个" says nothing of exactly 5: all 5 are checked, which
  satisfies both clauses (likewise exactly 10 non-residential units, exactly 5 park source households).
- The minimum sample sizes are drawn; ties for largest / oldest / most complex go to the smallest id.
- Non-residential: one per category first, then random up to 10; more than 10 categories → one per category.
- 30 % of the task list is rounded up (10 tasks → 3, 11 → 4).
- Pipe site check: inspection points (各20处, parks 各10处) when the ledger has at least that many in both the
  rain and the sewage network; otherwise pipe segments, alternating rain and sewage, until at least 1 km;
  with neither, every point there is, flagged as short.
- Facilities: the quota (1) is drawn among those not taking industrial wastewater; every facility that takes
  it is added on top (towns only: the park article has no such clause).
"""

from __future__ import annotations

import enum
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Protocol, TypeVar

from zdz_common.vocabulary import UnitKind
from zdz_scoring.domain.errors import InvalidInput

_TOWN = "附件3 三(三)："
_PARK = "附件4 三(三)："
TOWN_RESIDENTIAL_ALL = _TOWN + "建设区内生活小区（包括共用排水系统的底层商业和裙楼）不足5个的，验收时全部核查"
TOWN_RESIDENTIAL_RANDOM = _TOWN + "超过5个的，随机抽查，抽查样本量不少于5个"
TOWN_RESIDENTIAL_REQUIRED = _TOWN + "必须包含最大、最老及排水系统最复杂的生活小区"
TOWN_NON_RESIDENTIAL_ALL = _TOWN + "非生活小区样本量不足10个的，验收时全部核查"
TOWN_NON_RESIDENTIAL_RANDOM = _TOWN + "超过10个的，随机抽查，抽查样本量不少于10个"
TOWN_NON_RESIDENTIAL_CATEGORY = _TOWN + "且各类别抽查样本量不少于1个"
TOWN_TASK_RECORDS = _TOWN + "随机核查精细化排查及问题整改台账资料，核查比例不少于建设任务的30%"
TOWN_PIPE_SITE = _TOWN + "现场抽查雨水管网、污水管网各20处及以上或抽查长度不少于1 km"
TOWN_FACILITY = _TOWN + "污水集中处理设施及其对应排污口抽查样本量不少1个"
TOWN_FACILITY_INDUSTRIAL = (
    _TOWN + "对于接纳工业废水的污水集中处理设施及其对应排污口，必须核查，且不占用规定的抽查样本量个数"
)
PARK_HOUSEHOLD_ALL = _PARK + "工业园区内源头排水户不足5个的，验收时全部核查"
PARK_HOUSEHOLD_RANDOM = _PARK + "超过5个的，随机抽查，抽查样本量不少于5个"
PARK_RECORDS = _PARK + "随机核查问题清单、任务清单，核查比例不少于任务清单的30%"
PARK_PIPE_SITE = _PARK + "现场抽查雨水管网、污水管网各10处及以上或抽查长度不少于1 km"
PARK_FACILITY = _PARK + "污水集中处理设施及其对应排污口抽查样本量不少于1个"

HOUSEHOLD_SAMPLE = 5  # 生活小区 (towns) and 源头排水户 (parks): 不足5个全部核查，超过5个抽查不少于5个
NON_RESIDENTIAL_SAMPLE = 10  # 非生活小区: 不足10个全部核查，超过10个抽查不少于10个
RECORDS_SHARE_PERCENT = 30  # 核查比例不少于任务清单的30%
TOWN_POINTS_PER_NETWORK = 20  # 雨水管网、污水管网各20处
PARK_POINTS_PER_NETWORK = 10  # 雨水管网、污水管网各10处
PIPE_LENGTH_M = Decimal(1000)  # 或抽查长度不少于1 km
FACILITY_SAMPLE = 1  # 污水集中处理设施及其对应排污口抽查样本量不少于1个

_EXACT_NOTE = (
    "恰为{n}个：条文“不足{n}个…超过{n}个”未覆盖，全部核查，同时满足“不少于{n}个” (exactly {n}: all checked)"
)


class SampleObject(enum.StrEnum):
    RESIDENTIAL = "RESIDENTIAL"  # 生活小区 (incl. podium shops sharing its drainage)
    NON_RESIDENTIAL = "NON_RESIDENTIAL"  # 非生活小区
    SOURCE_HOUSEHOLD = "SOURCE_HOUSEHOLD"  # 源头排水户 of a park group
    TASK_RECORDS = "TASK_RECORDS"  # 台账资料查阅: tasks whose records are checked
    RAIN_POINTS = "RAIN_POINTS"  # 雨水管网现场抽查（开井检查）
    SEWAGE_POINTS = "SEWAGE_POINTS"  # 污水管网现场抽查（开井检查）
    PIPE_LENGTH = "PIPE_LENGTH"  # 抽查长度: pipe segments walked
    FACILITIES = "FACILITIES"  # 污水集中处理设施及其对应排污口


class DrawReason(enum.StrEnum):
    ALL = "ALL"  # 全部核查
    RANDOM = "RANDOM"  # 随机抽查
    LARGEST = "LARGEST"  # 最大
    OLDEST = "OLDEST"  # 最老
    MOST_COMPLEX = "MOST_COMPLEX"  # 排水系统最复杂
    CATEGORY = "CATEGORY"  # 各类别不少于1个
    INDUSTRIAL_WASTEWATER = "INDUSTRIAL_WASTEWATER"  # 接纳工业废水，必须核查，不占用样本量


class Network(enum.StrEnum):
    RAIN = "RAIN"  # 雨水管网
    SEWAGE = "SEWAGE"  # 污水管网


@dataclass(frozen=True)
class Community:
    """A residential community (生活小区) as the ledger describes it."""

    id: str
    size: int  # households (户数): the "最大" community has the most
    year_built: int  # the "最老" community was built first
    drainage_complexity: int  # the ledger's complexity score, higher = more complex ("排水系统最复杂")

    def __post_init__(self) -> None:
        for name in ("size", "year_built", "drainage_complexity"):
            _require_count(getattr(self, name), f"community[{self.id}].{name}")


# 000 二（一）1 and 附件3 一（二）: key water-related enterprises in a town's built-up area, outside the parks, are
# non-residential cells of the town, built and checked to the park standard (附件4).
KEY_ENTERPRISE = "重点涉水企业"
KEY_ENTERPRISE_CRITERIA = "参照《重庆市工业园区“污水零直排区”建设验收技术要点》（附件4）的企业标准核查"


@dataclass(frozen=True)
class NonResidential:
    """A non-residential unit (非生活小区): 商场、写字楼、医疗机构、学校、公共机构、交通客运场站、重点涉水企业…"""

    id: str
    category: str


@dataclass(frozen=True)
class Candidate:
    """Anything drawn by id alone: a park's source household (源头排水户), a task of the task list (任务清单)."""

    id: str


@dataclass(frozen=True)
class InspectionPoint:
    """A place where a pipe is opened and checked (开井检查)."""

    id: str
    network: Network


@dataclass(frozen=True)
class PipeSegment:
    id: str
    network: Network
    length_m: Decimal

    def __post_init__(self) -> None:
        if (
            isinstance(self.length_m, bool)
            or not isinstance(self.length_m, Decimal | int)
            or self.length_m <= 0
        ):
            raise InvalidInput(
                f"管段长度须为正数，单位米 (metres, > 0), 收到 {self.length_m!r}",
                field=f"segment[{self.id}].length_m",
            )
        object.__setattr__(self, "length_m", Decimal(self.length_m))


@dataclass(frozen=True)
class Facility:
    """A sewage treatment facility (污水集中处理设施) with the outfalls checked with it (其对应排污口)."""

    id: str
    takes_industrial_wastewater: bool = False  # 接纳工业废水
    outfall_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class TownPopulation:
    """What a town's acceptance samples from (000 附件3 三(三))."""

    communities: Sequence[Community] = ()
    non_residential: Sequence[NonResidential] = ()
    pipe_tasks: Sequence[Candidate] = ()  # 建设任务 of the municipal pipe network
    inspection_points: Sequence[InspectionPoint] = ()
    pipe_segments: Sequence[PipeSegment] = ()
    facilities: Sequence[Facility] = ()


@dataclass(frozen=True)
class ParkPopulation:
    """What a park group's acceptance samples from (000 附件4 三(三))."""

    source_households: Sequence[Candidate] = ()
    tasks: Sequence[Candidate] = ()  # 任务清单 (one task per problem point)
    inspection_points: Sequence[InspectionPoint] = ()
    pipe_segments: Sequence[PipeSegment] = ()
    facilities: Sequence[Facility] = ()


@dataclass(frozen=True)
class Draw:
    id: str
    reasons: tuple[DrawReason, ...]
    rule: str  # the article text that put it in the sample
    detail: str = ""  # e.g. the category, the size that made it the largest
    outfall_ids: tuple[str, ...] = ()  # facilities: the outfalls checked with it
    length_m: Decimal | None = None  # pipe segments


@dataclass(frozen=True)
class SampleGroup:
    object: SampleObject
    population: int  # candidates the ledger has
    required: int  # what the article requires: items, or metres for PIPE_LENGTH
    draws: tuple[Draw, ...]
    shortfall: bool = False  # fewer candidates than required: every one is taken
    note: str = ""

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(draw.id for draw in self.draws)


@dataclass(frozen=True)
class SamplingPlan:
    unit_kind: UnitKind
    seed: int
    groups: tuple[SampleGroup, ...]

    def group(self, sample_object: SampleObject) -> SampleGroup | None:
        return next((g for g in self.groups if g.object is sample_object), None)


def plan_town_sample(population: TownPopulation, *, seed: int) -> SamplingPlan:
    """The district acceptance sample of a town (000 附件3 三(三))."""
    _require_seed(seed)
    groups = (
        _communities(population.communities, seed),
        _non_residential(population.non_residential, seed),
        _records(population.pipe_tasks, seed, TOWN_TASK_RECORDS, "pipe_tasks"),
        *_pipe_site(population, seed, TOWN_POINTS_PER_NETWORK, TOWN_PIPE_SITE),
        _facilities(population.facilities, seed, TOWN_FACILITY, industrial_on_top=True),
    )
    return SamplingPlan(UnitKind.TOWN, seed, groups)


def plan_park_sample(population: ParkPopulation, *, seed: int) -> SamplingPlan:
    """The district acceptance sample of a park group (000 附件4 三(三))."""
    _require_seed(seed)
    groups = (
        _source_households(population.source_households, seed),
        _records(population.tasks, seed, PARK_RECORDS, "tasks"),
        *_pipe_site(population, seed, PARK_POINTS_PER_NETWORK, PARK_PIPE_SITE),
        _facilities(population.facilities, seed, PARK_FACILITY, industrial_on_top=False),
    )
    return SamplingPlan(UnitKind.PARK_GROUP, seed, groups)


def records_to_check(task_count: int) -> int:
    """30 % of the task list, rounded up: 核查比例不少于任务清单的30%."""
    return (task_count * RECORDS_SHARE_PERCENT + 99) // 100


def _communities(communities: Sequence[Community], seed: int) -> SampleGroup:
    # 000 附件3 三(三): 不足5个全部核查；超过5个随机抽查不少于5个，必须包含最大、最老及排水系统最复杂的生活小区
    pool = _sorted_by_id(communities, "communities")
    if len(pool) <= HOUSEHOLD_SAMPLE:
        return _all(SampleObject.RESIDENTIAL, pool, TOWN_RESIDENTIAL_ALL, HOUSEHOLD_SAMPLE)
    required: dict[str, list[tuple[DrawReason, str]]] = {}
    for reason, chosen, detail in (
        (DrawReason.LARGEST, max(pool, key=lambda c: c.size), "规模 {0.size}"),
        (DrawReason.OLDEST, min(pool, key=lambda c: c.year_built), "建成于 {0.year_built} 年"),
        (
            DrawReason.MOST_COMPLEX,
            max(pool, key=lambda c: c.drainage_complexity),
            "排水系统复杂度 {0.drainage_complexity}",
        ),
    ):
        required.setdefault(chosen.id, []).append((reason, detail.format(chosen)))
    draws = [
        Draw(id_, tuple(r for r, _ in why), TOWN_RESIDENTIAL_REQUIRED, "；".join(d for _, d in why))
        for id_, why in required.items()
    ]
    rest = [c for c in pool if c.id not in required]
    picked = _rng(seed, SampleObject.RESIDENTIAL).sample(rest, HOUSEHOLD_SAMPLE - len(draws))
    draws += [Draw(c.id, (DrawReason.RANDOM,), TOWN_RESIDENTIAL_RANDOM) for c in _by_id(picked)]
    return SampleGroup(SampleObject.RESIDENTIAL, len(pool), HOUSEHOLD_SAMPLE, tuple(draws))


def _non_residential(units: Sequence[NonResidential], seed: int) -> SampleGroup:
    # 000 附件3 三(三): 不足10个全部核查；超过10个随机抽查不少于10个，且各类别抽查样本量不少于1个
    pool = _sorted_by_id(units, "non_residential")
    if len(pool) <= NON_RESIDENTIAL_SAMPLE:
        group = _all(SampleObject.NON_RESIDENTIAL, pool, TOWN_NON_RESIDENTIAL_ALL, NON_RESIDENTIAL_SAMPLE)
        draws = tuple(replace(d, detail=_category_detail(u)) for d, u in zip(group.draws, pool, strict=True))
        return replace(group, draws=draws)
    rng = _rng(seed, SampleObject.NON_RESIDENTIAL)
    categories = sorted({unit.category for unit in pool})
    covering = [rng.choice([u for u in pool if u.category == category]) for category in categories]
    draws = [
        Draw(u.id, (DrawReason.CATEGORY,), TOWN_NON_RESIDENTIAL_CATEGORY, _category_detail(u))
        for u in covering
    ]
    chosen = {u.id for u in covering}
    rest = [u for u in pool if u.id not in chosen]
    picked = rng.sample(rest, max(0, NON_RESIDENTIAL_SAMPLE - len(covering)))
    draws += [
        Draw(u.id, (DrawReason.RANDOM,), TOWN_NON_RESIDENTIAL_RANDOM, _category_detail(u))
        for u in _by_id(picked)
    ]
    note = (
        f"类别 {len(categories)} 个多于10个：每类1个，样本量 {len(categories)} (one per category)"
        if len(categories) > NON_RESIDENTIAL_SAMPLE
        else ""
    )
    return SampleGroup(SampleObject.NON_RESIDENTIAL, len(pool), len(draws), tuple(draws), note=note)


def _category_detail(unit: NonResidential) -> str:
    if unit.category == KEY_ENTERPRISE:
        return f"类别：{unit.category}；{KEY_ENTERPRISE_CRITERIA}"
    return f"类别：{unit.category}"


def _source_households(households: Sequence[Candidate], seed: int) -> SampleGroup:
    # 000 附件4 三(三): 源头排水户不足5个的，全部核查；超过5个的，随机抽查，抽查样本量不少于5个
    pool = _sorted_by_id(households, "source_households")
    if len(pool) <= HOUSEHOLD_SAMPLE:
        return _all(SampleObject.SOURCE_HOUSEHOLD, pool, PARK_HOUSEHOLD_ALL, HOUSEHOLD_SAMPLE)
    picked = _rng(seed, SampleObject.SOURCE_HOUSEHOLD).sample(pool, HOUSEHOLD_SAMPLE)
    draws = tuple(Draw(h.id, (DrawReason.RANDOM,), PARK_HOUSEHOLD_RANDOM) for h in _by_id(picked))
    return SampleGroup(SampleObject.SOURCE_HOUSEHOLD, len(pool), HOUSEHOLD_SAMPLE, draws)


def _records(tasks: Sequence[Candidate], seed: int, rule: str, name: str) -> SampleGroup:
    # 000 附件3/附件4 三(三): 随机核查…台账资料，核查比例不少于任务的30%
    pool = _sorted_by_id(tasks, name)
    required = records_to_check(len(pool))
    picked = _rng(seed, SampleObject.TASK_RECORDS).sample(pool, required)
    draws = tuple(Draw(t.id, (DrawReason.RANDOM,), rule) for t in _by_id(picked))
    note = f"{len(pool)} 项任务的30%为 {len(pool) * RECORDS_SHARE_PERCENT / 100:g}，向上取整为 {required}"
    return SampleGroup(SampleObject.TASK_RECORDS, len(pool), required, draws, note=note)


def _pipe_site(
    population: TownPopulation | ParkPopulation, seed: int, per_network: int, rule: str
) -> tuple[SampleGroup, ...]:
    # 000 附件3/附件4 三(三): 现场抽查雨水管网、污水管网各20处（园区各10处）及以上或抽查长度不少于1 km
    points = _sorted_by_id(population.inspection_points, "inspection_points")
    segments = _sorted_by_id(population.pipe_segments, "pipe_segments")
    rain = [p for p in points if p.network is Network.RAIN]
    sewage = [p for p in points if p.network is Network.SEWAGE]
    if (len(rain) >= per_network and len(sewage) >= per_network) or not segments:
        return (
            _points(SampleObject.RAIN_POINTS, rain, per_network, seed, rule),
            _points(SampleObject.SEWAGE_POINTS, sewage, per_network, seed, rule),
        )
    note = f"点位不足（雨水 {len(rain)}、污水 {len(sewage)} 处，各需 {per_network} 处）：按长度抽查不少于1 km"
    return (_length(segments, seed, rule, note),)


def _points(
    sample_object: SampleObject, pool: list[InspectionPoint], per_network: int, seed: int, rule: str
) -> SampleGroup:
    if len(pool) < per_network:
        draws = tuple(Draw(p.id, (DrawReason.ALL,), rule) for p in pool)
        note = (
            f"仅有 {len(pool)} 处点位，少于 {per_network} 处，且无管段长度可抽：全部核查 (short: all taken)"
        )
        return SampleGroup(sample_object, len(pool), per_network, draws, shortfall=True, note=note)
    picked = _rng(seed, sample_object).sample(pool, per_network)
    draws = tuple(Draw(p.id, (DrawReason.RANDOM,), rule) for p in _by_id(picked))
    return SampleGroup(sample_object, len(pool), per_network, draws)


def _length(segments: list[PipeSegment], seed: int, rule: str, note: str) -> SampleGroup:
    # Rain and sewage segments alternate, so both networks are walked, until the length reaches 1 km.
    rng = _rng(seed, SampleObject.PIPE_LENGTH)
    queues = []
    for network in Network:
        queue = [s for s in segments if s.network is network]
        rng.shuffle(queue)
        queues.append(queue)
    drawn: list[PipeSegment] = []
    total = Decimal(0)
    while total < PIPE_LENGTH_M and any(queues):
        for queue in queues:
            if queue and total < PIPE_LENGTH_M:
                segment = queue.pop(0)
                drawn.append(segment)
                total += segment.length_m
    draws = tuple(
        Draw(s.id, (DrawReason.RANDOM,), rule, f"{s.network.value} {s.length_m} m", length_m=s.length_m)
        for s in drawn
    )
    shortfall = total < PIPE_LENGTH_M
    if shortfall:
        note += f"；管段总长 {total} m 不足1 km：全部核查 (short: all taken)"
    return SampleGroup(SampleObject.PIPE_LENGTH, len(segments), int(PIPE_LENGTH_M), draws, shortfall, note)


def _facilities(
    facilities: Sequence[Facility], seed: int, rule: str, *, industrial_on_top: bool
) -> SampleGroup:
    # 000 附件3 三(三): 抽查样本量不少于1个；接纳工业废水的…必须核查，且不占用规定的抽查样本量个数
    pool = _sorted_by_id(facilities, "facilities")
    industrial = [f for f in pool if f.takes_industrial_wastewater] if industrial_on_top else []
    draws = [
        Draw(f.id, (DrawReason.INDUSTRIAL_WASTEWATER,), TOWN_FACILITY_INDUSTRIAL, outfall_ids=f.outfall_ids)
        for f in industrial
    ]
    eligible = [f for f in pool if f not in industrial]  # the quota is drawn among the others
    picked = _rng(seed, SampleObject.FACILITIES).sample(eligible, min(FACILITY_SAMPLE, len(eligible)))
    draws += [Draw(f.id, (DrawReason.RANDOM,), rule, outfall_ids=f.outfall_ids) for f in picked]
    shortfall = len(eligible) < FACILITY_SAMPLE
    notes = []
    if industrial:
        notes.append(f"接纳工业废水的设施 {len(industrial)} 个必须核查，不占用样本量")
    if shortfall:
        notes.append("无可抽取的其他设施，样本量不足1个 (short)")
    return SampleGroup(
        SampleObject.FACILITIES, len(pool), FACILITY_SAMPLE, tuple(draws), shortfall, "；".join(notes)
    )


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


_C = TypeVar("_C", bound=_HasId)


def _all(sample_object: SampleObject, pool: list[_C], rule: str, threshold: int) -> SampleGroup:
    note = _EXACT_NOTE.format(n=threshold) if len(pool) == threshold else ""
    draws = tuple(Draw(c.id, (DrawReason.ALL,), rule) for c in pool)
    return SampleGroup(sample_object, len(pool), len(pool), draws, note=note)


def _sorted_by_id(candidates: Sequence[_C], name: str) -> list[_C]:
    seen: set[str] = set()
    for index, candidate in enumerate(candidates):
        if not isinstance(candidate.id, str) or not candidate.id.strip():
            raise InvalidInput("须有编号 (an id is required)", field=f"{name}[{index}].id")
        if candidate.id in seen:
            raise InvalidInput(f"编号 {candidate.id} 重复 (duplicate id)", field=f"{name}[{index}].id")
        seen.add(candidate.id)
    return _by_id(candidates)


def _by_id(candidates: Sequence[_C]) -> list[_C]:
    return sorted(candidates, key=lambda c: c.id)


def _rng(seed: int, sample_object: SampleObject) -> random.Random:
    return random.Random(f"{seed}:{sample_object.value}")


def _require_seed(seed: int) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise InvalidInput(f"随机种子须为整数 (the seed is an integer), 收到 {seed!r}", field="seed")


def _require_count(value: int, field: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(f"须为非负整数 (a whole number ≥ 0), 收到 {value!r}", field=field)
