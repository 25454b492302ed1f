"""What the scoring service keeps: score sheets from draft to signature, sampling plans and spot-check draws.

A sheet is a draft the assessor saves and revises, then signs; it keeps its kind, its unit and its owner (the
organisation and role that saved its first draft) for life, and only its owner revises and signs it (issue 16);
signing makes it immutable (issue 4: "Signing makes a sheet immutable; a correction is a new sheet that names
the one it replaces"). A correction is a sheet of the same unit and kind naming a signed sheet that nobody has corrected yet. A signature records who signed, from
the signing call's identity; a paper sheet signed outside the system is imported signed, with its signer and
evidence. A district acceptance names the unit's sampling plan and the 验收小组's members (000 附件3/附件4
三(二)2, 三(三)). Sampling plans and spot-check draws are recorded once, with their seed and what they were drawn
from, so anyone can draw them again (DESIGN ruling); the 验收小组's verdicts on a plan's drawn items are
recorded on the plan.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime

from zdz_common.errors import FailedPrecondition, PermissionDenied
from zdz_common.vocabulary import UnitKind
from zdz_scoring.domain.errors import InvalidInput
from zdz_scoring.domain.facts import AssessorEntries, Finding, SampleFigures, UnitFacts
from zdz_scoring.domain.sampling import ParkPopulation, SamplingPlan, TownPopulation
from zdz_scoring.domain.sheet import ScoreSheetResult, SheetKind
from zdz_scoring.domain.spot_check import SpotCheckDraw
from zdz_scoring.domain.verdicts import SampleVerdict


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
class PanelMember:
    """A member of the 验收小组 (000 附件3/附件4 三(二)2: 区县工作专班组织…相关部门成立验收小组)."""

    name: str
    organisation: str = ""
    duty: str = ""  # e.g. 组长


@dataclass(frozen=True)
class SheetHeader:
    """Who scores which unit, at which stage, on which rubric, when, which signed sheet this one corrects, the
    sampling plan a district acceptance checked and the 验收小组 that checked it."""

    unit: UnitRef
    sheet_kind: SheetKind
    rubric_version: str
    assessor: str
    assessed_on: date
    replaces_sheet_id: str = ""
    district_name: str = ""  # for the printed sheet
    sampling_plan_id: str = ""
    panel_members: tuple[PanelMember, ...] = ()

    def __post_init__(self) -> None:
        if not self.assessor.strip():
            raise InvalidInput("须填写评分人 (the assessor is required)", field="input.assessor")
        if not isinstance(self.assessed_on, date) or isinstance(self.assessed_on, datetime):
            raise InvalidInput("须填写评分日期 (the assessment date is required)", field="input.assessed_on")
        object.__setattr__(self, "panel_members", tuple(self.panel_members))
        for index, member in enumerate(self.panel_members):
            if not member.name.strip():
                raise InvalidInput(
                    "验收小组成员须填写姓名 (each panel member's name is required)",
                    field=f"input.panel_members[{index}].name",
                )
        if self.sampling_plan_id and self.sheet_kind is not SheetKind.DISTRICT_ACCEPTANCE:
            raise InvalidInput(
                f"只有区县验收评分表引用验收抽样方案，{self.sheet_kind.label}评分表不引用（附件3/附件4 三（三））"
                " (only a district acceptance names a sampling plan)",
                field="input.sampling_plan_id",
            )


def check_district_acceptance(header: SheetHeader, *, imported: bool = False) -> None:
    """A district acceptance is checked on the unit's sampling plan by the 验收小组 (000 附件3/附件4 三(二)2,
    三(三)): it names both. A paper sheet imported with its evidence names no plan of this system."""
    if header.sheet_kind is not SheetKind.DISTRICT_ACCEPTANCE:
        return
    if not header.panel_members:
        raise InvalidInput(
            "区县验收评分表须填写验收小组成员（附件3/附件4 三（二）2：区县工作专班…成立验收小组）"
            " (the panel members are required)",
            field="input.panel_members",
        )
    if not imported and not header.sampling_plan_id:
        raise FailedPrecondition(
            "区县验收评分表须引用本单元的验收抽样方案，请先抽取抽样方案（附件3/附件4 三（三） 验收抽样）"
            " (draw the unit's sampling plan first and name it)",
            field="input.sampling_plan_id",
        )


@dataclass(frozen=True)
class Signer:
    """Who signed, or saved a draft: the call's organisation, role (zdz_common.auth.Role name) and person, or,
    for an imported paper sheet, those written on it."""

    organisation: str
    role: str
    person: str

    def __str__(self) -> str:
        return f"{self.organisation}/{self.role}/{self.person}"


@dataclass(frozen=True)
class SheetContent:
    """A scored sheet: its header, the ledger's figures and findings as read, the assessor's entries, the result."""

    header: SheetHeader
    facts: UnitFacts
    ledger_findings: tuple[Finding, ...]  # defects the ledger records for this stage, counted as findings
    entries: AssessorEntries
    facts_read_at: datetime
    result: ScoreSheetResult
    sample: SampleFigures | None = None  # computed from the plan's verdicts when the sheet names a plan


@dataclass(frozen=True)
class SheetDraftSaved:
    """A draft saved, by whom (the saving call's identity, which its event's envelope records)."""

    sheet_id: str
    content: SheetContent
    saved_by: Signer


@dataclass(frozen=True)
class SheetSigned:
    """Signed in the system, or imported signed (`import_evidence` not empty)."""

    sheet_id: str
    content: SheetContent
    signed_at: datetime
    signer: Signer
    import_evidence: tuple[str, ...] = ()

    @property
    def imported(self) -> bool:
        return bool(self.import_evidence)


@dataclass(frozen=True)
class RedrawApproval:
    """The municipal task force's approval to draw a unit's plan of this round again: why, who, when."""

    reason: str
    approved_by: Signer
    approved_at: datetime


@dataclass(frozen=True)
class SamplingPlanDrawn:
    """A plan drawn with a seed the system chose; a redraw names the plan it replaces and its approval."""

    plan_id: str
    unit: UnitRef
    population: TownPopulation | ParkPopulation
    plan: SamplingPlan
    replaces_plan_id: str = ""
    approval: RedrawApproval | None = None


@dataclass(frozen=True)
class SamplingPlanRedrawApproved:
    plan_id: str
    unit: UnitRef
    approval: RedrawApproval


@dataclass(frozen=True)
class SampleVerdictsRecorded:
    plan_id: str
    unit: UnitRef
    verdicts: tuple[SampleVerdict, ...]


@dataclass(frozen=True)
class SpotCheckDrawn:
    """A round's draw, with a seed the system chose; a redraw names the draw it replaces and its approval."""

    draw_id: str
    candidates: tuple[UnitRef, ...]
    draw: SpotCheckDraw
    round: str  # the round's name
    closes_on: date | None  # the city's deadline for the round
    replaces_draw_id: str = ""
    approval: RedrawApproval | None = None


