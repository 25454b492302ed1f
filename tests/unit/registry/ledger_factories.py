"""Small builders for the ledger's domain tests: a unit, rows with sensible defaults, an in-memory ledger index."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from zdz_common.vocabulary import UnitKind
from zdz_registry.ledger.domain.events import UnitRef
from zdz_registry.ledger.domain.problems import Problem, ProblemDetails, Step
from zdz_registry.ledger.domain.rows import (
    EntityClass,
    InspectionPoint,
    LedgerEntry,
    LedgerRow,
    Outfall,
    PipeSegment,
    SourceHousehold,
    TreatmentFacility,
    record_id,
)

TOWN = UnitRef(id="town-1", district_code="wanzhou", kind=UnitKind.TOWN, name="高笋塘街道")
OTHER_TOWN = UnitRef(id="town-2", district_code="wanzhou", kind=UnitKind.TOWN, name="牌楼街道")


def compound(code: str = "H-001", **changes: Any) -> SourceHousehold:
    values: dict[str, Any] = {
        "code": code,
        "name": f"小区 {code}",
        "kind": "RESIDENTIAL",
        "building": "NON_SINGLE",
    }
    return SourceHousehold(**(values | changes))


def shop(code: str = "N-001", category: str = "MALL", **changes: Any) -> SourceHousehold:
    values: dict[str, Any] = {
        "code": code,
        "name": f"商场 {code}",
        "kind": "NON_RESIDENTIAL",
        "building": "SINGLE",
    }
    return SourceHousehold(**(values | {"category": category} | changes))


def enterprise(code: str = "E-001", **changes: Any) -> SourceHousehold:
    return SourceHousehold(**({"code": code, "name": f"企业 {code}", "kind": "ENTERPRISE"} | changes))


def pipe(code: str = "P-001", length_m: float = 100.0, **changes: Any) -> PipeSegment:
    return PipeSegment(**({"code": code, "network": "SEWAGE", "length_m": length_m} | changes))


def point(code: str = "J-001", **changes: Any) -> InspectionPoint:
    return InspectionPoint(**({"code": code, "network": "RAIN"} | changes))


def plant(code: str = "F-001", **changes: Any) -> TreatmentFacility:
    return TreatmentFacility(
        **({"code": code, "name": f"污水处理厂 {code}", "capacity_m3_per_day": 8000.0} | changes)
    )


def outfall(code: str = "O-001", **changes: Any) -> Outfall:
    values: dict[str, Any] = {
        "code": code,
        "name": f"排口 {code}",
        "attached_to": "NETWORK",
        "network": "RAIN",
    }
    return Outfall(**(values | changes))


def problem_on(entity_class: str, entity_code: str, code: str = "Q-001", **changes: Any) -> ProblemDetails:
    values: dict[str, Any] = {
        "code": code,
        "entity_class": entity_class,
        "entity_code": entity_code,
        "type": "MIXED_CONNECTION",
        "location": "解放路 12 号门前检查井",
        "found_by": "SURVEY",
        "found_on": "2024-08-20",
    }
    return ProblemDetails(**(values | changes))


def step(on: str, *evidence: str, by: str = "街道办 张三") -> Step:
    return Step(by=by, on=on, evidence=evidence)


@dataclass
class LedgerIndex:
    """The rows a unit's ledger holds, as the service's `exists` answers from the batch and the read model."""

    rows: set[tuple[EntityClass, str]] = field(default_factory=set)

    def add(self, *rows: LedgerRow) -> LedgerIndex:
        self.rows.update((row.entity_class, row.code) for row in rows)
        return self

    def __call__(self, entity_class: EntityClass, code: str) -> bool:
        return (entity_class, code) in self.rows


def recorded_entry(row: LedgerRow, unit: UnitRef = TOWN, index: LedgerIndex | None = None) -> LedgerEntry:
    entry = LedgerEntry(id=record_id(unit.id, row.entity_class, row.code))
    entry.record(unit, row, index or LedgerIndex())
    return entry


def recorded_problem(details: ProblemDetails, index: LedgerIndex, unit: UnitRef = TOWN) -> Problem:
    problem = Problem(id=record_id(unit.id, "PROBLEM", details.code))
    problem.record(unit, details, index)
    return problem


def opened_task(problem: Problem, *, on: str = "2024-09-01", deadline: str | date = "2024-12-31") -> Problem:
    problem.open_task(TOWN.id, "高笋塘街道办事处", deadline, step(on))
    return problem
