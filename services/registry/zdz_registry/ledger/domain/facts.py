"""The facts a score sheet needs from a unit's ledger, computed from the ledger alone (no I/O).

Town rubric: 000 附件3 附表 items 1–3 (survey rates, information defects), 5 (problem and task lists),
6–9 (rectification rates of residential, non-residential, pipes, facilities; self-check pass rates).
Park rubric: 000 附件4 附表 items 1–3 (survey rate, problem points missed by the survey), 4 (one-to-one lists),
6–8 (rectification of source households, pipes, facilities), 9 (discharge permits, counted by enterprise).
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from zdz_common.vocabulary import UnitKind, UnknownUnitKind
from zdz_registry.ledger.domain.problems import ProblemDetails, ProblemType, TaskState, is_major
from zdz_registry.ledger.domain.rows import (
    Category,
    EntityClass,
    FoundBy,
    HouseholdKind,
    InformationDefect,
    InspectionPoint,
    MedicalDischarge,
    NetworkType,
    Outfall,
    PipeSegment,
    SelfCheck,
    SourceHousehold,
    TreatmentFacility,
)

CENT = Decimal("0.01")


class FactClass(enum.StrEnum):
    """The classes the rubrics count by."""

    HOUSEHOLDS = "HOUSEHOLDS"  # 源头排水户, all kinds
    RESIDENTIAL = "RESIDENTIAL"  # 生活小区
    NON_RESIDENTIAL = (
        "NON_RESIDENTIAL"  # 非生活小区, with enterprises (附件3 §一(二): accepted as non-residential)
    )
    PIPES = "PIPES"  # 管网: segments and inspection points
    FACILITIES = "FACILITIES"  # 污水集中处理设施及其排污口


@dataclass(frozen=True)
class Ratio:
    """part of whole; `percent` is None when there is nothing to count (the caller decides what that scores)."""

    part: Decimal
    whole: Decimal

    @property
    def percent(self) -> Decimal | None:
        if not self.whole:
            return None
        return (self.part * 100 / self.whole).quantize(CENT, rounding=ROUND_HALF_UP)


def _ratio(part: float | int, whole: float | int) -> Ratio:
    return Ratio(Decimal(str(part)).quantize(CENT), Decimal(str(whole)).quantize(CENT))


@dataclass(frozen=True)
class Rectification:
    """整改: a problem counts as rectified once its rectification is verified (销号)."""

    problems: int
    with_task: int
    rectified: int  # rectified, verified or not
    verified: int

    @property
    def rate(self) -> Ratio:
        return _ratio(self.verified, self.problems)


@dataclass(frozen=True)
class ListedProblem:
    details: ProblemDetails
    task_state: TaskState | None


@dataclass(frozen=True)
class Ledger:
    """A unit's ledger as the facts see it."""

    households: Sequence[SourceHousehold] = ()
    pipes: Sequence[PipeSegment] = ()
    points: Sequence[InspectionPoint] = ()
    facilities: Sequence[TreatmentFacility] = ()
    outfalls: Sequence[Outfall] = ()
    defects: Sequence[InformationDefect] = ()
    problems: Sequence[ListedProblem] = ()
    unit_kind: UnitKind | None = (
        None  # whose ledger: a town's enterprises are cells (key_enterprises_as_cells)
    )


@dataclass(frozen=True)
class Enterprises:
    total: int
    water_related: int  # 涉水企业
    key_dischargers: int  # 重点涉水企业
    petrochemical: int  # 石油化工、石油炼制
    permitted: int  # water-related enterprises holding a discharge permit
    monitored: int  # water-related enterprises with online monitoring


@dataclass(frozen=True)
class Medical:
    """Medical institutions (非生活小区, 医疗机构) and their wastewater facilities (附件3 二（二）2, GB18466—2005)."""

    institutions: int
    with_facility: int
    compliant: int
    non_compliant: int


