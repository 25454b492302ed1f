"""Builders for the record and document tests: a unit, a header, a scored sheet's content, a ledger snapshot."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from zdz_common.vocabulary import UnitKind
from zdz_scoring.adapters.registry import ClassRectification, LedgerSnapshot, LedgerSummary, Ratio
from zdz_scoring.domain.engine import score
from zdz_scoring.domain.facts import AssessorEntries, UnitFacts
from zdz_scoring.domain.records import SheetContent, SheetHeader, UnitRef
from zdz_scoring.domain.rubrics import get_rubric
from zdz_scoring.domain.sheet import SheetKind

TOWN = UnitRef("town-1", "wanzhou", UnitKind.TOWN, "高笋塘街道")
OTHER_TOWN = UnitRef("town-2", "wanzhou", UnitKind.TOWN, "牌楼街道")
PARK = UnitRef("park-1", "wanzhou", UnitKind.PARK_GROUP, "九龙园")
READ_AT = datetime(2025, 5, 1, 2, 0, tzinfo=UTC)
HUNDRED = Decimal(100)
STAGES = ("survey", "acceptance", "spot_check", "look_back")
CLASSES = ("households", "residential", "non_residential", "pipes", "facilities")


def header(unit: UnitRef = TOWN, kind: SheetKind = SheetKind.SELF_CHECK, **changes: Any) -> SheetHeader:
    values: dict[str, Any] = {
        "unit": unit,
        "sheet_kind": kind,
        "rubric_version": "2024",
        "assessor": "高笋塘街道办 张三",
        "assessed_on": date(2025, 5, 1),
        "district_name": "万州区",
    }
    return SheetHeader(**(values | changes))


def content(sheet_header: SheetHeader, facts: UnitFacts, entries: AssessorEntries) -> SheetContent:
    rubric = get_rubric(sheet_header.unit.kind, sheet_header.rubric_version)
    result = score(rubric, facts, entries, sheet_kind=sheet_header.sheet_kind)
    return SheetContent(sheet_header, facts, (), entries, READ_AT, result)


def _ratio(part: int, whole: int) -> Ratio:
    percent = f"{Decimal(part * 100) / whole:.2f}" if whole else ""
    return Ratio(f"{part}.00", f"{whole}.00", percent)


def snapshot(
    *,
    information_defects: dict[tuple[str, str], int] | None = None,
    problems_found: dict[tuple[str, str], int] | None = None,
    **figures: Decimal | bool | int | None,
) -> LedgerSnapshot:
    """A ledger with every rate at 100 % and both lists; keywords replace figures (None = nothing to count)."""
    values: dict[str, Decimal | bool | int | None] = {
        "household_survey_rate": HUNDRED,
        "pipe_survey_rate": HUNDRED,
        "facility_survey_rate": HUNDRED,
        "residential_rectification_rate": HUNDRED,
        "non_residential_rectification_rate": HUNDRED,
        "source_household_rectification_rate": HUNDRED,
        "pipe_rectification_rate": HUNDRED,
        "facility_rectification_rate": HUNDRED,
        "permit_issuance_rate": HUNDRED,
        "residential_self_check_pass_rate": HUNDRED,
        "non_residential_self_check_pass_rate": HUNDRED,
        "has_problem_list": True,
        "has_task_list": True,
        "unmatched_list_entries": 0,
    } | figures
    defects = information_defects or {}
    found = problems_found or {}
    return LedgerSnapshot(
        unit_id="town-1",
        figures=values,
        information_defects={c: {s: defects.get((c, s), 0) for s in STAGES} for c in CLASSES},
        problems_found={c: {s: found.get((c, s), 0) for s in STAGES} for c in CLASSES},
        summary=summary(),
        read_at=READ_AT,
    )


def summary() -> LedgerSummary:
    rectified = ClassRectification(3, 3, 2, 2, _ratio(2, 3))
    return LedgerSummary(
        household_survey=_ratio(9, 10),
        pipe_survey=Ratio("1000.00", "1000.00", "100.00"),
        facility_survey=_ratio(2, 2),
        rectification={c: rectified for c in CLASSES},
        self_check={"residential": _ratio(6, 6), "non_residential": _ratio(4, 4)},
        households_by_kind={"RESIDENTIAL": 6, "NON_RESIDENTIAL": 4},
        non_residential_by_category={"MALL": 1, "SCHOOL": 3},
        enterprises={
            "total": 0,
            "water_related": 0,
            "key_dischargers": 0,
            "petrochemical": 0,
            "permitted": 0,
            "monitored": 0,
        },
        permit_coverage=_ratio(0, 0),
        pipe_length_m={"RAIN": "400.00", "SEWAGE": "600.00"},
        inspection_points=4,
        facilities=1,
        facilities_taking_industrial=1,
        outfalls=1,
        outfalls_standardised=1,
        problems_by_type={"MIXED_CONNECTION": 1, "PL": 2},
        major_defects=2,
        problem_list_exists=True,
        task_list_exists=True,
        problems_without_task=0,
    )