@dataclass(frozen=True)
class SpotCheckRedrawApproved:
    draw_id: str
    round: str
    approval: RedrawApproval


Event = (
    SheetDraftSaved
    | SheetSigned
    | SamplingPlanDrawn
    | SamplingPlanRedrawApproved
    | SampleVerdictsRecorded
    | SpotCheckDrawn
    | SpotCheckRedrawApproved
)


class SheetIsSigned(FailedPrecondition):
    """A signed sheet is never changed (FAILED_PRECONDITION): a correction is a new sheet naming it."""


NOT_THE_OWNER_RULE = "issue16.sheet-owner"


class NotTheOwner(PermissionDenied):
    """A sheet is saved and signed only by the organisation and role that drafted it (PERMISSION_DENIED)."""


@dataclass
class ScoreSheet:
    """The sheet aggregate: load its events, call a command method, save `pending`."""

    id: str
    version: int = 0
    state: SheetState | None = None
    content: SheetContent | None = None
    signed: SheetSigned | None = None
    owner: Signer | None = None  # who saved the first draft: its organisation and role own the sheet for life
    pending: list[Event] = field(default_factory=list)

    def save_draft(self, content: SheetContent, by: Signer) -> None:
        """Create the draft, or revise it. A sheet keeps its kind, its unit and its owner for life (issue 16): only
        the organisation and role that drafted it revise it, and never into another kind or another unit's
        sheet; a signed sheet is not revised at all."""
        self._require_unsigned("修改 (revise)")
        self._require_owner(by, "修改 (revise)")
        if self.content is not None:
            before = self.content.header
            if before.unit.id != content.header.unit.id:
                raise InvalidInput(
                    f"草稿属于单元 {before.unit.name}，不能改为其他单元 (a draft keeps its unit)",
                    field="input.unit_id",
                )
            if before.sheet_kind is not content.header.sheet_kind:
                raise FailedPrecondition(
                    f"评分表 {self.id} 是{before.sheet_kind.label}评分表，不能改为{content.header.sheet_kind.label}"
                    "评分表；另起一张请用新编号 (a sheet keeps its kind: start another with a new id)",
                    field="input.sheet_kind",
                )
        self._record(SheetDraftSaved(self.id, content, by))

    def sign(self, signed_at: datetime, signer: Signer) -> None:
        """Sign the draft exactly as last saved, by its owner's organisation and role; the signer is recorded."""
        self._require_unsigned("再次签署 (sign again)")
        assert self.content is not None
        self._require_owner(signer, "签署 (sign)")
        check_district_acceptance(self.content.header)
        self._record(SheetSigned(self.id, self.content, signed_at, signer))

    def import_signed(
        self, content: SheetContent, signed_at: datetime, signer: Signer, evidence: tuple[str, ...]
    ) -> None:
        """A paper sheet signed outside the system enters signed, with its evidence; only as a new sheet."""
        if self.state is not None:
            raise FailedPrecondition(
                f"评分表编号 {self.id} 已被使用，导入的纸质评分表须使用新编号 (an imported sheet takes a new id)",
                field="sheet_id",
            )
        evidence = tuple(e.strip() for e in evidence if e.strip())
        if not evidence:
            raise InvalidInput(
                "导入线下签署的评分表须附证明材料（签字评分表扫描件、验收文件等） (evidence is required)",
                field="evidence",
            )
        if signed_at.date() < content.header.assessed_on:
            raise InvalidInput(
                f"签署日期不能早于评分日期 {content.header.assessed_on.isoformat()} (signed before assessed)",
                field="signed_on",
            )
        check_district_acceptance(content.header, imported=True)
        self._record(SheetSigned(self.id, content, signed_at, signer, evidence))

    def apply(self, event: Event) -> None:
        match event:
            case SheetDraftSaved():
                self.state, self.content = SheetState.DRAFT, event.content
                self.owner = self.owner or event.saved_by
            case SheetSigned():
                self.state, self.content, self.signed = SheetState.SIGNED, event.content, event
        self.version += 1

    def _record(self, event: Event) -> None:
        self.apply(event)
        self.pending.append(event)

    def _require_owner(self, caller: Signer, what: str) -> None:
        owner = self.owner
        if owner is None or (owner.organisation, owner.role) == (caller.organisation, caller.role):
            return
        raise NotTheOwner(
            f"评分表 {self.id} 由 {owner.organisation}（{owner.role}）起草，只有起草的机构和角色可以{what}"
            f"（{NOT_THE_OWNER_RULE}：评分表的类型、单元和起草者不变）"
            " (a sheet is saved and signed only by the organisation and role that drafted it)",
            field="sheet_id",
        )

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


