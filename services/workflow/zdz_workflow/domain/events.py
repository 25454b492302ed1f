"""What happened in a unit's process, in the past tense.

Events carry the results of every calendar computation (notice ends, deadlines and reminders with the calendar
version used), so replaying them never consults the calendar again: a later holiday schedule cannot rewrite the
past. Each carries who, under which request, when, why and on what evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from zdz_common.context import Actor
from zdz_common.vocabulary import Grade, Stage, UnitKind
from zdz_workflow.domain.calendar import PeriodEnd
from zdz_workflow.domain.stages import DeadlineKind
from zdz_workflow.domain.values import Campaign, Deadline, Finding, Notice


@dataclass(frozen=True, kw_only=True)
class ProcessEvent:
    actor: Actor
    request_id: str
    at: datetime
    reason: str = ""
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ProcessOpened(ProcessEvent):
    unit_id: str
    unit_kind: UnitKind
    campaign: Campaign
    deadlines: tuple[Deadline, ...]


@dataclass(frozen=True, kw_only=True)
class ProcessImported(ProcessEvent):
    unit_id: str
    unit_kind: UnitKind
    campaign: Campaign
    stage: Stage
    stage_since: datetime
    latest_score: Decimal | None
    latest_grade: Grade | None
    notice: Notice | None
    deadlines: tuple[Deadline, ...]
    awaiting_re_review: bool
    look_back_round: int
    consecutive_look_back_failures: int


@dataclass(frozen=True, kw_only=True)
class SurveyCompleted(ProcessEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class PlanSubmitted(ProcessEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class RectificationDeclaredDone(ProcessEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class SelfCheckPassed(ProcessEvent):
    """The self-check passed and the unit applied: to the district, or to the city for 复核."""

    score: Decimal
    grade: Grade
    next_stage: Stage


@dataclass(frozen=True, kw_only=True)
class DistrictAcceptancePassed(ProcessEvent):
    score: Decimal
    grade: Grade
    findings: tuple[Finding, ...]


@dataclass(frozen=True, kw_only=True)
class DistrictAcceptanceFailed(ProcessEvent):
    score: Decimal
    grade: Grade
    findings: tuple[Finding, ...]
    deadline: Deadline | None


@dataclass(frozen=True, kw_only=True)
class NoticePublished(ProcessEvent):
    notice: Notice


@dataclass(frozen=True, kw_only=True)
class ObjectionRaised(ProcessEvent):
    """The notice is (or stays) suspended; `working_days_remaining` is what it will resume with."""

    objection_id: str
    working_days_remaining: int


@dataclass(frozen=True, kw_only=True)
class ObjectionUpheld(ProcessEvent):
    objection_id: str
    findings: tuple[Finding, ...]
    deadline: Deadline | None


@dataclass(frozen=True, kw_only=True)
class ObjectionDismissed(ProcessEvent):
    """`resumed` is the new end when this was the last open objection, else None (still suspended)."""

    objection_id: str
    resumed: PeriodEnd | None


@dataclass(frozen=True, kw_only=True)
class NoticeElapsed(ProcessEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class SpotCheckDrawn(ProcessEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class SpotCheckWindowClosed(ProcessEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class SpotCheckPassed(ProcessEvent):
    score: Decimal
    grade: Grade
    findings: tuple[Finding, ...]


@dataclass(frozen=True, kw_only=True)
class SpotCheckFailed(ProcessEvent):
    score: Decimal
    grade: Grade
    findings: tuple[Finding, ...]
    deadline: Deadline


@dataclass(frozen=True, kw_only=True)
class ReReviewPassed(ProcessEvent):
    score: Decimal
    grade: Grade
    findings: tuple[Finding, ...]


@dataclass(frozen=True, kw_only=True)
class ReReviewFailed(ProcessEvent):
    score: Decimal
    grade: Grade
    findings: tuple[Finding, ...]
    deadline: Deadline


@dataclass(frozen=True, kw_only=True)
class LookBackStarted(ProcessEvent):
    round: int


@dataclass(frozen=True, kw_only=True)
class LookBackPassed(ProcessEvent):
    round: int
    findings: tuple[Finding, ...]
    deadline: Deadline | None


@dataclass(frozen=True, kw_only=True)
class LookBackFailed(ProcessEvent):
    """`reacceptance` is True when the failures reached the limit or the city ordered re-acceptance."""

    round: int
    findings: tuple[Finding, ...]
    deadline: Deadline
    consecutive_failures: int
    reacceptance: bool


@dataclass(frozen=True, kw_only=True)
class LookBackRectified(ProcessEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class ReacceptanceStarted(ProcessEvent):
    campaign: Campaign
    deadline: Deadline | None


@dataclass(frozen=True, kw_only=True)
class DeadlineMissed(ProcessEvent):
    kind: DeadlineKind


@dataclass(frozen=True, kw_only=True)
class CalendarRefreshed(ProcessEvent):
    """Notice end and reminders recomputed with a newer holiday schedule (only those that changed)."""

    notice_ends: PeriodEnd | None
    deadlines: tuple[Deadline, ...]


Event = (
    ProcessOpened
    | ProcessImported
    | SurveyCompleted
    | PlanSubmitted
    | RectificationDeclaredDone
    | SelfCheckPassed
    | DistrictAcceptancePassed
    | DistrictAcceptanceFailed
    | NoticePublished
    | ObjectionRaised
    | ObjectionUpheld
    | ObjectionDismissed
    | NoticeElapsed
    | SpotCheckDrawn
    | SpotCheckWindowClosed
    | SpotCheckPassed
    | SpotCheckFailed
    | ReReviewPassed
    | ReReviewFailed
    | LookBackStarted
    | LookBackPassed
    | LookBackFailed
    | LookBackRectified
    | ReacceptanceStarted
    | DeadlineMissed
    | CalendarRefreshed
)
