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
from zdz_workflow.domain.demonstration import DemonstrationReport
from zdz_workflow.domain.sheets import SignedSheet
from zdz_workflow.domain.stages import DeadlineKind
from zdz_workflow.domain.values import (
    Campaign,
    Deadline,
    Finding,
    FindingVerification,
    FlagRule,
    LookBackProblem,
    Notice,
    ObjectionSource,
    Objector,
    ReacceptanceFlag,
)


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
    sheets: tuple[SignedSheet, ...] = ()  # the imported unit's verdict sheets; latest_score is the last one's
    filing_number: str = ""


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
    sheet: SignedSheet | None = (
        None  # the verdict's sheet; None in histories from before verdicts were sheets
    )


@dataclass(frozen=True, kw_only=True)
class SelfCheckFailed(ProcessEvent):
    """A self-check below the pass mark: the attempt is recorded with its sheet, the unit returns to 整改."""

    score: Decimal
    grade: Grade
    sheet: SignedSheet


@dataclass(frozen=True, kw_only=True)
class SheetCorrected(ProcessEvent):
    """A signed correction replaced one of the process's verdict sheets; `latest` when it was the latest sheet,
    so the process's score and grade move to the correction's."""

    sheet: SignedSheet
    replaces_sheet_id: str
    latest: bool


@dataclass(frozen=True, kw_only=True)
class DistrictAcceptancePassed(ProcessEvent):
    score: Decimal
    grade: Grade
    findings: tuple[Finding, ...]
    sheet: SignedSheet | None = (
        None  # the verdict's sheet; None in histories from before verdicts were sheets
    )


@dataclass(frozen=True, kw_only=True)
class DistrictAcceptanceFailed(ProcessEvent):
    score: Decimal
    grade: Grade
    findings: tuple[Finding, ...]
    deadline: Deadline | None
    sheet: SignedSheet | None = (
        None  # the verdict's sheet; None in histories from before verdicts were sheets
    )


@dataclass(frozen=True, kw_only=True)
class NoticePublished(ProcessEvent):
    notice: Notice
    sheet_id: str = ""  # the district-acceptance sheet the notice announces ("" before verdicts were sheets)


@dataclass(frozen=True, kw_only=True)
class ObjectionRaised(ProcessEvent):
    """The notice is (or stays) suspended; `working_days_remaining` is what it will resume with. The objection's
    text is `reason`; `source` None in histories from before objections had sources."""

    objection_id: str
    working_days_remaining: int
    source: ObjectionSource | None = None
    objector: Objector | None = None


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
    """The notice ran its course. With `filing` the unit stays in 公示 awaiting 备案 under that deadline; None is
    how histories from before 备案 was a step recorded it, and there the notice's end filed the result at once."""

    filing: Deadline | None = None


@dataclass(frozen=True, kw_only=True)
class ResultFiled(ProcessEvent):
    filing_number: str
    sheet_id: str = (
        ""  # the district-acceptance sheet filed ("" for a result accepted before verdicts were sheets)
    )


@dataclass(frozen=True, kw_only=True)
class FilingAcknowledged(ProcessEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class DemonstrationReportSubmitted(ProcessEvent):
    sheet_id: str  # the district-acceptance sheet that made the park group eligible
    report: DemonstrationReport


@dataclass(frozen=True, kw_only=True)
class DemonstrationChecked(ProcessEvent):
    passed: bool
    experts: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class DemonstrationListed(ProcessEvent):
    list_title: str
    commendation: str


@dataclass(frozen=True, kw_only=True)
class SpotCheckDrawn(ProcessEvent):
    draw_id: str = ""  # empty in histories from before the draw moved the processes


@dataclass(frozen=True, kw_only=True)
class SpotCheckWindowClosed(ProcessEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class SpotCheckPassed(ProcessEvent):
    score: Decimal
    grade: Grade
    findings: tuple[Finding, ...]
    sheet: SignedSheet | None = (
        None  # the verdict's sheet; None in histories from before verdicts were sheets
    )


@dataclass(frozen=True, kw_only=True)
class SpotCheckFailed(ProcessEvent):
    score: Decimal
    grade: Grade
    findings: tuple[Finding, ...]
    deadline: Deadline
    sheet: SignedSheet | None = (
        None  # the verdict's sheet; None in histories from before verdicts were sheets
    )


@dataclass(frozen=True, kw_only=True)
class ReReviewPassed(ProcessEvent):
    score: Decimal
    grade: Grade
    findings: tuple[Finding, ...]
    sheet: SignedSheet | None = (
        None  # the verdict's sheet; None in histories from before verdicts were sheets
    )


@dataclass(frozen=True, kw_only=True)
class ReReviewFailed(ProcessEvent):
    score: Decimal
    grade: Grade
    findings: tuple[Finding, ...]
    deadline: Deadline
    sheet: SignedSheet | None = (
        None  # the verdict's sheet; None in histories from before verdicts were sheets
    )


@dataclass(frozen=True, kw_only=True)
class LookBackStarted(ProcessEvent):
    round: int
    from_stage: Stage = Stage.ACCEPTED  # FILED or ACCEPTED: where the unit returns when the round is recorded


@dataclass(frozen=True, kw_only=True)
class LookBackPassed(ProcessEvent):
    round: int
    findings: tuple[Finding, ...]
    deadline: Deadline | None
    sheet: SignedSheet | None = (
        None  # the verdict's sheet; None in histories from before verdicts were sheets
    )
    problems: tuple[LookBackProblem, ...] = ()  # the findings as problems to rectify and verify


@dataclass(frozen=True, kw_only=True)
class LookBackFailed(ProcessEvent):
    """`reacceptance`: only in histories from before the city ordered re-acceptance separately (issue 11), where
    the failures reaching the limit, or the city's call inside the verdict, sent the unit to REACCEPTANCE."""

    round: int
    findings: tuple[Finding, ...]
    deadline: Deadline
    consecutive_failures: int
    reacceptance: bool = False
    sheet: SignedSheet | None = (
        None  # the verdict's sheet; None in histories from before verdicts were sheets
    )
    problems: tuple[LookBackProblem, ...] = ()


@dataclass(frozen=True, kw_only=True)
class LookBackRectified(ProcessEvent):
    """The unit reported problems rectified (`codes`); with none, findings recorded before problems were tracked,
    and the report closes their deadline as it did then."""

    codes: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class LookBackRectificationVerified(ProcessEvent):
    """The city verified reported problems; `deadline` is the new one when any was 不到位, None when all are 到位."""

    verifications: tuple[FindingVerification, ...]
    deadline: Deadline | None


@dataclass(frozen=True, kw_only=True)
class ReacceptanceFlagRaised(ProcessEvent):
    flag: ReacceptanceFlag


@dataclass(frozen=True, kw_only=True)
class ReacceptanceOrdered(ProcessEvent):
    """The municipal task force ordered 重新实施建设验收 on the flag of `rule`."""

    rule: FlagRule


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
    | SelfCheckFailed
    | SheetCorrected
    | DistrictAcceptancePassed
    | DistrictAcceptanceFailed
    | NoticePublished
    | ObjectionRaised
    | ObjectionUpheld
    | ObjectionDismissed
    | NoticeElapsed
    | ResultFiled
    | FilingAcknowledged
    | DemonstrationReportSubmitted
    | DemonstrationChecked
    | DemonstrationListed
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
    | LookBackRectificationVerified
    | ReacceptanceFlagRaised
    | ReacceptanceOrdered
    | ReacceptanceStarted
    | DeadlineMissed
    | CalendarRefreshed
)
