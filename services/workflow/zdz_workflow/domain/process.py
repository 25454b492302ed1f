"""A unit's process (000 三 步骤安排; 附件3/附件4 三 评估验收) as a pure state machine.

`decide(state, command, rules)` checks a command against the rules and returns the events it causes, or raises a
domain error whose message a clerk can act on; `evolve(state, event)` applies one event. Neither reads a clock
nor does I/O: time arrives in the command (`at`), the holiday schedule in `rules`, and every calendar result is
written into the events, so a Temporal workflow can hold the state, call these functions, and replay them.

The path, with the branches the documents and DESIGN give:
  SURVEY → PLAN → RECTIFICATION → SELF_CHECK (< 80: the attempt recorded, → RECTIFICATION)
  → DISTRICT_ACCEPTANCE (< 80 → RECTIFICATION)
  → PUBLIC_NOTICE (objection: suspended; upheld → RECTIFICATION; dismissed → resumes) → FILED
  → SPOT_CHECK when the municipal draw takes it (fail → RECTIFICATION → SELF_CHECK → RE_REVIEW), or ACCEPTED when
    the draw's round closes without it (domain/spot_check_rounds.py)
  → LOOK_BACK rounds on every filed unit, FILED or ACCEPTED and back: findings are problems the city verifies
    到位 / 不到位; 问题频发 or 多次整改不到位 raise a flag (domain/look_back.py), and on a flag the city's order
    → REACCEPTANCE → RECTIFICATION under a new campaign.

Every verdict rests on a signed sheet (DESIGN, rulings: "Verdicts are sheets"): the command carries the sheet the
workflow read from the scoring service, `domain.verdicts` says whether it may stand, and pass, total and grade
are the sheet's, on its rubric's marks ("< 80" above is the 2024 rubrics' 合格 mark).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from zdz_common.errors import AlreadyExists, InvalidArgument
from zdz_common.validation import (
    MAX_OBJECTOR_CONTACT,
    MAX_OBJECTOR_NAME,
    command_reason,
    require_text,
)
from zdz_common.vocabulary import Grade, Stage, UnitKind
from zdz_workflow.domain.calendar import SHANGHAI, WorkingDayCalendar, end_of_day, local_date
from zdz_workflow.domain.commands import (
    AcknowledgeFiling,
    ApplySheetCorrection,
    CloseNotice,
    CloseSpotCheckWindow,
    Command,
    CompleteSurvey,
    DeclareRectificationDone,
    DrawForSpotCheck,
    FileResult,
    ImportProcess,
    ListAsDemonstration,
    OpenProcess,
    OrderReacceptance,
    PublishNotice,
    RaiseObjection,
    RecordDeadlineMissed,
    RecordDemonstrationCheck,
    RecordDistrictVerdict,
    RecordLookBackVerdict,
    RecordReReviewVerdict,
    RecordSpotCheckVerdict,
    RefreshCalendar,
    ReportLookBackRectified,
    ResolveObjection,
    StartLookBack,
    StartReacceptance,
    SubmitDemonstrationReport,
    SubmitPlan,
    SubmitSelfCheck,
    VerifyLookBackRectification,
)
from zdz_workflow.domain.demonstration import (
    Demonstration,
    DemonstrationReport,
    DemonstrationStatus,
    demonstration_of,
    district_sheet,
    has_track,
)
from zdz_workflow.domain.errors import (
    BelowPassMark,
    InvalidCommand,
    OutOfOrder,
    ProcessAlreadyOpen,
    ProcessNotFound,
    RuleViolation,
)
from zdz_workflow.domain.events import (
    CalendarRefreshed,
    DeadlineMissed,
    DemonstrationChecked,
    DemonstrationListed,
    DemonstrationReportSubmitted,
    DistrictAcceptanceFailed,
    DistrictAcceptancePassed,
    Event,
    FilingAcknowledged,
    LookBackFailed,
    LookBackPassed,
    LookBackRectificationVerified,
    LookBackRectified,
    LookBackStarted,
    NoticeElapsed,
    NoticePublished,
    ObjectionDismissed,
    ObjectionRaised,
    ObjectionUpheld,
    PlanSubmitted,
    ProcessImported,
    ProcessOpened,
    ReacceptanceFlagRaised,
    ReacceptanceOrdered,
    ReacceptanceStarted,
    RectificationDeclaredDone,
    ReReviewFailed,
    ReReviewPassed,
    ResultFiled,
    SelfCheckFailed,
    SelfCheckPassed,
    SheetCorrected,
    SpotCheckDrawn,
    SpotCheckFailed,
    SpotCheckPassed,
    SpotCheckWindowClosed,
    SurveyCompleted,
)
from zdz_workflow.domain.findings import FoundBy, finding_codes
from zdz_workflow.domain.look_back import LookBackThresholds, thresholds
from zdz_workflow.domain.sheets import SignedSheet
from zdz_workflow.domain.stages import (
    DEMONSTRATION_LIST_RULE,
    DEMONSTRATION_REPORT_RULE,
    LEGACY_PASS_MARK,
    LOOK_BACK_RULE,
    PLAN_RULE,
    RECTIFICATION_RULE,
    STEPS,
    SURVEY_RULE,
    DeadlineKind,
    application_rule,
    district_rule,
    filing_rule,
    legacy_grade_for,
    notice_rule,
    spot_check_rule,
    standard_rule,
)
from zdz_workflow.domain.values import (
    Campaign,
    Deadline,
    Filing,
    Finding,
    FlagRule,
    HistoryEntry,
    LookBackProblem,
    Notice,
    NoticeChannel,
    NoticeChannelKind,
    NoticeStatus,
    Objection,
    ObjectionSource,
    Objector,
    ReacceptanceFlag,
    Reminder,
    ReminderPolicy,
)
from zdz_workflow.domain.verdicts import SHEETS_RULING, check_import_sheets, check_verdict_sheet

MIN_NOTICE_WORKING_DAYS = 5  # 附件3/附件4 三（二）3 "公示时间不少于5个工作日"
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class ProcessRules:
    """What the process needs besides its state: the working-day calendar and the settings the documents leave open."""

    calendar: WorkingDayCalendar
    # LEGACY (replay only): before issue 11 this many consecutive failed 回头看 rounds ordered re-acceptance by
    # themselves; only verdicts recorded then (without a sheet) still read it. Now: `look_back_thresholds`.
    look_back_failure_limit: int = 2
    reminders: ReminderPolicy = field(default_factory=ReminderPolicy)
    # 000 三（五）"问题频发或多次整改不到位": when the process flags the unit for the city's decision.
    look_back_thresholds: LookBackThresholds = field(default_factory=thresholds)
    # 附件3/附件4 三（二）3 "公示期满后，报市级工作专班备案" gives no period for 备案: see ProcessSettings.
    filing_working_days: int = 10
    # Replaying a history recorded before 备案 was a step of its own (the workflow's `notice-channel-and-filing`
    # patch not taken): a notice without channel, objections without source or answer, the notice's end filing
    # the result at once, reasons taken unchecked. Nothing else sets it.
    legacy_notice: bool = False

    def __post_init__(self) -> None:
        if self.look_back_failure_limit < 1:
            raise InvalidArgument("须至少为 1", field="look_back_failure_limit")
        if self.filing_working_days < 1:
            raise InvalidArgument("须至少为 1", field="filing_working_days")
        if any(days < 1 for days in self.reminders.working_days_before):
            raise InvalidArgument("提醒须在期限前至少 1 个工作日", field="reminders.working_days_before")


@dataclass(frozen=True)
class ProcessState:
    unit_id: str
    unit_kind: UnitKind
    campaign: Campaign
    stage: Stage
    stage_since: datetime
    updated_at: datetime
    history: tuple[HistoryEntry, ...] = ()
    deadlines: tuple[Deadline, ...] = ()
    latest_score: Decimal | None = None
    latest_grade: Grade | None = None
    notice: Notice | None = None  # the current or last 公示
    awaiting_re_review: bool = (
        False  # a failed 市级抽查: the next passing self-check goes to 复核, not the district
    )
    look_back_round: int = 0
    consecutive_look_back_failures: int = 0
    # Every verdict's sheet in order (DESIGN "Verdicts are sheets"), failed self-checks and corrections included;
    # the latest score and grade are those of `latest_sheet_id`.
    sheets: tuple[SignedSheet, ...] = ()
    latest_sheet_id: str = ""
    spot_check_draw_id: str = ""  # the municipal draw that moved the unit into spot-check
    # 回头看 (000 三（五）): where the unit returns after a round, the findings as problems, the counts the
    # thresholds read, and the flags raised for the city in this campaign.
    look_back_returns_to: Stage = Stage.ACCEPTED
    look_back_problems: tuple[LookBackProblem, ...] = ()
    consecutive_rounds_with_findings: int = 0
    not_in_place_verifications: int = 0
    flags: tuple[ReacceptanceFlag, ...] = ()
    filing: Filing | None = None  # 备案 of this campaign's result
    demonstration: Demonstration | None = None  # 001 四, once the district submitted the report
    reaccepting: bool = False  # 重新实施建设验收 ordered: set until the new campaign's result is filed

    def flag(self, rule: FlagRule) -> ReacceptanceFlag | None:
        return next((f for f in self.flags if f.rule is rule), None)

    def deadline(self, kind: DeadlineKind) -> Deadline | None:
        return next((d for d in self.deadlines if d.kind is kind), None)

    @property
    def notice_status(self) -> NoticeStatus | None:
        if self.stage is not Stage.PUBLIC_NOTICE:
            return None
        return self.notice.status if self.notice else NoticeStatus.AWAITING_PUBLICATION

    def handled(self, request_id: str) -> bool:
        return any(entry.request_id == request_id for entry in self.history)


class AlarmKind(enum.StrEnum):
    REMINDER = "REMINDER"  # notify: a deadline is near
    ESCALATION = "ESCALATION"  # send RecordDeadlineMissed
    NOTICE_END = "NOTICE_END"  # send CloseNotice


@dataclass(frozen=True)
class Alarm:
    """A moment the workflow must wake up at, and why."""

    at: datetime
    kind: AlarmKind
    deadline_kind: DeadlineKind | None = None
    working_days_before: int | None = None


def alarms(state: ProcessState, now: datetime) -> tuple[Alarm, ...]:
    """The timers to arm, earliest first: reminders still ahead of `now`, escalations and the notice end even if due."""
    found: list[Alarm] = []
    for d in state.deadlines:
        if d.missed:
            continue
        found += [
            Alarm(r.at, AlarmKind.REMINDER, d.kind, r.working_days_before) for r in d.reminders if r.at > now
        ]
        found.append(Alarm(d.due_at, AlarmKind.ESCALATION, d.kind))
    notice = state.notice
    if state.stage is Stage.PUBLIC_NOTICE and notice and notice.ends and notice.elapsed_at is None:
        found.append(Alarm(notice.ends.ends_at, AlarmKind.NOTICE_END))
    return tuple(sorted(found, key=lambda a: a.at))


def handle(
    state: ProcessState | None, command: Command, rules: ProcessRules
) -> tuple[ProcessState, list[Event]]:
    """decide, then evolve with each event: the new state and the events to append and publish."""
    events = decide(state, command, rules)
    for event in events:
        state = evolve(state, event)
    if state is None:
        raise ProcessNotFound("该单元尚未建立流程")
    return state, events


def replay(events: Iterable[Event]) -> ProcessState:
    state: ProcessState | None = None
    for event in events:
        state = evolve(state, event)
    if state is None:
        raise ProcessNotFound("没有可重放的事件")
    return state


# --- decide -----------------------------------------------------------------------------------------------------

# For each command: what the clerk is trying to do, and the article that places it in the process.
_STEPS: dict[type[Command], tuple[str, Callable[[UnitKind], str]]] = {
    CompleteSurvey: ("完成排查", lambda _: SURVEY_RULE),
    SubmitPlan: ("提交建设方案", lambda _: PLAN_RULE),
    DeclareRectificationDone: ("申报整改完成", lambda _: RECTIFICATION_RULE),
    SubmitSelfCheck: ("提交自查评估", application_rule),
    RecordDistrictVerdict: ("录入区县验收结果", district_rule),
    PublishNotice: ("发布公示", notice_rule),
    CloseNotice: ("结束公示", notice_rule),
    FileResult: ("报市级工作专班备案", filing_rule),
    DrawForSpotCheck: ("登记市级抽查抽中", spot_check_rule),
    CloseSpotCheckWindow: ("结束市级抽查", spot_check_rule),
    RecordSpotCheckVerdict: ("录入市级抽查结果", spot_check_rule),
    RecordReReviewVerdict: ("录入复核结果", spot_check_rule),
    StartLookBack: ("开展回头看", lambda _: LOOK_BACK_RULE),
    RecordLookBackVerdict: ("录入回头看结果", lambda _: LOOK_BACK_RULE),
    ReportLookBackRectified: ("申报回头看问题整改完成", lambda _: LOOK_BACK_RULE),
    VerifyLookBackRectification: ("核查回头看问题整改情况", lambda _: LOOK_BACK_RULE),
    OrderReacceptance: ("决定重新实施建设验收", lambda _: LOOK_BACK_RULE),
    StartReacceptance: ("启动重新实施建设验收", lambda _: LOOK_BACK_RULE),
}


def decide(state: ProcessState | None, command: Command, rules: ProcessRules) -> list[Event]:
    """The events `command` causes in `state`; [] for a request id already recorded (a retry)."""
    _check_envelope(command)
    if not rules.legacy_notice:  # histories recorded before issue 11 took reasons unchecked: they replay so
        command_reason(command.reason)  # the same check every consumer applies (issue 11)
    if state is None:
        if isinstance(command, OpenProcess):
            return [_open(command, rules)]
        if isinstance(command, ImportProcess):
            return [_import(command, rules)]
        raise ProcessNotFound("该单元尚未建立流程，请先建立或导入流程")
    if state.handled(command.request_id):
        return []
    if isinstance(command, OpenProcess | ImportProcess):
        raise ProcessAlreadyOpen(
            f"该单元已有「{state.campaign.name}」批次的流程，当前阶段为「{state.stage.label}」",
            field="unit_id",
        )
    if command.at < state.updated_at:
        raise InvalidCommand(
            f"时间 {command.at.isoformat()} 早于流程最近一次记录的时间 {state.updated_at.isoformat()}",
            field="at",
        )
    return _decide(state, command, rules)


def _decide(state: ProcessState, command: Command, rules: ProcessRules) -> list[Event]:
    meta = _meta(command)
    match command:
        case CompleteSurvey():
            _require_stage(state, command, Stage.SURVEY)
            return [SurveyCompleted(**meta)]
        case SubmitPlan():
            _require_stage(state, command, Stage.PLAN)
            return [PlanSubmitted(**meta)]
        case DeclareRectificationDone():
            _require_stage(state, command, Stage.RECTIFICATION)
            return [RectificationDeclaredDone(**meta)]
        case SubmitSelfCheck():
            _require_stage(state, command, Stage.SELF_CHECK)
            return [_self_check(state, command)]
        case RecordDistrictVerdict():
            # 附件3/附件4 三（二）2 组织验收; 三（一）验收标准
            _require_stage(state, command, Stage.DISTRICT_ACCEPTANCE)
            failing = "区县验收不合格须列明发现的问题，作为整改问题清单"
            return [
                _verdict(state, command, rules, DistrictAcceptancePassed, DistrictAcceptanceFailed, failing)
            ]
        case ApplySheetCorrection():
            return _correction(state, command)
        case PublishNotice():
            _require_stage(state, command, Stage.PUBLIC_NOTICE)
            return [_publish(state, command, rules)]
        case RaiseObjection():
            return [_raise_objection(state, command, rules)]
        case ResolveObjection():
            return [_resolve_objection(state, command, rules)]
        case CloseNotice():
            _require_stage(state, command, Stage.PUBLIC_NOTICE)
            return [_elapse(state, command, rules)]
        case FileResult():
            _require_stage(state, command, Stage.PUBLIC_NOTICE)
            return [_file(state, command)]
        case AcknowledgeFiling():
            return [_acknowledge(state, command)]
        case SubmitDemonstrationReport():
            return [_submit_demonstration_report(state, command)]
        case RecordDemonstrationCheck():
            return [_record_demonstration_check(state, command)]
        case ListAsDemonstration():
            return [_list_as_demonstration(state, command)]
        case DrawForSpotCheck():
            _require_stage(state, command, Stage.FILED)
            return [SpotCheckDrawn(**meta, draw_id=command.draw_id)]
        case CloseSpotCheckWindow():
            _require_stage(state, command, Stage.FILED)
            return [SpotCheckWindowClosed(**meta)]
        case RecordSpotCheckVerdict():
            # 附件3/附件4 三（二）4: "抽查不合格的，提出整改要求，限期整改"
            _require_stage(state, command, Stage.SPOT_CHECK)
            failing = "市级抽查不合格须提出整改要求，列明发现的问题"
            return [
                _verdict(
                    state, command, rules, SpotCheckPassed, SpotCheckFailed, failing, deadline_required=True
                )
            ]
        case RecordReReviewVerdict():
            # 附件3/附件4 三（二）4: "限期整改自查合格后，提请市级工作小组复核"
            _require_stage(state, command, Stage.RE_REVIEW)
            failing = "复核不合格须提出整改要求，列明发现的问题"
            return [
                _verdict(
                    state, command, rules, ReReviewPassed, ReReviewFailed, failing, deadline_required=True
                )
            ]
        case StartLookBack():
            # 000 三（五）"不定期组织开展'回头看'": on every filed unit, drawn or not (DESIGN stage 9)
            _require_stage(state, command, Stage.FILED, Stage.ACCEPTED)
            return [LookBackStarted(**meta, round=state.look_back_round + 1, from_stage=state.stage)]
        case RecordLookBackVerdict():
            _require_stage(state, command, Stage.LOOK_BACK)
            return _look_back_verdict(state, command, rules)
        case ReportLookBackRectified():
            _require_stage(state, command, Stage.FILED, Stage.ACCEPTED)
            return [_look_back_rectified(state, command)]
        case VerifyLookBackRectification():
            _require_stage(state, command, Stage.FILED, Stage.ACCEPTED)
            return _verify_look_back(state, command, rules)
        case OrderReacceptance():
            # 000 三（五）"督促区县按照流程重新实施建设验收": the city decides, on a flag the process raised.
            _require_stage(state, command, Stage.FILED, Stage.ACCEPTED)
            return [_order_reacceptance(state, command)]
        case StartReacceptance():
            _require_stage(state, command, Stage.REACCEPTANCE)
            return [_start_reacceptance(state, command, rules)]
        case RecordDeadlineMissed():
            return [_deadline_missed(state, command)]
        case RefreshCalendar():
            return _refresh_calendar(state, command, rules)
    raise InvalidCommand(f"不支持的命令 {type(command).__name__}")


VerdictCommand = (
    SubmitSelfCheck
    | RecordDistrictVerdict
    | RecordSpotCheckVerdict
    | RecordReReviewVerdict
    | RecordLookBackVerdict
)

# The stage each verdict is recorded in (its sheet's kind: domain.verdicts.STAGE_SHEET_KINDS).
VERDICT_STAGES: dict[type[Command], Stage] = {
    SubmitSelfCheck: Stage.SELF_CHECK,
    RecordDistrictVerdict: Stage.DISTRICT_ACCEPTANCE,
    RecordSpotCheckVerdict: Stage.SPOT_CHECK,
    RecordReReviewVerdict: Stage.RE_REVIEW,
    RecordLookBackVerdict: Stage.LOOK_BACK,
}


def admit(state: ProcessState | None, command: VerdictCommand) -> None:
    """What can be refused of a verdict before its sheet is read: no process, the stage, no sheet id.

    The workflow's update validator runs this; the handler then reads the sheet and `decide`s with it."""
    _check_envelope(command)
    command_reason(command.reason)
    if state is None:
        raise ProcessNotFound("该单元尚未建立流程，请先建立或导入流程")
    if state.handled(command.request_id):
        return
    _require_stage(state, command, VERDICT_STAGES[type(command)])
    if not command.sheet_id.strip():
        raise InvalidCommand("须填写评分表编号 sheet_id", field="sheet_id")


