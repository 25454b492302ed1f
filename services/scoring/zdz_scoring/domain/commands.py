"""What callers ask the scoring service to do (imperative, frozen; protobuf stays at the edge)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from zdz_scoring.domain.facts import AssessorEntries
from zdz_scoring.domain.records import PanelMember, Signer, UnitRef
from zdz_scoring.domain.sheet import SheetKind
from zdz_scoring.domain.verdicts import SampleVerdict


@dataclass(frozen=True)
class ScoreUnit:
    """Score a unit's sheet: the ledger is read from the registry, the rest is the assessor's."""

    unit_id: str
    sheet_kind: SheetKind
    rubric_version: str
    assessor: str
    assessed_on: date
    entries: AssessorEntries
    replaces_sheet_id: str = ""
    sampling_plan_id: str = ""  # district acceptance: the unit's plan the 验收小组 checked
    panel_members: tuple[PanelMember, ...] = ()


@dataclass(frozen=True)
class SaveSheetDraft:
    sheet_id: str  # "" → a new id
    sheet: ScoreUnit
    expected_version: int | None = None


@dataclass(frozen=True)
class SignSheet:
    sheet_id: str
    expected_version: int | None = None


@dataclass(frozen=True)
class ImportSignedSheet:
    """A paper sheet signed outside the system, with who signed it, when, and the evidence."""

    sheet_id: str  # "" → a new id
    sheet: ScoreUnit
    signer: Signer
    signed_on: date
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class RecordSampleVerdicts:
    plan_id: str
    verdicts: tuple[SampleVerdict, ...]


@dataclass(frozen=True)
class DrawSamplingPlan:
    """Draw the unit's plan of this round; the seed is the system's, recorded with the plan (issue 16)."""

    unit_id: str


@dataclass(frozen=True)
class ApproveSamplingPlanRedraw:
    """The municipal task force lets the round's plan be drawn again, for a reason."""

    plan_id: str
    reason: str


@dataclass(frozen=True)
class DrawSpotCheck:
    """Draw a round's spot-check; the seed is the system's, recorded with the draw (issue 16)."""

    candidates: tuple[UnitRef, ...]
    towns_per_district: int = 2
    parks_per_district: int = 1
    round: str = ""  # the round's name (required)
    closes_on: date | None = None  # the city's deadline for the round


@dataclass(frozen=True)
class ApproveSpotCheckRedraw:
    """The municipal task force lets a round's draw be made again, for a reason."""

    draw_id: str
    reason: str
