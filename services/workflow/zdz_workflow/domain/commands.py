"""What the parties ask of a unit's process, in the imperative.

Every command says who asks (`actor`), under which request id, when (`at`: the caller's clock, e.g. the Temporal
workflow's `workflow.now()`; the domain never reads a clock), why, and on what evidence (references to documents
held elsewhere: score sheets, reports, photographs).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from zdz_common.context import Actor
from zdz_common.vocabulary import Stage, UnitKind
from zdz_workflow.domain.sheets import SignedSheet
from zdz_workflow.domain.stages import DeadlineKind
from zdz_workflow.domain.values import (
    Campaign,
    Finding,
    FindingVerification,
    FlagRule,
    NoticeChannel,
    ObjectionSource,
    Objector,
)


@dataclass(frozen=True, kw_only=True)
class Command:
    actor: Actor
    request_id: str
    at: datetime
    reason: str = ""
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class OpenProcess(Command):
    """Start a unit's process at 排查 for a campaign."""

    unit_id: str
    unit_kind: UnitKind
    campaign: Campaign


@dataclass(frozen=True, kw_only=True)
class ImportProcess(Command):
    """Bring in a unit already part-way through (e.g. accepted in 2024–2025), at `stage` since `stage_since`."""

    unit_id: str
    unit_kind: UnitKind
    campaign: Campaign
    stage: Stage
    stage_since: datetime
    # The unit's signed sheets, oldest first, as read from the scoring service (DESIGN "Verdicts are sheets"): the
    # process takes its score and grade from the latest. `sheet_ids` from the API; `sheets` once read.
    sheet_ids: tuple[str, ...] = ()
    sheets: tuple[SignedSheet, ...] = ()
    filing_number: str = ""  # FILED and later: the 备案 document number
    # LEGACY (replay only): the score typed in before verdicts were sheets, in ImportProcess inputs recorded
    # before that change; never set by the API. Goes with the `verdicts-are-sheets` patch.
    latest_score: Decimal | None = None
    notice_published_on: date | None = None  # PUBLIC_NOTICE only; None while not yet published
    notice_working_days: int = 5
    rectify_by: date | None = None  # RECTIFICATION only: a 限期整改 deadline still running
    awaiting_re_review: bool = False  # after a failed 市级抽查 (RECTIFICATION / SELF_CHECK)
    look_back_round: int = 0
    consecutive_look_back_failures: int = 0


@dataclass(frozen=True, kw_only=True)
class CompleteSurvey(Command):
    """排查摸底 finished, ledgers (排查台账) built."""


@dataclass(frozen=True, kw_only=True)
class SubmitPlan(Command):
    """一镇一策 / 一园一策 with problem, task and project lists submitted."""


@dataclass(frozen=True, kw_only=True)
class DeclareRectificationDone(Command):
    """The unit says its tasks are closed and it is ready to self-check."""


@dataclass(frozen=True, kw_only=True)
class SubmitSelfCheck(Command):
    """Record the unit's signed self-check sheet (自查评估): passing, apply for acceptance (or 复核); below the
    pass mark, the attempt is recorded and the unit returns to rectification."""

    sheet_id: str = ""  # from the API: the signed sheet in the scoring service
    sheet: SignedSheet | None = None  # that sheet, once the workflow's activity has read it
    # LEGACY (replay only): the score typed in before verdicts were sheets, in update arguments recorded before
    # that change; never set by the API. Goes with the `verdicts-are-sheets` patch.
    score: Decimal | None = None


@dataclass(frozen=True, kw_only=True)
class RecordDistrictVerdict(Command):
    """区县工作专班 acceptance sheet; findings become problems; `rectify_by` optional on failure."""

    sheet_id: str = ""  # from the API: the signed sheet in the scoring service
    sheet: SignedSheet | None = None  # that sheet, once the workflow's activity has read it
    # LEGACY (replay only): the score typed in before verdicts were sheets, in update arguments recorded before
    # that change; never set by the API. Goes with the `verdicts-are-sheets` patch.
    score: Decimal | None = None
    findings: tuple[Finding, ...] = ()
    rectify_by: date | None = None


@dataclass(frozen=True, kw_only=True)
class PublishNotice(Command):
    """The acceptance result went public on `published_on`, for `working_days` working days (at least 5), in
    `channel` (required; None only in commands recorded before the channel was)."""

    published_on: date
    working_days: int = 5
    channel: NoticeChannel | None = None


@dataclass(frozen=True, kw_only=True)
class RaiseObjection(Command):
    """An objection during the notice; its text is `reason`. From the 公示栏 the objector's name and contact are
    required. `source` None only in commands recorded before objections had sources."""

    objection_id: str
    source: ObjectionSource | None = None
    objector: Objector | None = None


@dataclass(frozen=True, kw_only=True)
class ResolveObjection(Command):
    """Upheld: back to rectification with the findings. Dismissed: the notice resumes with the days it had left.
    The district's answer is `reason` (required)."""

    objection_id: str
    upheld: bool
    findings: tuple[Finding, ...] = ()
    rectify_by: date | None = None


@dataclass(frozen=True, kw_only=True)
class CloseNotice(Command):
    """The notice period has run out (sent by the workflow's timer); the district is to file the result (备案)."""