def _verdict_sheet(state: ProcessState, command: VerdictCommand) -> SignedSheet:
    """The command's sheet, once it may stand as the verdict of the stage (domain.verdicts)."""
    if not command.sheet_id.strip():
        raise InvalidCommand("须填写评分表编号 sheet_id", field="sheet_id")
    sheet = command.sheet
    if sheet is None or sheet.sheet_id != command.sheet_id:
        raise InvalidCommand(f"评分表「{command.sheet_id}」尚未从评分服务读取", field="sheet_id")
    check_verdict_sheet(state, sheet)
    return sheet


def _self_check(state: ProcessState, command: SubmitSelfCheck) -> Event:
    next_stage = Stage.RE_REVIEW if state.awaiting_re_review else Stage.DISTRICT_ACCEPTANCE
    if command.sheet is None and command.score is not None:
        return _legacy_self_check(state, command, next_stage)
    sheet = _verdict_sheet(state, command)
    meta = _meta(command)
    if sheet.passed:
        return SelfCheckPassed(
            **meta, score=sheet.total, grade=sheet.grade, next_stage=next_stage, sheet=sheet
        )
    # 附件3/附件4 三（二）1: only 合格 or better applies (三（二）4 likewise for 复核); the attempt stays on record
    # and the unit rectifies again.
    return SelfCheckFailed(**meta, score=sheet.total, grade=sheet.grade, sheet=sheet)