# --- one sampling plan per unit and round (issue 16) --------------------------------------------------------------

REDRAW_RULE = "issue16.sampling-redraw"
MAX_REDRAW_REASON = 500


@dataclass(frozen=True)
class RoundPlan:
    """The plan of a unit's current acceptance round: drawn, not yet named by a signed district acceptance (which
    ends the round), not replaced; with the approval to draw it again, if the municipal task force gave one."""

    plan_id: str
    drawn_at: str
    approval: RedrawApproval | None = None


def plan_to_replace(current: RoundPlan | None) -> RoundPlan | None:
    """Whether a new plan may be drawn for the unit: yes for a round without a plan (None: nothing replaced), or
    in place of the round's plan the municipal task force approved redrawing (that plan); otherwise refused, so
    a district cannot draw again and again until a sample suits it."""
    if current is None or current.approval is not None:
        return current
    raise FailedPrecondition(
        f"本单元本轮验收已抽取抽样方案 {current.plan_id}（{current.drawn_at}）；每个单元每轮验收只抽取一次，"
        f"重新抽取须经市级工作专班批准并说明理由（{REDRAW_RULE}）"
        " (one plan per unit and round: a redraw needs the municipal task force's approval and a reason)",
        field="unit_id",
    )


def redraw_reason(reason: str) -> str:
    """Why a plan or a spot-check round is drawn again: required, bounded (a sampling plan's and a draw's alike)."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput("须说明重新抽取的理由 (the reason is required)", field="reason")
    if len(reason) > MAX_REDRAW_REASON:
        raise InvalidInput(
            f"理由最长 {MAX_REDRAW_REASON} 字，收到 {len(reason)} 字 (at most {MAX_REDRAW_REASON} characters)",
            field="reason",
        )
    return reason


def redraw_approval(
    plan_id: str,
    *,
    serves_sheet: str,
    replaced_by: str,
    approved: bool,
    reason: str,
    by: Signer,
    at: datetime,
) -> RedrawApproval:
    """The municipal task force approves redrawing the round's plan, with its reason: only a plan still the round's
    (no signed acceptance names it, none replaced it) and only once."""
    reason = redraw_reason(reason)
    if serves_sheet:
        raise FailedPrecondition(
            f"抽样方案 {plan_id} 已用于已签署的区县验收评分表 {serves_sheet}，本轮已结束；新一轮验收直接抽取新方案"
            " (the plan serves a signed acceptance: its round is over)",
            field="plan_id",
        )
    if replaced_by:
        raise FailedPrecondition(
            f"抽样方案 {plan_id} 已由 {replaced_by} 替代 (the plan was replaced already)", field="plan_id"
        )
    if approved:
        raise FailedPrecondition(
            f"抽样方案 {plan_id} 已获准重新抽取，尚未抽取 (a redraw is approved already)", field="plan_id"
        )
    return RedrawApproval(reason, by, at)