@dataclass(frozen=True)
class LedgerFacts:
    household_survey: Ratio  # 源头排水户排查率, by count (附件3 item 1, 附件4 item 1)
    pipe_survey: Ratio  # 管网排查率, by length in metres (附件3 item 2)
    facility_survey: Ratio  # 污水集中处理设施及其排污口排查率, by count (附件3 item 3)
    information_defects: Mapping[FactClass, Mapping[FoundBy, int]]  # 排查信息缺失或失真 (附件3 items 1–3)
    problems_found: Mapping[FactClass, Mapping[FoundBy, int]]  # found at acceptance = 漏报 (附件4 items 2–3)
    rectification: Mapping[FactClass, Rectification]  # 附件3 items 6–9, 附件4 items 6–8
    self_check: Mapping[FactClass, Ratio]  # 自查合格率 by building unit (附件3 items 6–7)
    problem_list_exists: bool  # 附件3 item 5
    task_list_exists: bool  # 附件3 item 5
    problems_without_task: int  # 附件4 item 4: lists match one to one when 0
    permit_coverage: Ratio  # 排污许可证发放率, by enterprise (附件4 item 9)
    enterprises: Enterprises
    households_by_kind: Mapping[HouseholdKind, int]
    non_residential_by_category: Mapping[Category, int]
    pipe_length_m: Mapping[NetworkType, Decimal]
    inspection_points: int
    facilities: int
    facilities_taking_industrial: int  # always sampled at acceptance (附件3 §三(三))
    outfalls: int
    outfalls_standardised: int  # 规范化建设 (HJ 1309—2023)
    problems_by_type: Mapping[ProblemType, int]
    major_defects: int  # 重大病害 (DESIGN.md)
    residential_households: int = 0  # 户数 over all residential compounds
    medical: Medical = Medical(0, 0, 0, 0)
    key_enterprises_as_cells: int = (
        0  # towns: 重点涉水企业 as non-residential cells (000 二（一）1; 附件3 一（二））
    )

    @property
    def lists_match(self) -> bool:
        return self.problem_list_exists and self.problems_without_task == 0


def _classes_of_household(household: SourceHousehold | None) -> tuple[FactClass, ...]:
    if household is None:
        return (FactClass.HOUSEHOLDS,)
    if household.kind is HouseholdKind.RESIDENTIAL:
        return FactClass.HOUSEHOLDS, FactClass.RESIDENTIAL
    return FactClass.HOUSEHOLDS, FactClass.NON_RESIDENTIAL


def _by_stage(pairs: Iterable[tuple[FactClass, FoundBy]]) -> dict[FactClass, dict[FoundBy, int]]:
    counts = Counter(pairs)
    return {c: {s: counts[(c, s)] for s in FoundBy if counts[(c, s)]} for c in FactClass}


def summarise(ledger: Ledger, *, found_since: date | None = None) -> LedgerFacts:
    """The facts of a ledger. `found_since` limits the counts of defects and problems found, stage by stage, to
    those found on or after that day: one acceptance round's findings are not counted again at the next."""
    households = {h.code: h for h in ledger.households}

    def in_window(found_on: date | None) -> bool:
        return found_since is None or (found_on is not None and found_on >= found_since)

    def classes_of(entity_class: EntityClass | None, code: str) -> tuple[FactClass, ...]:
        if entity_class is EntityClass.SOURCE_HOUSEHOLD:
            return _classes_of_household(households.get(code))
        if entity_class in (EntityClass.PIPE_SEGMENT, EntityClass.INSPECTION_POINT):
            return (FactClass.PIPES,)
        return (FactClass.FACILITIES,)

    problem_classes = [
        (p, classes_of(p.details.entity_class, p.details.entity_code)) for p in ledger.problems
    ]

    def rectification(fact_class: FactClass) -> Rectification:
        states = [p.task_state for p, classes in problem_classes if fact_class in classes]
        return Rectification(
            problems=len(states),
            with_task=sum(1 for s in states if s is not None),
            rectified=sum(1 for s in states if s in (TaskState.RECTIFIED, TaskState.VERIFIED)),
            verified=sum(1 for s in states if s is TaskState.VERIFIED),
        )

    def self_check(fact_class: FactClass) -> Ratio:
        group = [h for h in ledger.households if fact_class in _classes_of_household(h)]
        return _ratio(sum(1 for h in group if h.self_check is SelfCheck.PASSED), len(group))

    enterprises = [h for h in ledger.households if h.kind is HouseholdKind.ENTERPRISE]
    water = [e for e in enterprises if e.water_related]
    surveyed_length = sum(Decimal(str(p.length_m)) for p in ledger.pipes if p.surveyed)
    lengths = {
        n: sum((Decimal(str(p.length_m)) for p in ledger.pipes if p.network is n), Decimal(0))
        for n in NetworkType
    }
    installations = [*ledger.facilities, *ledger.outfalls]
    tasks = sum(1 for p in ledger.problems if p.task_state is not None)
    medical = [h for h in ledger.households if h.category is Category.MEDICAL]
    return LedgerFacts(
        household_survey=_ratio(sum(1 for h in ledger.households if h.surveyed), len(ledger.households)),
        pipe_survey=Ratio(
            Decimal(surveyed_length).quantize(CENT), sum(lengths.values(), Decimal(0)).quantize(CENT)
        ),
        facility_survey=_ratio(sum(1 for i in installations if i.surveyed), len(installations)),
        information_defects=_by_stage(
            (c, d.found_by)  # type: ignore[misc]
            for d in ledger.defects
            if in_window(d.found_on)
            for c in classes_of(d.entity_class, d.entity_code)
        ),
        problems_found=_by_stage(
            (c, p.details.found_by)  # type: ignore[misc]
            for p, classes in problem_classes
            if in_window(p.details.found_on)
            for c in classes
        ),
        rectification={c: rectification(c) for c in FactClass},
        self_check={c: self_check(c) for c in (FactClass.RESIDENTIAL, FactClass.NON_RESIDENTIAL)},
        problem_list_exists=bool(ledger.problems),
        task_list_exists=tasks > 0,
        problems_without_task=len(ledger.problems) - tasks,
        permit_coverage=_ratio(sum(1 for e in water if e.discharge_permit), len(water)),
        enterprises=Enterprises(
            total=len(enterprises),
            water_related=len(water),
            key_dischargers=sum(1 for e in enterprises if e.key_discharger),
            petrochemical=sum(1 for e in enterprises if e.petrochemical),
            permitted=sum(1 for e in water if e.discharge_permit),
            monitored=sum(1 for e in water if e.online_monitoring),
        ),
        households_by_kind=dict(Counter(h.kind for h in ledger.households if h.kind)),
        non_residential_by_category=dict(Counter(h.category for h in ledger.households if h.category)),
        pipe_length_m={n: length.quantize(CENT) for n, length in lengths.items() if length},
        inspection_points=len(ledger.points),
        facilities=len(ledger.facilities),
        facilities_taking_industrial=sum(1 for f in ledger.facilities if f.takes_industrial_wastewater),
        outfalls=len(ledger.outfalls),
        outfalls_standardised=sum(1 for o in ledger.outfalls if o.standardised),
        problems_by_type=dict(Counter(p.details.type for p in ledger.problems if p.details.type)),
        major_defects=sum(
            1 for p in ledger.problems if p.details.type and is_major(p.details.type, p.details.grade)
        ),
        residential_households=sum(
            h.households for h in ledger.households if h.kind is HouseholdKind.RESIDENTIAL
        ),
        medical=Medical(
            institutions=len(medical),
            with_facility=sum(1 for h in medical if h.medical_wastewater_facility),
            compliant=sum(1 for h in medical if h.medical_discharge is MedicalDischarge.COMPLIANT),
            non_compliant=sum(1 for h in medical if h.medical_discharge is MedicalDischarge.NON_COMPLIANT),
        ),
        key_enterprises_as_cells=_key_enterprises_as_cells(ledger.unit_kind, enterprises),
    )