def _verdict(
    state: ProcessState,
    command: RecordDistrictVerdict | RecordSpotCheckVerdict | RecordReReviewVerdict,
    rules: ProcessRules,
    passed: type[DistrictAcceptancePassed | SpotCheckPassed | ReReviewPassed],
    failed: type[DistrictAcceptanceFailed | SpotCheckFailed | ReReviewFailed],
    failing_needs_findings: str,
    *,
    deadline_required: bool = False,
) -> Event:
    """A verdict on its sheet: the rubric's 合格 mark passes (附件3/附件4 三（一）); below, the findings are
    required, a deadline maybe."""
    sheet: SignedSheet | None
    if command.sheet is None and command.score is not None:
        score, grade, sheet, is_pass = _legacy_score(command.score)
    else:
        sheet = _verdict_sheet(state, command)
        score, grade, is_pass = sheet.total, sheet.grade, sheet.passed
    findings = _findings(command.findings)
    if is_pass:
        if command.rectify_by is not None:
            raise InvalidCommand("结果合格，不设限期整改", field="rectify_by")
        return passed(**_meta(command), score=score, grade=grade, findings=findings, sheet=sheet)
    _require_findings(findings, failing_needs_findings)
    deadline = (_required_deadline if deadline_required else _optional_deadline)(
        command.rectify_by, command.at, rules
    )
    return failed(
        **_meta(command), score=score, grade=grade, findings=findings, deadline=deadline, sheet=sheet
    )


def _correction(state: ProcessState, command: ApplySheetCorrection) -> list[Event]:
    """DESIGN "Verdicts are sheets": a correction signed later moves the process's score and is recorded.

    Only a correction of one of this process's verdict sheets concerns it; any other changes nothing."""
    sheet = command.sheet
    replaced = next((s for s in state.sheets if s.sheet_id == sheet.replaces_sheet_id), None)
    if not sheet.replaces_sheet_id or replaced is None:
        return []
    rule = SHEETS_RULING
    if not sheet.signed:
        raise RuleViolation(f"更正评分表「{sheet.sheet_id}」尚未签署", rule=rule, field="sheet")
    if sheet.unit_id != state.unit_id or sheet.kind is not replaced.kind:
        raise RuleViolation(
            f"更正评分表「{sheet.sheet_id}」须与被更正的评分表「{replaced.sheet_id}」属同一单元、同一种类",
            rule=rule,
            field="sheet",
        )
    latest = state.latest_sheet_id == replaced.sheet_id
    return [SheetCorrected(**_meta(command), sheet=sheet, replaces_sheet_id=replaced.sheet_id, latest=latest)]


# --- LEGACY: typed scores, for histories recorded before verdicts were sheets ----------------------------------
# The update arguments of those histories carry a `score` and no sheet; replaying them (the workflow's
# `verdicts-are-sheets` patch not taken) decides as the code then did. Nothing else reaches these. Remove with
# the patch once no process recorded before the change is running.


def _legacy_score(value: Decimal) -> tuple[Decimal, Grade, None, bool]:
    score = _score(value)
    return score, legacy_grade_for(score), None, score >= LEGACY_PASS_MARK


def _legacy_self_check(state: ProcessState, command: SubmitSelfCheck, next_stage: Stage) -> Event:
    assert command.score is not None
    score = _score(command.score)
    kind = state.unit_kind
    if score < LEGACY_PASS_MARK:
        rule = spot_check_rule(kind) if state.awaiting_re_review else application_rule(kind)
        raise BelowPassMark(f"自查评估得分 {score} 低于 80 分", rule=rule, field="score")
    return SelfCheckPassed(
        **_meta(command), score=score, grade=legacy_grade_for(score), next_stage=next_stage
    )


def _legacy_import_score(command: ImportProcess) -> tuple[Decimal | None, Grade | None]:
    assert command.latest_score is not None
    score = _score(command.latest_score, "latest_score")
    if command.stage in _NEEDS_PASSING_SCORE and score < LEGACY_PASS_MARK:
        rule = standard_rule(command.unit_kind)
        raise BelowPassMark(f"得分 {score} 低于 80 分", rule=rule, field="latest_score")
    return score, legacy_grade_for(score)


# --- end LEGACY ---------------------------------------------------------------------------------------------------


def _meta(command: Command) -> dict[str, Any]:
    return {
        "actor": command.actor,
        "request_id": command.request_id,
        "at": command.at,
        "reason": command.reason,
        "evidence": command.evidence,
    }


def _check_envelope(command: Command) -> None:
    if not command.request_id.strip():
        raise InvalidCommand("必填 (required)", field="request_id")
    if command.at.tzinfo is None or command.at.utcoffset() is None:
        raise InvalidCommand("时间须带时区 (timezone-aware)", field="at")
    if not isinstance(command.evidence, tuple) or not all(isinstance(e, str) for e in command.evidence):
        raise InvalidCommand("证明材料须为引用字符串的元组", field="evidence")


def _require_stage(state: ProcessState, command: Command, *allowed: Stage) -> None:
    if state.stage in allowed:
        return
    action, rule = _STEPS[type(command)]
    where = "、".join(f"「{s.label}」" for s in allowed)
    raise OutOfOrder(
        f"当前阶段为「{state.stage.label}」，不能{action}：{action}须在{where}阶段进行",
        rule=f"{rule(state.unit_kind)}；{STEPS}",
    )


