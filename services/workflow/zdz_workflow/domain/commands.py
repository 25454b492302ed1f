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
from zdz_workflow.domain.stages import DeadlineKind
from zdz_workflow.domain.values import Campaign, Finding


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
    latest_score: Decimal | None = (
        None  # the score that let the unit reach `stage` (self-check or acceptance)
    )
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
    """Record the self-assessment (自查评估) score and, if it passes, apply for acceptance (or 复核)."""

    score: Decimal


@dataclass(frozen=True, kw_only=True)
class RecordDistrictVerdict(Command):
    """区县工作专班 acceptance score; findings become problems; `rectify_by` optional on failure."""

    score: Decimal
    findings: tuple[Finding, ...] = ()
    rectify_by: date | None = None


@dataclass(frozen=True, kw_only=True)
class PublishNotice(Command):
    """The acceptance result went public on `published_on`, for `working_days` working days (at least 5)."""

    published_on: date
    working_days: int = 5


@dataclass(frozen=True, kw_only=True)
class RaiseObjection(Command):
    objection_id: str


@dataclass(frozen=True, kw_only=True)
class ResolveObjection(Command):
    """Upheld: back to rectification with the findings. Dismissed: the notice resumes with the days it had left."""

    objection_id: str
    upheld: bool
    findings: tuple[Finding, ...] = ()
    rectify_by: date | None = None


@dataclass(frozen=True, kw_only=True)
class CloseNotice(Command):
    """The notice period has run out (sent by the workflow's timer); the result is filed (备案)."""


@dataclass(frozen=True, kw_only=True)
class DrawForSpotCheck(Command):
    """The municipal draw picked the unit; the draw's id and seed go in `evidence`."""


@dataclass(frozen=True, kw_only=True)
class CloseSpotCheckWindow(Command):
    """The unit was not drawn, or the spot-check window closed: it is accepted."""


@dataclass(frozen=True, kw_only=True)
class RecordSpotCheckVerdict(Command):
    """市级工作小组 score; on failure findings and a 限期整改 date are required."""

    score: Decimal
    findings: tuple[Finding, ...] = ()
    rectify_by: date | None = None


@dataclass(frozen=True, kw_only=True)
class RecordReReviewVerdict(Command):
    """复核 score after a failed spot-check; on failure findings and a new 限期整改 date are required."""

    score: Decimal
    findings: tuple[Finding, ...] = ()
    rectify_by: date | None = None


@dataclass(frozen=True, kw_only=True)
class StartLookBack(Command):
    """The municipal task force opens a 回头看 round on an accepted unit."""


@dataclass(frozen=True, kw_only=True)
class RecordLookBackVerdict(Command):
    """A 回头看 result. Findings need a `rectify_by`; `order_reacceptance` is the city's call on 问题频发."""

    passed: bool
    findings: tuple[Finding, ...] = ()
    rectify_by: date | None = None
    order_reacceptance: bool = False


@dataclass(frozen=True, kw_only=True)
class ReportLookBackRectified(Command):
    """The findings of the last failed 回头看 are rectified."""


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
