"""The registry as the scoring service reads it, over gRPC: a unit, its ledger's facts, and its ledger rows as the
population an acceptance sample is drawn from.

`Registry` is the port the service layer depends on; `GrpcRegistry` implements it on the registry's
RegistryService and LedgerService (proto/zdz/registry/v1). Tests pass a fake. The registry's own words are
translated here: its facts into a `LedgerSnapshot` (with the unit and its district's name, one call per score
sheet), its rows into a `TownPopulation` / `ParkPopulation`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol, TypeVar

import grpc

from zdz.registry.v1 import ledger_pb2, ledger_pb2_grpc, registry_pb2, registry_pb2_grpc
from zdz_common.errors import FailedPrecondition, InvalidArgument, NotFound, Unavailable
from zdz_common.eventstore.store import utc_now
from zdz_common.tls import TlsFiles, channel
from zdz_common.vocabulary import UnitKind, UnknownUnitKind
from zdz_scoring.adapters.wire import unit_kind_from_pb
from zdz_scoring.domain.records import UnitRef
from zdz_scoring.domain.sampling import (
    HOUSEHOLD_SAMPLE,
    KEY_ENTERPRISE,
    Candidate,
    Community,
    Facility,
    InspectionPoint,
    Network,
    NonResidential,
    ParkPopulation,
    PipeSegment,
    TownPopulation,
)

R = TypeVar("R")
PAGE_SIZE = 1000  # the registry's largest page
CALL_TIMEOUT_SECONDS = 30.0


class RegistryUnavailable(Unavailable):
    """The registry could not be reached or failed; the call may be retried (UNAVAILABLE at the edge)."""


@dataclass(frozen=True)
class Ratio:
    """A part of a whole as the registry reports it: text with two decimals, `percent` "" when the whole is 0."""

    part: str
    whole: str
    percent: str


@dataclass(frozen=True)
class ClassRectification:
    problems: int
    with_task: int
    rectified: int
    verified: int
    rate: Ratio


@dataclass(frozen=True)
class LedgerSummary:
    """What the self-assessment report tells about the ledger (the registry's UnitFacts, in plain values)."""

    household_survey: Ratio
    pipe_survey: Ratio
    facility_survey: Ratio
    rectification: Mapping[
        str, ClassRectification
    ]  # households, residential, non_residential, pipes, facilities
    self_check: Mapping[str, Ratio]  # residential, non_residential
    households_by_kind: Mapping[str, int]
    non_residential_by_category: Mapping[str, int]
    enterprises: Mapping[
        str, int
    ]  # total, water_related, key_dischargers, petrochemical, permitted, monitored
    permit_coverage: Ratio
    pipe_length_m: Mapping[str, str]
    inspection_points: int
    facilities: int
    facilities_taking_industrial: int
    outfalls: int
    outfalls_standardised: int
    problems_by_type: Mapping[str, int]
    major_defects: int
    problem_list_exists: bool
    task_list_exists: bool
    problems_without_task: int


@dataclass(frozen=True)
class LedgerSnapshot:
    """A unit's ledger facts at `read_at`.

    `figures`: the registry's ScoreFigures under the scoring `UnitFacts` names (rates as `Decimal`, None where
    there is nothing to count). `information_defects` and `problems_found`: counts by fact class (households,
    residential, non_residential, pipes, facilities) and by who found them (survey, acceptance, spot_check,
    look_back).
    """

    unit_id: str
    figures: Mapping[str, Decimal | bool | int | None]
    information_defects: Mapping[str, Mapping[str, int]]
    problems_found: Mapping[str, Mapping[str, int]]
    summary: LedgerSummary
    read_at: datetime = field(default_factory=utc_now)


@dataclass(frozen=True)
class UnitLedger:
    """What a score sheet reads from the registry, in one answer: the unit, its district's name, its ledger."""

    unit: UnitRef
    district_name: str
    ledger: LedgerSnapshot


class Registry(Protocol):
    """The port: what the scoring service asks the registry."""

    def unit(self, unit_id: str) -> UnitRef: ...

    def unit_ledger(self, unit_id: str, found_since: date | None = None) -> UnitLedger: ...

    def ledger(self, unit_id: str, found_since: date | None = None) -> LedgerSnapshot: ...

    def population(self, unit: UnitRef) -> TownPopulation | ParkPopulation: ...

    def filed_units(self) -> list[UnitRef]: ...


_CLASSES = ("households", "residential", "non_residential", "pipes", "facilities")
_STAGES = ("survey", "acceptance", "spot_check", "look_back")


class GrpcRegistry:
    """The registry over gRPC on one channel (built by `bootstrap`, closed by `close`)."""

    def __init__(
        self,
        address: str,
        *,
        timeout: float = CALL_TIMEOUT_SECONDS,
        token: str = "",
        tls: TlsFiles | None = None,
    ) -> None:
        """`token`: the scoring service's own SERVICE bearer token, sent on every call when authentication is on;
        `tls`: mutual TLS to the registry, when configured."""
        self._channel = channel(address, tls)
        self._units = registry_pb2_grpc.RegistryServiceStub(self._channel)
        self._ledger = ledger_pb2_grpc.LedgerServiceStub(self._channel)
        self._timeout = timeout
        self._metadata = (("authorization", f"Bearer {token}"),) if token else ()

    def close(self) -> None:
        self._channel.close()

    def unit(self, unit_id: str) -> UnitRef:
        response = self._call(self._units.GetUnit, registry_pb2.GetUnitRequest(id=unit_id), unit_id)
        unit = response.unit
        return UnitRef(unit.id, unit.district_code, unit_kind_from_pb(unit.kind, "unit.kind"), unit.name)

    def unit_ledger(self, unit_id: str, found_since: date | None = None) -> UnitLedger:
        """The unit, its district's name and its ledger facts, in one call (GetUnitFacts answers all three);
        defects and problems counted only from `found_since` on, when given."""
        request = ledger_pb2.GetUnitFactsRequest(
            unit_id=unit_id, found_since=found_since.isoformat() if found_since else ""
        )
        response = self._call(self._ledger.GetUnitFacts, request, unit_id)
        unit = response.unit
        return UnitLedger(
            UnitRef(unit.id, unit.district_code, unit_kind_from_pb(unit.kind, "unit.kind"), unit.name),
            response.district_name,
            snapshot_of(response.facts, read_at=utc_now()),
        )

    def ledger(self, unit_id: str, found_since: date | None = None) -> LedgerSnapshot:
        """The unit's ledger facts; defects and problems counted only from `found_since` on, when given."""
        return self.unit_ledger(unit_id, found_since).ledger

    def population(self, unit: UnitRef) -> TownPopulation | ParkPopulation:
        def rows(entity_class: int) -> list[ledger_pb2.LedgerRow]:
            return list(
                self._pages(
                    lambda token: self._call(
                        self._ledger.ListLedgerRows,
                        ledger_pb2.ListLedgerRowsRequest(
                            unit_id=unit.id, entity_class=entity_class, page_size=PAGE_SIZE, page_token=token
                        ),
                        unit.id,
                    ),
                    "rows",
                )
            )

        rows_of = LedgerRows(
            households=[r.source_household for r in rows(ledger_pb2.ENTITY_CLASS_SOURCE_HOUSEHOLD)],
            segments=[r.pipe_segment for r in rows(ledger_pb2.ENTITY_CLASS_PIPE_SEGMENT)],
            points=[r.inspection_point for r in rows(ledger_pb2.ENTITY_CLASS_INSPECTION_POINT)],
            facilities=[r.treatment_facility for r in rows(ledger_pb2.ENTITY_CLASS_FACILITY)],
            outfalls=[r.outfall for r in rows(ledger_pb2.ENTITY_CLASS_OUTFALL)],
            problems=list(
                self._pages(
                    lambda token: self._call(
                        self._ledger.ListProblems,
                        ledger_pb2.ListProblemsRequest(
                            unit_id=unit.id, page_size=PAGE_SIZE, page_token=token
                        ),
                        unit.id,
                    ),
                    "problems",
                )
            ),
        )
        match unit.kind:
            case UnitKind.TOWN:
                return town_population(rows_of)
            case UnitKind.PARK_GROUP:
                return park_population(rows_of)
            case _:
                raise UnknownUnitKind(unit.kind, where="验收抽样对象")

    def filed_units(self) -> list[UnitRef]:
        """Every unit filed and awaiting the city's round (ACCEPTANCE_STATE_FILED: 已备案，待市级抽查), the
        municipal spot-check's population (000 附件3/附件4 三(二)4: 对已通过验收的…抽查)."""
        request = registry_pb2.ListUnitsRequest(
            page_size=PAGE_SIZE, acceptance_states=[ledger_pb2.ACCEPTANCE_STATE_FILED]
        )

        def page(token: str) -> registry_pb2.ListUnitsResponse:
            request.page_token = token
            return self._call(self._units.ListUnits, request, "filed units")

        return [
            UnitRef(u.id, u.district_code, unit_kind_from_pb(u.kind, "unit.kind"), u.name)
            for u in self._pages(page, "units")
        ]

    @staticmethod
    def _pages(fetch: Callable[[str], Any], attribute: str) -> Iterator[Any]:
        token = ""
        while True:
            page = fetch(token)
            yield from getattr(page, attribute)
            token = page.next_page_token
            if not token:
                return

    def _call(self, method: Callable[..., R], request: object, key: str) -> R:
        try:
            return method(request, timeout=self._timeout, metadata=self._metadata)
        except grpc.RpcError as error:
            code = error.code()  # type: ignore[attr-defined]
            if code is grpc.StatusCode.NOT_FOUND:
                raise NotFound(f"登记系统中没有单元 {key!r} (not in the registry)", field="unit_id") from None
            if code is grpc.StatusCode.INVALID_ARGUMENT:
                raise InvalidArgument(error.details(), field="unit_id") from None  # type: ignore[attr-defined]
            raise RegistryUnavailable(
                f"登记系统暂不可用，请稍后重试 (the registry did not answer: {code.name})"
            ) from error


def snapshot_of(facts: ledger_pb2.UnitFacts, *, read_at: datetime) -> LedgerSnapshot:
    """The registry's UnitFacts message as a snapshot."""
    figures = facts.figures
    values: dict[str, Decimal | bool | int | None] = {
        name: Decimal(text) if (text := getattr(figures, name)) else None
        for name in (
            "household_survey_rate",
            "pipe_survey_rate",
            "facility_survey_rate",
            "residential_rectification_rate",
            "non_residential_rectification_rate",
            "source_household_rectification_rate",
            "pipe_rectification_rate",
            "facility_rectification_rate",
            "permit_issuance_rate",
        )
    }
    # 自查合格率 (town items 6–7) from the ledger's per-household self-check results; a class with no household
    # has nothing left undone, like a rectification rate with nothing to count (the registry's ruling).
    values |= {
        f"{name}_self_check_pass_rate": Decimal(getattr(facts, name).self_check.percent or "100")
        for name in ("residential", "non_residential")
    }
    values |= {
        "has_problem_list": figures.has_problem_list,
        "has_task_list": figures.has_task_list,
        "unmatched_list_entries": figures.unmatched_list_entries,
    }
    classes = {name: getattr(facts, name) for name in _CLASSES}
    return LedgerSnapshot(
        unit_id=facts.unit_id,
        figures=values,
        information_defects={
            name: {stage: getattr(c.information_defects, stage) for stage in _STAGES}
            for name, c in classes.items()
        },
        problems_found={
            name: {stage: getattr(c.problems_found, stage) for stage in _STAGES}
            for name, c in classes.items()
        },
        summary=LedgerSummary(
            household_survey=_ratio(facts.household_survey),
            pipe_survey=_ratio(facts.pipe_survey),
            facility_survey=_ratio(facts.facility_survey),
            rectification={
                name: ClassRectification(
                    problems=c.rectification.problems,
                    with_task=c.rectification.with_task,
                    rectified=c.rectification.rectified,
                    verified=c.rectification.verified,
                    rate=_ratio(c.rectification.rate),
                )
                for name, c in classes.items()
            },
            self_check={
                name: _ratio(classes[name].self_check) for name in ("residential", "non_residential")
            },
            households_by_kind=dict(facts.households_by_kind),
            non_residential_by_category=dict(facts.non_residential_by_category),
            enterprises={
                name: getattr(facts.enterprises, name)
                for name in (
                    "total",
                    "water_related",
                    "key_dischargers",
                    "petrochemical",
                    "permitted",
                    "monitored",
                )
            },
            permit_coverage=_ratio(facts.permit_coverage),
            pipe_length_m=dict(facts.pipe_length_m),
            inspection_points=facts.inspection_points,
            facilities=facts.facilities_count,
            facilities_taking_industrial=facts.facilities_taking_industrial,
            outfalls=facts.outfalls,
            outfalls_standardised=facts.outfalls_standardised,
            problems_by_type=dict(facts.problems_by_type),
            major_defects=facts.major_defects,
            problem_list_exists=facts.problem_list_exists,
            task_list_exists=facts.task_list_exists,
            problems_without_task=facts.problems_without_task,
        ),
        read_at=read_at,
    )


def _ratio(message: ledger_pb2.Ratio) -> Ratio:
    return Ratio(message.part, message.whole, message.percent)


# --- the population a sample is drawn from -------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerRows:
    """A unit's ledger rows as the registry lists them."""

    households: Sequence[ledger_pb2.SourceHousehold] = ()
    segments: Sequence[ledger_pb2.PipeSegment] = ()
    points: Sequence[ledger_pb2.InspectionPoint] = ()
    facilities: Sequence[ledger_pb2.TreatmentFacility] = ()
    outfalls: Sequence[ledger_pb2.Outfall] = ()
    problems: Sequence[ledger_pb2.Problem] = ()


_CATEGORY_LABELS = {
    ledger_pb2.CATEGORY_MALL: "商场",
    ledger_pb2.CATEGORY_OFFICE: "写字楼",
    ledger_pb2.CATEGORY_MEDICAL: "医疗机构",
    ledger_pb2.CATEGORY_SCHOOL: "学校",
    ledger_pb2.CATEGORY_PUBLIC_INSTITUTION: "公共机构",
    ledger_pb2.CATEGORY_PASSENGER_STATION: "交通客运场站",
}
_UNCATEGORISED = "其他"
_PIPE_CLASSES = (ledger_pb2.ENTITY_CLASS_PIPE_SEGMENT, ledger_pb2.ENTITY_CLASS_INSPECTION_POINT)


def town_population(rows: LedgerRows) -> TownPopulation:
    """A town's sampling population (000 附件3 三(三)).

    Residential compounds are communities: "最大" by households (户数), "最老" by year built, "最复杂" by drainage
    complexity (simple 1, moderate 2, complex 3). With more than 5 compounds the article requires those three, so
    a compound without 户数, year or complexity stops the draw (FAILED_PRECONDITION naming it) rather than be
    silently passed over. Non-residential households are drawn by category; a town's enterprises are its key
    water-related enterprises, non-residential cells checked to the park standard (000 二（一）1, 附件3 一（二）).
    The task records are the pipe network's tasks.
    """
    residential = [h for h in rows.households if h.kind == ledger_pb2.HOUSEHOLD_KIND_RESIDENTIAL]
    if len(residential) > HOUSEHOLD_SAMPLE:
        _require_sampling_data(residential)
    communities = tuple(
        Community(
            h.code,
            h.households,
            h.year_built,
            h.drainage_complexity,
        )
        for h in residential
    )
    non_residential = tuple(
        NonResidential(
            h.code,
            KEY_ENTERPRISE
            if h.kind == ledger_pb2.HOUSEHOLD_KIND_ENTERPRISE
            else _CATEGORY_LABELS.get(h.category, _UNCATEGORISED),
        )
        for h in rows.households
        if h.kind in (ledger_pb2.HOUSEHOLD_KIND_NON_RESIDENTIAL, ledger_pb2.HOUSEHOLD_KIND_ENTERPRISE)
    )
    return TownPopulation(
        communities=communities,
        non_residential=non_residential,
        pipe_tasks=tuple(
            Candidate(p.code) for p in rows.problems if _has_task(p) and p.entity_class in _PIPE_CLASSES
        ),
        **_network_and_plants(rows),  # type: ignore[arg-type]
    )


def park_population(rows: LedgerRows) -> ParkPopulation:
    """A park group's sampling population (000 附件4 三(三)): every source household, the whole task list."""
    return ParkPopulation(
        source_households=tuple(Candidate(h.code) for h in rows.households),
        tasks=tuple(Candidate(p.code) for p in rows.problems if _has_task(p)),
        **_network_and_plants(rows),  # type: ignore[arg-type]
    )


def _network_and_plants(rows: LedgerRows) -> dict[str, tuple]:  # type: ignore[type-arg]
    outfalls: dict[str, list[str]] = {}
    for outfall in rows.outfalls:
        if outfall.attached_to == ledger_pb2.ATTACHMENT_FACILITY:
            outfalls.setdefault(outfall.facility_code, []).append(outfall.code)
    return {
        "inspection_points": tuple(InspectionPoint(p.code, _network(p.network)) for p in rows.points),
        "pipe_segments": tuple(
            PipeSegment(s.code, _network(s.network), _metres(s.length_m)) for s in rows.segments
        ),
        "facilities": tuple(
            Facility(f.code, f.takes_industrial_wastewater, tuple(sorted(outfalls.get(f.code, ()))))
            for f in rows.facilities
        ),
    }


def _metres(length: float) -> Decimal:
    value = Decimal(str(length))  # the registry keeps metres to the centimetre; 400.0 reads "400"
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _network(network: int) -> Network:
    # A combined sewer (合流) carries sewage: it is checked as part of the sewage network.
    return Network.RAIN if network == ledger_pb2.NETWORK_TYPE_RAIN else Network.SEWAGE


def _has_task(problem: ledger_pb2.Problem) -> bool:
    return problem.HasField("task") and problem.task.state != ledger_pb2.TASK_STATE_UNSPECIFIED


def _require_sampling_data(compounds: Sequence[ledger_pb2.SourceHousehold]) -> None:
    # 000 附件3 三(三): 必须包含最大、最老及排水系统最复杂的生活小区
    missing = []
    for h in compounds:
        gaps = [
            label
            for label, absent in (
                ("户数", h.households <= 0),
                ("建成年份", h.year_built <= 0),
                ("排水系统复杂程度", h.drainage_complexity == ledger_pb2.DRAINAGE_COMPLEXITY_UNSPECIFIED),
            )
            if absent
        ]
        if gaps:
            missing.append(f"{h.code}（{'、'.join(gaps)}）")
    if missing:
        raise FailedPrecondition(
            "抽样须包含最大、最老及排水系统最复杂的生活小区，以下生活小区台账缺少相应信息，请先补录："
            + "；".join(missing)
            + " (the ledger lacks what decides the largest, oldest and most complex compound)",
            field="ledger.source_household",
        )