def _score(value: Decimal, field: str = "score") -> Decimal:
    # DESIGN: scores kept to two decimals; more would hide a rounding decision (79.995 → 80.00 passes).
    if not isinstance(value, Decimal) or not value.is_finite() or not Decimal(0) <= value <= Decimal(100):
        raise InvalidCommand(f"得分须为 0–100 之间的数，收到 {value}", field=field)
    if value != value.quantize(_CENT):
        raise InvalidCommand(f"得分最多保留两位小数，收到 {value}", field=field)
    return value.quantize(_CENT)


def _findings(findings: tuple[Finding, ...]) -> tuple[Finding, ...]:
    for n, finding in enumerate(findings):
        if not finding.description.strip():
            raise InvalidCommand("问题描述必填", field=f"findings[{n}].description")
    return findings


def _require_findings(findings: tuple[Finding, ...], message: str) -> None:
    if not findings:
        raise InvalidCommand(message, field="findings")


def _optional_deadline(
    rectify_by: date | None,
    at: datetime,
    rules: ProcessRules,
    kind: DeadlineKind = DeadlineKind.RECTIFICATION,
) -> Deadline | None:
    return None if rectify_by is None else _required_deadline(rectify_by, at, rules, kind)


def _required_deadline(
    rectify_by: date | None,
    at: datetime,
    rules: ProcessRules,
    kind: DeadlineKind = DeadlineKind.RECTIFICATION,
) -> Deadline:
    if rectify_by is None:
        raise InvalidCommand("须给出限期整改的日期", field="rectify_by")
    if rectify_by <= local_date(at):
        raise InvalidCommand(f"整改期限 {rectify_by.isoformat()} 须晚于今天", field="rectify_by")
    return _deadline(kind, rectify_by, rules)


def _deadline(kind: DeadlineKind, due_on: date, rules: ProcessRules) -> Deadline:
    """A deadline ending 24:00 Asia/Shanghai of `due_on`, with reminders N working days before it."""
    reminders, provisional = [], False
    for days in rules.reminders.working_days_before:
        day = rules.calendar.add_working_days(due_on, -days)
        provisional = provisional or day.provisional
        at = datetime.combine(day.day, rules.reminders.time_of_day, tzinfo=SHANGHAI)
        reminders.append(Reminder(at=at, working_days_before=days))
    return Deadline(
        kind=kind,
        due_on=due_on,
        due_at=end_of_day(due_on),
        reminders=tuple(sorted(reminders, key=lambda r: r.at)),
        provisional=provisional,
        calendar_version=rules.calendar.version,
    )


def _check_unit(unit_id: str, campaign: Campaign) -> None:
    if not unit_id.strip():
        raise InvalidCommand("必填 (required)", field="unit_id")
    if not campaign.name.strip():
        raise InvalidCommand("批次须有名称", field="campaign.name")


def _open(command: OpenProcess, rules: ProcessRules) -> ProcessOpened:
    _check_unit(command.unit_id, command.campaign)
    return ProcessOpened(
        **_meta(command),
        unit_id=command.unit_id,
        unit_kind=command.unit_kind,
        campaign=command.campaign,
        deadlines=_campaign_deadlines(command.campaign, Stage.SURVEY, rules),
    )


def _campaign_deadlines(campaign: Campaign, stage: Stage, rules: ProcessRules) -> tuple[Deadline, ...]:
    """000 三（一）/（二）: the survey deadline while surveying, the plan deadline until the plan is in."""
    due = {DeadlineKind.SURVEY: campaign.survey_due, DeadlineKind.PLAN: campaign.plan_due}
    kinds = {Stage.SURVEY: (DeadlineKind.SURVEY, DeadlineKind.PLAN), Stage.PLAN: (DeadlineKind.PLAN,)}
    return tuple(
        _deadline(kind, due_on, rules) for kind in kinds.get(stage, ()) if (due_on := due[kind]) is not None
    )


# LEGACY (replay only): the stages an imported typed score had to pass for (domain.verdicts.check_import_sheets
# holds the rule for sheets).
_NEEDS_PASSING_SCORE = frozenset(
    {
        Stage.DISTRICT_ACCEPTANCE,
        Stage.PUBLIC_NOTICE,
        Stage.FILED,
        Stage.SPOT_CHECK,
        Stage.RE_REVIEW,
        Stage.ACCEPTED,
        Stage.LOOK_BACK,
    }
)


def _import(command: ImportProcess, rules: ProcessRules) -> ProcessImported:
    _check_unit(command.unit_id, command.campaign)
    stage, kind = command.stage, command.unit_kind
    if command.stage_since.tzinfo is None or command.stage_since.utcoffset() is None:
        raise InvalidCommand("时间须带时区 (timezone-aware)", field="stage_since")
    if command.stage_since > command.at:
        raise InvalidCommand("进入该阶段的时间不能晚于导入时间", field="stage_since")
    grade: Grade | None
    if command.latest_score is not None and not command.sheets:
        score, grade = _legacy_import_score(command)
    else:
        latest = check_import_sheets(command.unit_id, kind, stage, command.sheets)
        score, grade = (None, None) if latest is None else (latest.total, latest.grade)
    notice = None
    if command.notice_published_on is not None:
        if stage is not Stage.PUBLIC_NOTICE:
            raise InvalidCommand("只有导入到「公示」阶段时才能给出公示发布日期", field="notice_published_on")
        notice = _notice(
            command.notice_published_on,
            command.notice_working_days,
            not_before=local_date(command.stage_since),
            not_after=local_date(command.at),
            kind=kind,
            rules=rules,
        )
    deadlines = _campaign_deadlines(command.campaign, stage, rules)
    if command.rectify_by is not None:
        if stage is not Stage.RECTIFICATION:
            raise InvalidCommand("只有导入到「整改」阶段时才能给出整改期限", field="rectify_by")
        deadlines += (
            _deadline(DeadlineKind.RECTIFICATION, command.rectify_by, rules),
        )  # may be past: overdue
    if command.awaiting_re_review and stage not in (Stage.RECTIFICATION, Stage.SELF_CHECK, Stage.RE_REVIEW):
        raise InvalidCommand(
            "只有抽查不合格后处于「整改」「自查评估」阶段的单元才等待复核", field="awaiting_re_review"
        )
    if command.consecutive_look_back_failures:
        if stage not in (Stage.ACCEPTED, Stage.LOOK_BACK):
            raise InvalidCommand("只有验收通过的单元才有回头看记录", field="consecutive_look_back_failures")
        if command.consecutive_look_back_failures < 0:
            raise InvalidCommand("连续未通过回头看次数不能为负", field="consecutive_look_back_failures")
    if command.look_back_round < command.consecutive_look_back_failures:
        raise InvalidCommand("回头看轮次不能少于连续未通过的次数", field="look_back_round")
    filing_number = command.filing_number.strip()
    if filing_number:
        if stage not in _FILED_AND_AFTER:
            raise InvalidCommand("只有导入到「备案」及以后阶段时才有备案文号", field="filing_number")
        filing_number = require_text(filing_number, "filing_number", max_length=MAX_FILING_NUMBER)
    return ProcessImported(
        **_meta(command),
        unit_id=command.unit_id,
        unit_kind=kind,
        campaign=command.campaign,
        stage=stage,
        stage_since=command.stage_since,
        latest_score=score,
        latest_grade=grade,
        sheets=command.sheets,
        filing_number=filing_number,
        notice=notice,
        deadlines=deadlines,
        awaiting_re_review=command.awaiting_re_review or stage is Stage.RE_REVIEW,
        look_back_round=command.look_back_round,
        consecutive_look_back_failures=command.consecutive_look_back_failures,
    )


def _notice(
    published_on: date,
    working_days: int,
    *,
    not_before: date,
    not_after: date,
    kind: UnitKind,
    rules: ProcessRules,
) -> Notice:
    if working_days < MIN_NOTICE_WORKING_DAYS:
        raise RuleViolation(
            f"公示时间不少于 {MIN_NOTICE_WORKING_DAYS} 个工作日，收到 {working_days} 个",
            rule=notice_rule(kind),
            field="working_days",
        )
    if published_on > not_after:
        raise InvalidCommand(f"发布日期不能晚于今天（{not_after.isoformat()}）", field="published_on")
    if published_on < not_before:
        raise InvalidCommand(
            f"发布日期早于区县验收通过的日期（{not_before.isoformat()}）", field="published_on"
        )
    ends = rules.calendar.notice_period_end(published_on, working_days)
    return Notice(
        published_on=published_on,
        working_days=working_days,
        runs_from=published_on,
        working_days_remaining=working_days,
        ends=ends,
    )


