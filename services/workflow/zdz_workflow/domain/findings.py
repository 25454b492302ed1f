"""Findings on their way to the registry's problem list (问题清单): whose they are, under which code, what became
of them."""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
from datetime import date

from zdz_workflow.domain.events import (
    DistrictAcceptanceFailed,
    DistrictAcceptancePassed,
    LookBackFailed,
    LookBackPassed,
    ObjectionUpheld,
    ReReviewFailed,
    ReReviewPassed,
    SpotCheckFailed,
    SpotCheckPassed,
)
from zdz_workflow.domain.units import UnitInfo
from zdz_workflow.domain.values import Finding


class FoundBy(enum.StrEnum):
    # The registry's FoundBy names.
    ACCEPTANCE = "ACCEPTANCE"  # 区县验收, and objections to its result
    SPOT_CHECK = "SPOT_CHECK"  # 市级抽查 and 复核
    LOOK_BACK = "LOOK_BACK"  # 回头看


# Whose findings these are, in the registry's words.
FOUND_BY: dict[type, FoundBy] = {
    DistrictAcceptancePassed: FoundBy.ACCEPTANCE,
    DistrictAcceptanceFailed: FoundBy.ACCEPTANCE,
    ObjectionUpheld: FoundBy.ACCEPTANCE,
    SpotCheckPassed: FoundBy.SPOT_CHECK,
    SpotCheckFailed: FoundBy.SPOT_CHECK,
    ReReviewPassed: FoundBy.SPOT_CHECK,
    ReReviewFailed: FoundBy.SPOT_CHECK,
    LookBackPassed: FoundBy.LOOK_BACK,
    LookBackFailed: FoundBy.LOOK_BACK,
}


@dataclass(frozen=True)
class FindingFiling:
    """What became of one finding sent to the registry's problem list (问题清单)."""

    code: str
    description: str
    problem_id: str = ""
    refused: str = ""  # why the registry did not take it, for the clerk


@dataclass(frozen=True)
class FindingsToFile:
    """Findings of one verdict to file as problem points, each under a code that makes a retry harmless."""

    unit: UnitInfo
    found_by: FoundBy
    found_on: date
    finder: str
    findings: tuple[Finding, ...]
    codes: tuple[str, ...]
    rectify_by: date | None = None  # opens each problem's task with this deadline


def finding_codes(found_by: FoundBy, campaign: str, request_id: str, count: int) -> tuple[str, ...]:
    """Problem codes unique in the unit's list and the same on every retry, e.g. "ACCEPTANCE-2024-3f2a9c1b-01"."""
    digest = hashlib.sha256(request_id.encode()).hexdigest()[:8]
    return tuple(
        f"{found_by.value}-{campaign}-{digest}-{n:02d}".replace("/", "-") for n in range(1, count + 1)
    )
