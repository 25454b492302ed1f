"""What the scoring service keeps: score sheets from draft to signature, sampling plans and spot-check draws.

A sheet is a draft the assessor saves and revises, then signs; signing makes it immutable (issue 4: "Signing makes
a sheet immutable; a correction is a new sheet that names the one it replaces"). A correction is a sheet of the
same unit and kind naming a signed sheet that nobody has corrected yet. Sampling plans and spot-check draws are
recorded once, with their seed and what they were drawn from, so anyone can draw them again (DESIGN ruling).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime

from zdz_common.errors import FailedPrecondition
from zdz_common.vocabulary import UnitKind
from zdz_scoring.domain.errors import InvalidInput
from zdz_scoring.domain.facts import AssessorEntries, Finding, UnitFacts
from zdz_scoring.domain.sampling import ParkPopulation, SamplingPlan, TownPopulation
from zdz_scoring.domain.sheet import ScoreSheetResult, SheetKind
from zdz_scoring.domain.spot_check import SpotCheckDraw


@dataclass(frozen=True)
class UnitRef:
    """A unit as the registry names it."""

    id: str
    district_code: str
    kind: UnitKind
    name: str


class SheetState(enum.StrEnum):
    DRAFT = "DRAFT"  # 草稿
    SIGNED = "SIGNED"  # 已签署


@dataclass(frozen=True)
class SheetHeader:
    """Who scores which unit, at which stage, on which rubric, when, and which signed sheet this one corrects."""

    unit: UnitRef
    sheet_kind: SheetKind
    rubric_version: str
    assessor: str
    assessed_on: date
    replaces_sheet_id: str = ""
    district_name: str = ""  # for the printed sheet

    def __post_init__(self) -> None:
        if not self.assessor.strip():
            raise InvalidInput("须填写评分人 (the assessor is required)", field="input.assessor")
        if not isinstance(self.assessed_on, date) or isinstance(self.assessed_on, datetime):
            raise InvalidInput("须填写评分日期 (the assessment date is required)", field="input.assessed_on")


@dataclass(frozen=True)
class SheetContent:
    """A scored sheet: its header, the ledger's figures and findings as read, the assessor's entries, the result."""

    header: SheetHeader
    facts: UnitFacts
    ledger_findings: tuple[Finding, ...]  # defects the ledger records for this stage, counted as findings
    entries: AssessorEntries
    facts_read_at: datetime
    result: ScoreSheetResult


@dataclass(frozen=True)
class SheetDraftSaved:
    sheet_id: str
    content: SheetContent


@dataclass(frozen=True)
class SheetSigned:
    sheet_id: str
    content: SheetContent
    signed_at: datetime


@dataclass(frozen=True)
class SamplingPlanDrawn:
    plan_id: str
    unit: UnitRef
    population: TownPopulation | ParkPopulation
    plan: SamplingPlan


@dataclass(frozen=True)
class SpotCheckDrawn:
    draw_id: str
    candidates: tuple[UnitRef, ...]
    draw: SpotCheckDraw


Event = SheetDraftSaved | SheetSigned | SamplingPlanDrawn | SpotCheckDrawn


class SheetIsSigned(FailedPrecondition):
    """A signed sheet is never changed (FAILED_PRECONDITION): a correction is a new sheet naming it."""


@dataclass
class ScoreSheet:
    """The sheet aggregate: load its events, call a command method, save `pending`."""

    id: str
    version: int = 0
    state: SheetState | None = None
    content: SheetContent | None = None
    pending: list[Event] = field(default_factory=list)

    def save_draft(self, content: SheetContent) -> None:
        """Create the draft, or revise it: a signed sheet cannot be revised, a draft cannot change unit."""
        self._require_unsigned("修改 (revise)")
        if self.content is not None and self.content.header.unit.id != content.header.unit.id:
            raise InvalidInput(
                f"草稿属于单元 {self.content.header.unit.name}，不能改为其他单元 (a draft keeps its unit)",
                field="input.unit_id",
            )
        self._record(SheetDraftSaved(self.id, content))

    def sign(self, signed_at: datetime) -> None:
        """Sign the draft exactly as last saved."""
        self._require_unsigned("再次签署 (sign again)")
        assert self.content is not None
        self._record(SheetSigned(self.id, self.content, signed_at))

    def apply(self, event: Event) -> None:
        match event:
            case SheetDraftSaved():
                self.state, self.content = SheetState.DRAFT, event.content
            case SheetSigned():
                self.state, self.content = SheetState.SIGNED, event.content
        self.version += 1

    def _record(self, event: Event) -> None:
        self.apply(event)
        self.pending.append(event)

    def _require_unsigned(self, what: str) -> None:
        if self.state is SheetState.SIGNED:
            raise SheetIsSigned(
                f"评分表 {self.id} 已签署，不能{what}；如需更正，请新建评分表并在 replaces_sheet_id 中注明 {self.id} "
                "(a signed sheet never changes: correct it with a new sheet that replaces it)",
                field="sheet_id",
            )


def check_correction(original: ScoreSheet, header: SheetHeader, superseded_by: str) -> None:
    """A correction replaces a signed sheet of the same unit and kind that no other sheet has corrected yet."""
    field_name = "input.replaces_sheet_id"
    assert original.content is not None
    before = original.content.header
    if original.state is not SheetState.SIGNED:
        raise FailedPrecondition(
            f"评分表 {original.id} 尚未签署，直接修改草稿即可 (only a signed sheet is corrected by another)",
            field=field_name,
        )
    if before.unit.id != header.unit.id or before.sheet_kind is not header.sheet_kind:
        raise FailedPrecondition(
            f"更正表须与被更正的评分表 {original.id} 同一单元、同一类型（{before.unit.name}，{before.sheet_kind.label}）"
            " (a correction keeps the unit and the kind of sheet)",
            field=field_name,
        )
    if superseded_by:
        raise FailedPrecondition(
            f"评分表 {original.id} 已由 {superseded_by} 更正；请更正最新的评分表 (correct the latest sheet)",
            field=field_name,
        )