def _key_enterprises_as_cells(unit_kind: UnitKind | None, enterprises: Sequence[SourceHousehold]) -> int:
    """000 二（一）1, 附件3 一（二）: a town accepts its key water-related enterprises outside the parks as
    non-residential cells (a town's ledger carries no other enterprise: rows.SourceHousehold.fits). A park
    group's enterprises are its own source households, not cells."""
    match unit_kind:
        case UnitKind.TOWN:
            return sum(1 for e in enterprises if e.key_discharger)
        case UnitKind.PARK_GROUP | UnitKind.VILLAGE | None:
            return 0
        case _:
            raise UnknownUnitKind(unit_kind, where="镇街重点涉水企业")


HUNDRED = Decimal("100.00")


@dataclass(frozen=True)
class ScoreFigures:
    """The facts under the scoring service's `UnitFacts` names (rates in percent).

    A rectification or permit rate with nothing to count is 100 % (nothing is left undone); a survey rate with
    nothing recorded stays None, because an empty ledger must not read as a complete survey.
    """

    household_survey_rate: Decimal | None
    pipe_survey_rate: Decimal | None
    facility_survey_rate: Decimal | None
    residential_rectification_rate: Decimal
    non_residential_rectification_rate: Decimal
    source_household_rectification_rate: Decimal
    pipe_rectification_rate: Decimal
    facility_rectification_rate: Decimal
    permit_issuance_rate: Decimal
    has_problem_list: bool
    has_task_list: bool
    unmatched_list_entries: int


def score_figures(facts: LedgerFacts) -> ScoreFigures:
    def settled(ratio: Ratio) -> Decimal:
        return HUNDRED if ratio.percent is None else ratio.percent

    def rectified(fact_class: FactClass) -> Decimal:
        return settled(facts.rectification[fact_class].rate)

    return ScoreFigures(
        household_survey_rate=facts.household_survey.percent,
        pipe_survey_rate=facts.pipe_survey.percent,
        facility_survey_rate=facts.facility_survey.percent,
        residential_rectification_rate=rectified(FactClass.RESIDENTIAL),
        non_residential_rectification_rate=rectified(FactClass.NON_RESIDENTIAL),
        source_household_rectification_rate=rectified(FactClass.HOUSEHOLDS),
        pipe_rectification_rate=rectified(FactClass.PIPES),
        facility_rectification_rate=rectified(FactClass.FACILITIES),
        permit_issuance_rate=settled(facts.permit_coverage),
        has_problem_list=facts.problem_list_exists,
        has_task_list=facts.task_list_exists,
        unmatched_list_entries=facts.problems_without_task,
    )
