"""The park groups' demonstration track (示范园区, 001 四; DESIGN, rulings: "The ≥ 90 demonstration track").

A park group whose district-acceptance sheet reaches the rubric's mark for the 建设总结报告 (`summary_report_from`,
90 in the 2024 rubric) may have its district submit the report (典型做法、建设亮点、突出成效); the city's experts
check on site; the city publishes the final 示范园区清单 with its commendation. The district-acceptance sheet
decides, not the self-check. Towns have no such track (001 is the parks' notice).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from zdz_common.vocabulary import Stage, UnitKind, UnknownUnitKind
from zdz_workflow.domain.sheets import SheetKind, SignedSheet
from zdz_workflow.domain.units import UnitInfo

if TYPE_CHECKING:
    from zdz_workflow.domain.process import ProcessState


class DemonstrationStatus(enum.StrEnum):
    ELIGIBLE = (
        "ELIGIBLE"  # the district-acceptance sheet reached the mark: the district may submit the report
    )
    REPORT_SUBMITTED = "REPORT_SUBMITTED"  # awaiting the experts' on-site check
    CHECK_PASSED = "CHECK_PASSED"
    CHECK_FAILED = "CHECK_FAILED"
    LISTED = "LISTED"  # on the published 示范园区清单


@dataclass(frozen=True)
class DemonstrationReport:
    """建设总结报告: the three things 001 四 asks it to sum up."""

    typical_practices: str  # 典型做法
    highlights: str  # 建设亮点
    outcomes: str  # 突出成效


@dataclass(frozen=True)
class Demonstration:
    """Where a park group stands on the track, and what each step recorded."""

    status: DemonstrationStatus
    sheet_id: str  # the district-acceptance sheet that made it eligible
    report: DemonstrationReport | None = None
    experts: tuple[str, ...] = ()
    check_note: str = ""
    list_title: str = ""
    commendation: str = ""


@dataclass(frozen=True)
class DemonstrationList:
    """The published 示范园区清单 (001 四（一）5): its title, the commendation, the park groups on it."""

    title: str
    commendation: str
    units: tuple[UnitInfo, ...]
    at: datetime


# The stages in which the district's passing verdict stands: from the notice on, while no failure sent the unit
# back to construction (an upheld objection, a failed spot-check, a re-acceptance).
_ACCEPTED_STAGES = frozenset(
    {Stage.PUBLIC_NOTICE, Stage.FILED, Stage.SPOT_CHECK, Stage.ACCEPTED, Stage.LOOK_BACK}
)


def has_track(kind: UnitKind) -> bool:
    """001 四 is the industrial parks' notice: park groups have the track, towns do not."""
    match kind:
        case UnitKind.PARK_GROUP:
            return True
        case UnitKind.TOWN | UnitKind.VILLAGE:
            return False
        case _:
            raise UnknownUnitKind(kind, where="001 四 示范园区")


def district_sheet(state: ProcessState) -> SignedSheet | None:
    """The district-acceptance sheet the process's passing verdict stands on now (after any correction)."""
    if state.stage not in _ACCEPTED_STAGES:
        return None
    return next(
        (
            s
            for s in reversed(state.sheets)
            if s.kind is SheetKind.DISTRICT_ACCEPTANCE and not s.superseded_by_sheet_id
        ),
        None,
    )


def qualifies(sheet: SignedSheet) -> bool:
    """The sheet reaches the rubric's mark for the 建设总结报告 (a rubric without one has no track)."""
    return sheet.summary_report_from is not None and sheet.passed and sheet.total >= sheet.summary_report_from


def demonstration_of(state: ProcessState) -> Demonstration | None:
    """The track as it stands: what was recorded, else ELIGIBLE when the district sheet qualifies, else None."""
    if not has_track(state.unit_kind):
        return None
    if state.demonstration is not None:
        return state.demonstration
    sheet = district_sheet(state)
    if sheet is None or not qualifies(sheet):
        return None
    return Demonstration(status=DemonstrationStatus.ELIGIBLE, sheet_id=sheet.sheet_id)