@dataclass(frozen=True, kw_only=True)
class FileResult(Command):
    """备案: the district files the result with the municipal task force under `filing_number`."""

    filing_number: str


@dataclass(frozen=True, kw_only=True)
class AcknowledgeFiling(Command):
    """The municipal task force acknowledges the filing."""


@dataclass(frozen=True, kw_only=True)
class SubmitDemonstrationReport(Command):
    """001 四: the district submits a park group's 建设总结报告."""

    typical_practices: str  # 典型做法
    highlights: str  # 建设亮点
    outcomes: str  # 突出成效


@dataclass(frozen=True, kw_only=True)
class RecordDemonstrationCheck(Command):
    """001 四（一）5: the experts' on-site check of the report; their conclusion is `reason`."""

    passed: bool
    experts: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class ListAsDemonstration(Command):
    """001 四（一）5: the park group is on the published 示范园区清单 (one of PublishDemonstrationList's processes)."""

    list_title: str
    commendation: str


@dataclass(frozen=True, kw_only=True)
class DrawForSpotCheck(Command):
    """The municipal draw picked the unit (sent by the spot-check round, never by a clerk); the draw's id and seed
    also go in `evidence`."""

    draw_id: str = ""  # empty in update arguments recorded before the draw moved the processes (issue 11)


@dataclass(frozen=True, kw_only=True)
class CloseSpotCheckWindow(Command):
    """The unit was not drawn and the spot-check round closed (sent by the round): it is accepted."""


@dataclass(frozen=True, kw_only=True)
class RecordSpotCheckVerdict(Command):
    """市级工作小组 spot-check sheet; on failure findings and a 限期整改 date are required."""

    sheet_id: str = ""  # from the API: the signed sheet in the scoring service
    sheet: SignedSheet | None = None  # that sheet, once the workflow's activity has read it
    # LEGACY (replay only): the score typed in before verdicts were sheets, in update arguments recorded before
    # that change; never set by the API. Goes with the `verdicts-are-sheets` patch.
    score: Decimal | None = None
    findings: tuple[Finding, ...] = ()
    rectify_by: date | None = None


@dataclass(frozen=True, kw_only=True)
class RecordReReviewVerdict(Command):
    """复核 sheet after a failed spot-check; on failure findings and a new 限期整改 date are required."""

    sheet_id: str = ""  # from the API: the signed sheet in the scoring service
    sheet: SignedSheet | None = None  # that sheet, once the workflow's activity has read it
    # LEGACY (replay only): the score typed in before verdicts were sheets, in update arguments recorded before
    # that change; never set by the API. Goes with the `verdicts-are-sheets` patch.
    score: Decimal | None = None
    findings: tuple[Finding, ...] = ()
    rectify_by: date | None = None


@dataclass(frozen=True, kw_only=True)
class ApplySheetCorrection(Command):
    """A signed sheet corrected one of the process's verdict sheets (the scoring service's signed event): record
    it, and move the score when it corrects the latest. `request_id` is the event's id."""

    sheet: SignedSheet


@dataclass(frozen=True, kw_only=True)
class StartLookBack(Command):
    """The municipal task force opens a 回头看 round on a filed unit, drawn or not (FILED or ACCEPTED)."""


@dataclass(frozen=True, kw_only=True)
class RecordLookBackVerdict(Command):
    """The municipal task force's signed 回头看 sheet; its findings become problems due by `rectify_by`."""

    sheet_id: str = ""  # from the API: the signed sheet in the scoring service
    sheet: SignedSheet | None = None  # that sheet, once the workflow's activity has read it
    findings: tuple[Finding, ...] = ()
    rectify_by: date | None = None
    # LEGACY (replay only): the result typed in, and the city's call on 问题频发 inside the verdict, in update
    # arguments recorded before the sheet decided and the city ordered re-acceptance separately (issue 11).
    passed: bool | None = None
    order_reacceptance: bool = False


@dataclass(frozen=True, kw_only=True)
class ReportLookBackRectified(Command):
    """The unit reports the open findings of its 回头看 rounds rectified; the city verifies them."""


@dataclass(frozen=True, kw_only=True)
class VerifyLookBackRectification(Command):
    """The municipal task force verifies reported findings as 到位 or 不到位; any 不到位 needs a new `rectify_by`."""

    verifications: tuple[FindingVerification, ...]
    rectify_by: date | None = None


@dataclass(frozen=True, kw_only=True)
class OrderReacceptance(Command):
    """The municipal task force orders 重新实施建设验收 on a raised flag; `reason` (its decision) is required."""

    rule: FlagRule


@dataclass(frozen=True, kw_only=True)
class StartReacceptance(Command):
    """The district restarts construction and acceptance (重新实施建设验收) under a fresh campaign record."""

    campaign: Campaign
    rectify_by: date | None = None


@dataclass(frozen=True, kw_only=True)
class RecordDeadlineMissed(Command):
    """A deadline passed with its step not done (sent by the workflow's timer): escalate."""

    kind: DeadlineKind


@dataclass(frozen=True, kw_only=True)
class RefreshCalendar(Command):
    """Recompute notice end and reminders with the current holiday schedule (e.g. a new year was loaded)."""