def _publish(state: ProcessState, command: PublishNotice, rules: ProcessRules) -> NoticePublished:
    # 附件3/附件4 三（二）3 结果公示; DESIGN "Periods" for how the days count
    if state.notice is not None:
        raise RuleViolation(
            f"公示已于 {state.notice.published_on.isoformat()} 发布，不能重复发布",
            rule=notice_rule(state.unit_kind),
        )
    notice = _notice(
        command.published_on,
        command.working_days,
        not_before=local_date(state.stage_since),
        not_after=local_date(command.at),
        kind=state.unit_kind,
        rules=rules,
    )
    if command.channel is None and rules.legacy_notice:
        return NoticePublished(**_meta(command), notice=notice)
    channel = _channel(command.channel)
    sheet = district_sheet(state)
    return NoticePublished(
        **_meta(command), notice=replace(notice, channel=channel), sheet_id=sheet.sheet_id if sheet else ""
    )


MAX_CHANNEL_NAME = 100
MAX_URL = 500
MAX_FILING_NUMBER = 100
# The stages a unit reaches only once its result is filed (备案).
_FILED_AND_AFTER = frozenset(
    {Stage.FILED, Stage.SPOT_CHECK, Stage.RE_REVIEW, Stage.ACCEPTED, Stage.LOOK_BACK}
)
MAX_REPORT_PART = 5000
MAX_EXPERTS = 20


def _channel(channel: NoticeChannel | None) -> NoticeChannel:
    """附件3/附件4 三（二）3 "在当地主要媒体或政府门户网站上进行公示": which of the two, its name, its address."""
    if channel is None:
        raise InvalidCommand("须写明公示的媒体或政府网站（channel）", field="channel")
    if not isinstance(channel.kind, NoticeChannelKind):
        raise InvalidCommand(
            "须为当地主要媒体（LOCAL_MEDIA）或政府门户网站（GOVERNMENT_PORTAL）", field="channel.kind"
        )
    name = require_text(channel.name, "channel.name", max_length=MAX_CHANNEL_NAME)
    url = require_text(channel.url, "channel.url", max_length=MAX_URL)
    parsed = urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname or any(c.isspace() for c in url):
        raise InvalidCommand(f"公示网址须为 http 或 https 地址，收到 {url!r}", field="channel.url")
    return NoticeChannel(kind=channel.kind, name=name, url=url)


def _raise_objection(state: ProcessState, command: RaiseObjection, rules: ProcessRules) -> ObjectionRaised:
    # DESIGN stage 6: an objection during the notice suspends it while it is investigated.
    rule = notice_rule(state.unit_kind)
    notice = state.notice
    if state.stage is not Stage.PUBLIC_NOTICE or notice is None:
        raise OutOfOrder(f"当前阶段为「{state.stage.label}」，异议只能在公示期内提出", rule=rule)
    if not command.objection_id.strip():
        raise InvalidCommand("必填 (required)", field="objection_id")
    if command.objection_id in notice.open_objections or any(
        o.objection_id == command.objection_id for o in notice.objections
    ):
        # ALREADY_EXISTS: the 公示栏 resubmitting the same form finds it recorded
        raise AlreadyExists(f"异议「{command.objection_id}」已登记", field="objection_id")
    if notice.elapsed_at is not None:
        raise RuleViolation(
            f"公示期已于 {local_date(notice.elapsed_at).isoformat()} 届满，不能再提出异议", rule=rule
        )
    objector = command.objector
    if not (command.source is None and rules.legacy_notice):
        objector = _checked_objector(command)
    remaining = notice.working_days_remaining
    if notice.ends is not None:
        if command.at >= notice.ends.ends_at:
            raise RuleViolation(
                f"公示期已于 {notice.ends.last_day.isoformat()} 24:00 届满，不能再提出异议", rule=rule
            )
        # Only whole working days count: the day the objection arrives is not used up (nor the day it resumed).
        today = local_date(command.at)
        used = rules.calendar.working_days_between(notice.runs_from, today - timedelta(days=1))
        remaining = max(1, remaining - used)
    return ObjectionRaised(
        **_meta(command),
        objection_id=command.objection_id,
        working_days_remaining=remaining,
        source=command.source,
        objector=objector,
    )


def _checked_objector(command: RaiseObjection) -> Objector | None:
    """What an objection must say: its text (the command's reason) and, from the 公示栏, who raised it and how
    to reach them (the district must answer: DESIGN stage 6). The objector as recorded."""
    if not isinstance(command.source, ObjectionSource):
        raise InvalidCommand(
            "须说明异议来源：公示栏（PUBLIC_BOARD）或其他途径收到（RECEIVED）", field="source"
        )
    require_text(command.objection_id, "objection_id", max_length=100)
    if not command_reason(command.reason):  # the objection's text, as every reason is checked
        raise InvalidCommand("须写明异议内容 (the objection's text is required)", field="reason")
    objector = command.objector
    from_board = command.source is ObjectionSource.PUBLIC_BOARD
    if objector is None:
        if from_board:
            raise InvalidCommand("公示栏提出的异议须留姓名和联系方式", field="objector")
        return None
    return Objector(
        name=require_text(objector.name, "objector.name", max_length=MAX_OBJECTOR_NAME, required=from_board),
        contact=require_text(
            objector.contact, "objector.contact", max_length=MAX_OBJECTOR_CONTACT, required=from_board
        ),
    )


def _resolve_objection(state: ProcessState, command: ResolveObjection, rules: ProcessRules) -> Event:
    rule = notice_rule(state.unit_kind)
    notice = state.notice
    if (
        state.stage is not Stage.PUBLIC_NOTICE
        or notice is None
        or command.objection_id not in notice.open_objections
    ):
        raise RuleViolation(f"没有正在调查的异议「{command.objection_id}」", rule=rule)
    if not rules.legacy_notice and not command.reason.strip():
        raise InvalidCommand("须写明对异议的答复（reason），公示栏将显示处理结果", field="reason")
    findings = _findings(command.findings)
    if command.upheld:
        _require_findings(findings, "异议成立须列明问题，作为整改问题清单")
        deadline = _optional_deadline(command.rectify_by, command.at, rules)
        return ObjectionUpheld(
            **_meta(command), objection_id=command.objection_id, findings=findings, deadline=deadline
        )
    if findings or command.rectify_by is not None:
        raise InvalidCommand("异议不成立时不应列问题或整改期限", field="findings")
    still_open = [o for o in notice.open_objections if o != command.objection_id]
    # Like publication, the day the notice resumes does not count (民法典第二百零一条 by analogy).
    resumed = (
        None
        if still_open
        else rules.calendar.notice_period_end(local_date(command.at), notice.working_days_remaining)
    )
    return ObjectionDismissed(**_meta(command), objection_id=command.objection_id, resumed=resumed)


def _require_notice_over(state: ProcessState, at: datetime) -> None:
    rule = notice_rule(state.unit_kind)
    notice = state.notice
    if notice is None:
        raise RuleViolation("公示尚未发布", rule=rule)
    if notice.ends is None:
        raise RuleViolation("公示因异议中止，异议办结前不能结束公示", rule=rule)
    if at < notice.ends.ends_at:
        raise RuleViolation(f"公示至 {notice.ends.last_day.isoformat()} 24:00 届满，尚未期满", rule=rule)


def _elapse(state: ProcessState, command: CloseNotice, rules: ProcessRules) -> NoticeElapsed:
    """The notice ran its course: the district is to file the result (备案) within the filing period."""
    _require_notice_over(state, command.at)
    notice = state.notice
    assert notice is not None and notice.ends is not None
    if notice.elapsed_at is not None:
        raise RuleViolation("公示已期满，等待报市级工作专班备案", rule=filing_rule(state.unit_kind))
    if rules.legacy_notice:
        return NoticeElapsed(**_meta(command))
    # The period runs from the day after the notice's last day (民法典第二百零一条, as the notice itself).
    due = rules.calendar.add_working_days(notice.ends.last_day, rules.filing_working_days)
    return NoticeElapsed(**_meta(command), filing=_deadline(DeadlineKind.FILING, due.day, rules))


def _file(state: ProcessState, command: FileResult) -> ResultFiled:
    # 附件3/附件4 三（二）3 "公示期满后，报市级工作专班备案"
    rule = filing_rule(state.unit_kind)
    notice = state.notice
    if notice is None or notice.elapsed_at is None:
        now = {NoticeStatus.SUSPENDED: "公示因异议中止", NoticeStatus.RUNNING: "公示尚未期满"}.get(
            notice.status if notice else NoticeStatus.AWAITING_PUBLICATION, "公示尚未发布"
        )
        raise RuleViolation(f"{now}：公示期满后才能报市级工作专班备案", rule=rule)
    number = require_text(command.filing_number, "filing_number", max_length=MAX_FILING_NUMBER)
    sheet = district_sheet(state)
    return ResultFiled(**_meta(command), filing_number=number, sheet_id=sheet.sheet_id if sheet else "")


def _acknowledge(state: ProcessState, command: AcknowledgeFiling) -> FilingAcknowledged:
    rule = filing_rule(state.unit_kind)
    if state.filing is None:
        raise RuleViolation("该单元本批次的验收结果尚未备案", rule=rule)
    if state.filing.acknowledged_at is not None:
        raise RuleViolation(
            f"备案「{state.filing.filing_number}」已于 {state.filing.acknowledged_at.isoformat()} 确认",
            rule=rule,
        )
    return FilingAcknowledged(**_meta(command))


def _demonstration(
    state: ProcessState, *expected: DemonstrationStatus, rule: str = DEMONSTRATION_REPORT_RULE
) -> Demonstration:
    """The park group's track, in one of the `expected` statuses; refusals name the step's article of 001 四."""
    if not has_track(state.unit_kind):
        raise RuleViolation("示范园区（建设总结报告）只适用于工业园区组团，镇街不适用", rule=rule)
    track = demonstration_of(state)
    if track is None:
        raise RuleViolation(
            "区县验收评分表得分达到 90 分（含）的园区组团方可提交建设总结报告；本单元当前没有达到该分数的区县验收结论",
            rule=rule,
        )
    if track.status not in expected:
        wanted = "、".join(s.value for s in expected)
        raise RuleViolation(f"示范园区进程当前为 {track.status.value}，此步须在 {wanted} 时进行", rule=rule)
    return track


def _submit_demonstration_report(
    state: ProcessState, command: SubmitDemonstrationReport
) -> DemonstrationReportSubmitted:
    # 001 四（一）4、（二）3: "报告中需总结典型做法、建设亮点及突出成效"; resubmitting after a failed check is allowed.
    track = _demonstration(state, DemonstrationStatus.ELIGIBLE, DemonstrationStatus.CHECK_FAILED)
    report = DemonstrationReport(
        typical_practices=require_text(
            command.typical_practices, "typical_practices", max_length=MAX_REPORT_PART
        ),
        highlights=require_text(command.highlights, "highlights", max_length=MAX_REPORT_PART),
        outcomes=require_text(command.outcomes, "outcomes", max_length=MAX_REPORT_PART),
    )
    return DemonstrationReportSubmitted(**_meta(command), sheet_id=track.sheet_id, report=report)


def _record_demonstration_check(
    state: ProcessState, command: RecordDemonstrationCheck
) -> DemonstrationChecked:
    # 001 四（一）5: "市生态环境局组织专家开展现场核实抽查"
    _demonstration(state, DemonstrationStatus.REPORT_SUBMITTED, rule=DEMONSTRATION_LIST_RULE)
    if not command.experts:
        raise InvalidCommand("须列明开展现场核实的专家（至少 1 名）", field="experts")
    if len(command.experts) > MAX_EXPERTS:
        raise InvalidCommand(f"专家最多 {MAX_EXPERTS} 名", field="experts")
    experts = tuple(
        require_text(name, f"experts[{n}]", max_length=MAX_OBJECTOR_NAME)
        for n, name in enumerate(command.experts)
    )
    if not command_reason(command.reason):  # the experts' conclusion
        raise InvalidCommand("须写明专家现场核查结论 (the experts' conclusion is required)", field="reason")
    return DemonstrationChecked(**_meta(command), passed=command.passed, experts=experts)


def _list_as_demonstration(state: ProcessState, command: ListAsDemonstration) -> DemonstrationListed:
    # 001 四（一）5: "最终确定示范园区清单…通报表扬"
    _demonstration(state, DemonstrationStatus.CHECK_PASSED, rule=DEMONSTRATION_LIST_RULE)
    title = require_text(command.list_title, "title", max_length=200)
    commendation = require_text(command.commendation, "commendation", max_length=MAX_REPORT_PART)
    return DemonstrationListed(**_meta(command), list_title=title, commendation=commendation)


def _look_back_verdict(
    state: ProcessState, command: RecordLookBackVerdict, rules: ProcessRules
) -> list[Event]:
    # 000 三（五）"对发现的问题及时督促区县整改": the sheet decides; its findings become problems with the deadline.
    if command.sheet is None and command.passed is not None:
        return [_legacy_look_back_verdict(state, command, rules)]
    sheet = _verdict_sheet(state, command)
    meta = _meta(command)
    findings = _findings(command.findings)
    if not findings and command.rectify_by is not None:
        raise InvalidCommand("未列明问题，不设整改期限", field="rectify_by")
    deadline = None
    problems: tuple[LookBackProblem, ...] = ()
    if findings:
        kind = DeadlineKind.LOOK_BACK_RECTIFICATION
        deadline = _required_deadline(command.rectify_by, command.at, rules, kind)
        # the codes the registry files them under (the workflow's FileFindings uses the same)
        codes = finding_codes(FoundBy.LOOK_BACK, state.campaign.name, command.request_id, len(findings))
        problems = tuple(
            LookBackProblem(
                code=code, description=f.description, round=state.look_back_round, rectify_by=deadline.due_on
            )
            for code, f in zip(codes, findings, strict=True)
        )
    verdict: Event
    if sheet.passed:
        verdict = LookBackPassed(
            **meta,
            round=state.look_back_round,
            findings=findings,
            deadline=deadline,
            sheet=sheet,
            problems=problems,
        )
    else:
        _require_findings(findings, "回头看评分表低于合格分，须列明发现的问题")
        assert deadline is not None
        verdict = LookBackFailed(
            **meta,
            round=state.look_back_round,
            findings=findings,
            deadline=deadline,
            consecutive_failures=state.consecutive_look_back_failures + 1,
            sheet=sheet,
            problems=problems,
        )
    in_a_row = state.consecutive_rounds_with_findings + 1 if findings else 0
    reason = f"连续 {in_a_row} 轮回头看（至第 {state.look_back_round} 轮）均发现问题"
    return [verdict, *_flag_if_met(state, command, rules, FlagRule.RECURRING_PROBLEMS, in_a_row, reason)]


def _legacy_look_back_verdict(
    state: ProcessState, command: RecordLookBackVerdict, rules: ProcessRules
) -> LookBackPassed | LookBackFailed:
    """A verdict typed in before verdicts were sheets (update arguments recorded before issue 11), decided as it
    was then so that those histories replay: N consecutive failures, or the city's call, ordered re-acceptance."""
    meta = _meta(command)
    findings = _findings(command.findings)
    if not findings and command.rectify_by is not None:
        raise InvalidCommand("未列明问题，不设整改期限", field="rectify_by")
    kind = DeadlineKind.LOOK_BACK_RECTIFICATION
    if command.passed:
        if command.order_reacceptance:
            raise InvalidCommand("回头看通过时不能要求重新实施建设验收", field="order_reacceptance")
        deadline = _required_deadline(command.rectify_by, command.at, rules, kind) if findings else None
        return LookBackPassed(**meta, round=state.look_back_round, findings=findings, deadline=deadline)
    _require_findings(findings, "回头看未通过须列明发现的问题")
    deadline = _required_deadline(command.rectify_by, command.at, rules, kind)
    failures = state.consecutive_look_back_failures + 1
    return LookBackFailed(
        **meta,
        round=state.look_back_round,
        findings=findings,
        deadline=deadline,
        consecutive_failures=failures,
        reacceptance=command.order_reacceptance or failures >= rules.look_back_failure_limit,
    )


def _flag_if_met(
    state: ProcessState, command: Command, rules: ProcessRules, rule: FlagRule, count: int, reason: str
) -> list[Event]:
    """The flag of `rule` once `count` reaches its threshold, raised once per campaign."""
    threshold = rules.look_back_thresholds.of(rule)
    if count < threshold.count or state.flag(rule) is not None:
        return []
    flag = ReacceptanceFlag(
        rule=rule, rule_id=threshold.rule_id, rule_text=threshold.text, reason=reason, raised_at=command.at
    )
    meta = {**_meta(command), "reason": f"{threshold.term}：{reason}"}
    return [ReacceptanceFlagRaised(**meta, flag=flag)]


def _look_back_rectified(state: ProcessState, command: ReportLookBackRectified) -> LookBackRectified:
    waiting = tuple(p.code for p in state.look_back_problems if p.open and not p.reported_rectified)
    if waiting:
        return LookBackRectified(**_meta(command), codes=waiting)
    if not state.look_back_problems and state.deadline(DeadlineKind.LOOK_BACK_RECTIFICATION) is not None:
        return LookBackRectified(**_meta(command))  # findings recorded before problems were tracked
    raise RuleViolation("没有待整改的回头看问题", rule=LOOK_BACK_RULE)


def _verify_look_back(
    state: ProcessState, command: VerifyLookBackRectification, rules: ProcessRules
) -> list[Event]:
    # 000 三（五）"对发现的问题及时督促区县整改": the municipal task force checks each reported problem, 到位 or 不到位.
    if not command.verifications:
        raise InvalidCommand("须逐条给出核查结论", field="verifications")
    problems = {p.code: p for p in state.look_back_problems}
    seen: set[str] = set()
    for n, line in enumerate(command.verifications):
        problem = problems.get(line.code)
        if problem is None:
            raise InvalidCommand(f"没有编号为「{line.code}」的回头看问题", field=f"verifications[{n}].code")
        if line.code in seen:
            raise InvalidCommand(f"问题「{line.code}」重复核查", field=f"verifications[{n}].code")
        seen.add(line.code)
        if not problem.open:
            raise RuleViolation(f"问题「{line.code}」已核查到位，不能再次核查", rule=LOOK_BACK_RULE)
        if not problem.reported_rectified:
            raise RuleViolation(f"问题「{line.code}」尚未申报整改完成，不能核查", rule=LOOK_BACK_RULE)
    failed = [line.code for line in command.verifications if not line.in_place]
    deadline = None
    if failed:
        kind = DeadlineKind.LOOK_BACK_RECTIFICATION
        deadline = _required_deadline(command.rectify_by, command.at, rules, kind)
    elif command.rectify_by is not None:
        raise InvalidCommand("核查均到位，不设新的整改期限", field="rectify_by")
    verified = LookBackRectificationVerified(
        **_meta(command), verifications=command.verifications, deadline=deadline
    )
    if not failed:
        return [verified]
    count = state.not_in_place_verifications + 1
    reason = f"本批次「{state.campaign.name}」整改经核查 {count} 次不到位（本次：{'、'.join(failed)}）"
    rule = FlagRule.REPEATED_FAILED_RECTIFICATION
    return [verified, *_flag_if_met(state, command, rules, rule, count, reason)]


def _order_reacceptance(state: ProcessState, command: OrderReacceptance) -> ReacceptanceOrdered:
    if not command.reason.strip():
        raise InvalidCommand("须写明市级工作专班的决定（理由）", field="reason")
    if state.flag(command.rule) is None:
        raised = "、".join(f.rule_id for f in state.flags) or "无"
        raise RuleViolation(
            f"本批次未对该单元提示「{_FLAG_TERMS[command.rule]}」（已提示：{raised}），不能据此决定重新实施建设验收",
            rule=LOOK_BACK_RULE,
            field="rule",
        )
    return ReacceptanceOrdered(**_meta(command), rule=command.rule)


_FLAG_TERMS = {
    FlagRule.RECURRING_PROBLEMS: "问题频发",
    FlagRule.REPEATED_FAILED_RECTIFICATION: "多次整改不到位",
}


def _start_reacceptance(
    state: ProcessState, command: StartReacceptance, rules: ProcessRules
) -> ReacceptanceStarted:
    # 000 三（五）"按照流程重新实施建设验收": construction (整改) and acceptance again, the ledger and plan stand.
    campaign = command.campaign
    _check_unit(state.unit_id, campaign)
    if campaign.name == state.campaign.name:
        raise InvalidCommand(
            f"重新实施建设验收须使用新的批次，「{campaign.name}」是当前批次", field="campaign.name"
        )
    if campaign.survey_due is not None or campaign.plan_due is not None:
        raise InvalidCommand("重新实施建设验收从整改开始，批次不设排查、方案期限", field="campaign")
    deadline = _optional_deadline(command.rectify_by, command.at, rules)
    return ReacceptanceStarted(**_meta(command), campaign=campaign, deadline=deadline)


_DEADLINE_RULES = {
    DeadlineKind.SURVEY: SURVEY_RULE,
    DeadlineKind.PLAN: PLAN_RULE,
    DeadlineKind.RECTIFICATION: RECTIFICATION_RULE,
    DeadlineKind.LOOK_BACK_RECTIFICATION: LOOK_BACK_RULE,
}


def _deadline_missed(state: ProcessState, command: RecordDeadlineMissed) -> DeadlineMissed:
    is_filing = command.kind is DeadlineKind.FILING
    rule = filing_rule(state.unit_kind) if is_filing else _DEADLINE_RULES[command.kind]
    deadline = state.deadline(command.kind)
    if deadline is None or deadline.missed:
        raise RuleViolation(f"没有未到期的「{command.kind.value}」期限", rule=rule)
    if command.at < deadline.due_at:
        raise RuleViolation(f"期限为 {deadline.due_on.isoformat()} 24:00，尚未逾期", rule=rule)
    return DeadlineMissed(**_meta(command), kind=command.kind)


def _refresh_calendar(state: ProcessState, command: RefreshCalendar, rules: ProcessRules) -> list[Event]:
    notice = state.notice
    notice_ends = None
    if state.notice_status is NoticeStatus.RUNNING and notice is not None and notice.ends is not None:
        fresh = rules.calendar.notice_period_end(notice.runs_from, notice.working_days_remaining)
        if (fresh.ends_at, fresh.provisional) != (notice.ends.ends_at, notice.ends.provisional):
            notice_ends = fresh
    deadlines = tuple(
        fresh
        for d in state.deadlines
        if not d.missed
        and ((fresh := _deadline(d.kind, d.due_on, rules)).reminders, fresh.provisional)
        != (d.reminders, d.provisional)
    )
    if notice_ends is None and not deadlines:
        return []
    return [CalendarRefreshed(**_meta(command), notice_ends=notice_ends, deadlines=deadlines)]


# --- evolve -----------------------------------------------------------------------------------------------------


def evolve(state: ProcessState | None, event: Event) -> ProcessState:
    """The state after `event`; every event adds one history entry."""
    match event:
        case ProcessOpened():
            return _started(
                event,
                ProcessState(
                    unit_id=event.unit_id,
                    unit_kind=event.unit_kind,
                    campaign=event.campaign,
                    stage=Stage.SURVEY,
                    stage_since=event.at,
                    updated_at=event.at,
                    deadlines=event.deadlines,
                ),
            )
        case ProcessImported():
            return _started(
                event,
                ProcessState(
                    unit_id=event.unit_id,
                    unit_kind=event.unit_kind,
                    campaign=event.campaign,
                    stage=event.stage,
                    stage_since=event.stage_since,
                    updated_at=event.at,
                    deadlines=event.deadlines,
                    latest_score=event.latest_score,
                    latest_grade=event.latest_grade,
                    notice=event.notice,
                    awaiting_re_review=event.awaiting_re_review,
                    look_back_round=event.look_back_round,
                    consecutive_look_back_failures=event.consecutive_look_back_failures,
                    sheets=event.sheets,
                    latest_sheet_id=event.sheets[-1].sheet_id if event.sheets else "",
                    # Filed before the import (备案 on paper): the city can still acknowledge it.
                    filing=Filing(event.filing_number, filed_at=event.stage_since, filed_by=event.actor)
                    if event.filing_number
                    else None,
                ),
            )
    if state is None:
        raise ProcessNotFound(f"{type(event).__name__} 之前没有建立流程的事件")
    match event:
        case SurveyCompleted():
            return _moved(state, event, Stage.PLAN, deadlines=_without(state, DeadlineKind.SURVEY))
        case PlanSubmitted():
            return _moved(state, event, Stage.RECTIFICATION, deadlines=_without(state, DeadlineKind.PLAN))
        case RectificationDeclaredDone():
            return _moved(
                state, event, Stage.SELF_CHECK, deadlines=_without(state, DeadlineKind.RECTIFICATION)
            )
        case SelfCheckPassed():
            return _moved(state, event, event.next_stage, **_scored(state, event))
        case SelfCheckFailed():
            # 附件3/附件4 三（二）1: below 合格 the unit does not apply; it rectifies again (awaiting 复核 still).
            return _moved(state, event, Stage.RECTIFICATION, **_scored(state, event))
        case SheetCorrected():
            return _moved(state, event, **_corrected(state, event))
        case DistrictAcceptancePassed():
            return _moved(state, event, Stage.PUBLIC_NOTICE, notice=None, **_scored(state, event))
        case DistrictAcceptanceFailed():
            return _moved(
                state,
                event,
                Stage.RECTIFICATION,
                deadlines=_with(state, event.deadline),
                **_scored(state, event),
            )
        case NoticePublished():
            return _moved(state, event, notice=event.notice)
        case ObjectionRaised():
            notice = _current_notice(state)
            objection = Objection(
                objection_id=event.objection_id,
                source=event.source,
                objector=event.objector,
                text=event.reason,
                raised_at=event.at,
            )
            suspended = replace(
                notice,
                ends=None,
                suspended_at=notice.suspended_at or event.at,
                working_days_remaining=event.working_days_remaining,
                open_objections=(*notice.open_objections, event.objection_id),
                objections=(*notice.objections, objection),
            )
            return _moved(state, event, notice=suspended)
        case ObjectionUpheld():
            # The notice's record stays in the history; the acceptance it announced no longer stands.
            return _moved(
                state,
                event,
                Stage.RECTIFICATION,
                notice=None,
                demonstration=None,
                deadlines=_with(state, event.deadline),
            )
        case ObjectionDismissed():
            notice = _resolved(_current_notice(state), event)
            still_open = tuple(o for o in notice.open_objections if o != event.objection_id)
            if event.resumed is None:
                return _moved(state, event, notice=replace(notice, open_objections=still_open))
            resumed = replace(
                notice,
                open_objections=still_open,
                suspended_at=None,
                runs_from=local_date(event.at),
                ends=event.resumed,
            )
            return _moved(state, event, notice=resumed)
        case NoticeElapsed(filing=None):
            # Recorded before 备案 was a step of its own: the notice's end filed the result.
            return _moved(state, event, Stage.FILED, reaccepting=False)
        case NoticeElapsed(filing=filing):
            notice = replace(_current_notice(state), elapsed_at=event.at)
            return _moved(state, event, notice=notice, deadlines=_with(state, filing))
        case ResultFiled():
            filing = Filing(filing_number=event.filing_number, filed_at=event.at, filed_by=event.actor)
            return _moved(
                state,
                event,
                Stage.FILED,
                filing=filing,
                reaccepting=False,
                deadlines=_without(state, DeadlineKind.FILING),
            )
        case FilingAcknowledged():
            assert state.filing is not None
            filing = replace(state.filing, acknowledged_at=event.at, acknowledged_by=event.actor)
            return _moved(state, event, filing=filing)
        case DemonstrationReportSubmitted():
            track = Demonstration(
                status=DemonstrationStatus.REPORT_SUBMITTED, sheet_id=event.sheet_id, report=event.report
            )
            return _moved(state, event, demonstration=track)
        case DemonstrationChecked():
            assert state.demonstration is not None
            status = DemonstrationStatus.CHECK_PASSED if event.passed else DemonstrationStatus.CHECK_FAILED
            track = replace(
                state.demonstration, status=status, experts=event.experts, check_note=event.reason
            )
            return _moved(state, event, demonstration=track)
        case DemonstrationListed():
            assert state.demonstration is not None
            track = replace(
                state.demonstration,
                status=DemonstrationStatus.LISTED,
                list_title=event.list_title,
                commendation=event.commendation,
            )
            return _moved(state, event, demonstration=track)
        case SpotCheckDrawn():
            return _moved(state, event, Stage.SPOT_CHECK, spot_check_draw_id=event.draw_id)
        case SpotCheckWindowClosed():
            return _moved(state, event, Stage.ACCEPTED)
        case SpotCheckPassed() | ReReviewPassed():
            return _moved(state, event, Stage.ACCEPTED, awaiting_re_review=False, **_scored(state, event))
        case SpotCheckFailed() | ReReviewFailed():
            return _moved(
                state,
                event,
                Stage.RECTIFICATION,
                awaiting_re_review=True,
                deadlines=_with(state, event.deadline),
                **_scored(state, event),
            )
        case LookBackStarted():
            return _moved(
                state,
                event,
                Stage.LOOK_BACK,
                look_back_round=event.round,
                look_back_returns_to=event.from_stage,
            )
        case LookBackPassed() | LookBackFailed():
            failed = isinstance(event, LookBackFailed)
            return _moved(
                state,
                event,
                Stage.REACCEPTANCE if failed and event.reacceptance else state.look_back_returns_to,
                reaccepting=state.reaccepting or (failed and event.reacceptance),
                consecutive_look_back_failures=event.consecutive_failures if failed else 0,
                consecutive_rounds_with_findings=state.consecutive_rounds_with_findings + 1
                if event.findings
                else 0,
                look_back_problems=(*state.look_back_problems, *event.problems),
                sheets=(*state.sheets, event.sheet) if event.sheet else state.sheets,
                deadlines=_with(state, event.deadline),
            )
        case LookBackRectified():
            if not event.codes:  # findings recorded before problems were tracked
                return _moved(state, event, deadlines=_without(state, DeadlineKind.LOOK_BACK_RECTIFICATION))
            reported = tuple(
                replace(p, reported_rectified=True) if p.code in event.codes else p
                for p in state.look_back_problems
            )
            return _moved(state, event, look_back_problems=reported)
        case LookBackRectificationVerified():
            verdicts = {v.code: v.in_place for v in event.verifications}
            problems = tuple(_verified(p, verdicts.get(p.code)) for p in state.look_back_problems)
            closed = all(not p.open for p in problems)
            return _moved(
                state,
                event,
                look_back_problems=problems,
                not_in_place_verifications=state.not_in_place_verifications + (False in verdicts.values()),
                deadlines=(
                    _without(state, DeadlineKind.LOOK_BACK_RECTIFICATION)
                    if closed
                    else _with(state, event.deadline)
                ),
            )
        case ReacceptanceFlagRaised():
            return _moved(state, event, flags=(*state.flags, event.flag))
        case ReacceptanceOrdered():
            return _moved(state, event, Stage.REACCEPTANCE, reaccepting=True)
        case ReacceptanceStarted():
            return _moved(
                state,
                event,
                Stage.RECTIFICATION,
                campaign=event.campaign,
                consecutive_look_back_failures=0,
                # the thresholds count within one campaign: the new one starts clean
                consecutive_rounds_with_findings=0,
                not_in_place_verifications=0,
                flags=(),
                look_back_problems=(),
                awaiting_re_review=False,
                notice=None,
                # DESIGN: not counted from the order until the new campaign's result is filed again
                reaccepting=True,
                filing=None,
                demonstration=None,
                deadlines=() if event.deadline is None else (event.deadline,),
            )
        case DeadlineMissed():
            missed = tuple(replace(d, missed=True) if d.kind is event.kind else d for d in state.deadlines)
            return _moved(state, event, deadlines=missed)
        case CalendarRefreshed():
            fresh = {d.kind: d for d in event.deadlines}
            deadlines = tuple(fresh.get(d.kind, d) for d in state.deadlines)
            notice = state.notice
            if event.notice_ends is not None and notice is not None:
                notice = replace(notice, ends=event.notice_ends)
            return _moved(state, event, deadlines=deadlines, notice=notice)
    raise TypeError(f"unknown process event {type(event).__name__}")


def _scored(
    state: ProcessState,
    event: SelfCheckPassed
    | SelfCheckFailed
    | DistrictAcceptancePassed
    | DistrictAcceptanceFailed
    | SpotCheckPassed
    | SpotCheckFailed
    | ReReviewPassed
    | ReReviewFailed,
) -> dict[str, Any]:
    """A verdict's score and grade become the latest; its sheet (none in legacy histories) joins the sheets."""
    changes: dict[str, Any] = {"latest_score": event.score, "latest_grade": event.grade}
    if event.sheet is not None:
        changes |= {"sheets": (*state.sheets, event.sheet), "latest_sheet_id": event.sheet.sheet_id}
    return changes


def _corrected(state: ProcessState, event: SheetCorrected) -> dict[str, Any]:
    """The replaced sheet is marked superseded and the correction joins the sheets; the latest score moves with it
    when the replaced sheet was the latest."""
    sheets = tuple(
        replace(s, superseded_by_sheet_id=event.sheet.sheet_id)
        if s.sheet_id == event.replaces_sheet_id
        else s
        for s in state.sheets
    )
    changes: dict[str, Any] = {"sheets": (*sheets, event.sheet)}
    if event.latest:
        changes |= {
            "latest_score": event.sheet.total,
            "latest_grade": event.sheet.grade,
            "latest_sheet_id": event.sheet.sheet_id,
        }
    return changes


def _started(event: ProcessOpened | ProcessImported, state: ProcessState) -> ProcessState:
    entry = _entry(event, from_stage=None, to_stage=state.stage)
    return replace(state, history=(entry,))


def _moved(state: ProcessState, event: Event, to: Stage | None = None, **changes: object) -> ProcessState:
    target = state.stage if to is None else to
    entry = _entry(event, from_stage=state.stage, to_stage=target)
    return replace(
        state,
        stage=target,
        stage_since=state.stage_since if target is state.stage else event.at,
        updated_at=event.at,
        history=(*state.history, entry),
        **changes,
    )


def _entry(event: Event, *, from_stage: Stage | None, to_stage: Stage) -> HistoryEntry:
    return HistoryEntry(
        event=type(event).__name__,
        at=event.at,
        actor=event.actor,
        request_id=event.request_id,
        reason=event.reason,
        evidence=event.evidence,
        from_stage=from_stage,
        to_stage=to_stage,
    )


def _resolved(notice: Notice, event: ObjectionUpheld | ObjectionDismissed) -> Notice:
    """The notice with the objection's outcome and the district's answer (the event's reason) recorded."""
    upheld = isinstance(event, ObjectionUpheld)
    objections = tuple(
        replace(o, upheld=upheld, answer=event.reason, resolved_at=event.at)
        if o.objection_id == event.objection_id
        else o
        for o in notice.objections
    )
    return replace(notice, objections=objections)


def _verified(problem: LookBackProblem, in_place: bool | None) -> LookBackProblem:
    if in_place is None:
        return problem
    if in_place:
        return replace(problem, in_place=True)
    # 不到位: rectified again, reported again
    return replace(
        problem, in_place=False, reported_rectified=False, not_in_place_count=problem.not_in_place_count + 1
    )


def _current_notice(state: ProcessState) -> Notice:
    if state.notice is None:
        raise ProcessNotFound("公示尚未发布")
    return state.notice


def _with(state: ProcessState, deadline: Deadline | None) -> tuple[Deadline, ...]:
    if deadline is None:
        return state.deadlines
    return (*_without(state, deadline.kind), deadline)


def _without(state: ProcessState, *kinds: DeadlineKind) -> tuple[Deadline, ...]:
    return tuple(d for d in state.deadlines if d.kind not in kinds)
