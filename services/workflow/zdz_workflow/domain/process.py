"""A unit's process (000 三 步骤安排; 附件3/附件4 三 评估验收) as a pure state machine.

`decide(state, command, rules)` checks a command against the rules and returns the events it causes, or raises a
domain error whose message a clerk can act on; `evolve(state, event)` applies one event. Neither reads a clock
nor does I/O: time arrives in the command (`at`), the holiday schedule in `rules`, and every calendar result is
written into the events, so a Temporal workflow can hold the state, call these functions, and replay them.

The path, with the branches the documents and DESIGN give:
  SURVEY → PLAN → RECTIFICATION → SELF_CHECK (< 80 refused) → DISTRICT_ACCEPTANCE (< 80 → RECTIFICATION)
  → PUBLIC_NOTICE (objection: suspended; upheld → RECTIFICATION; dismissed → resumes) → FILED
  → SPOT_CHECK (fail → RECTIFICATION → SELF_CHECK → RE_REVIEW) or not drawn → ACCEPTED
  → LOOK_BACK rounds (N consecutive failures, or the city's order → REACCEPTANCE → RECTIFICATION, new campaign).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from zdz_common.errors import InvalidArgument
from zdz_common.vocabulary import Grade, Stage, UnitKind
from zdz_workflow.domain.calendar import SHANGHAI, WorkingDayCalendar, end_of_day, local_date
from zdz_workflow.domain.commands import (
    CloseNotice,
    CloseSpotCheckWindow,
    Command,
    CompleteSurvey,
    DeclareRectificationDone,
    DrawForSpotCheck,
    ImportProcess,
    OpenProcess,
    PublishNotice,
    RaiseObjection,
    RecordDeadlineMissed,
    RecordDistrictVerdict,
    RecordLookBackVerdict,
    RecordReReviewVerdict,
    RecordSpotCheckVerdict,
    RefreshCalendar,
    ReportLookBackRectified,
    ResolveObjection,
    StartLookBack,
    StartReacceptance,
    SubmitPlan,
    SubmitSelfCheck,
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
    DistrictAcceptanceFailed,
    DistrictAcceptancePassed,
    Event,
    LookBackFailed,
    LookBackPassed,
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
    ReacceptanceStarted,
    RectificationDeclaredDone,
    ReReviewFailed,
    ReReviewPassed,
    SelfCheckPassed,
    SpotCheckDrawn,
    SpotCheckFailed,
    SpotCheckPassed,
    SpotCheckWindowClosed,
    SurveyCompleted,
)
from zdz_workflow.domain.stages import (
    LOOK_BACK_RULE,
    PASS_MARK,
    PLAN_RULE,
    RECTIFICATION_RULE,
    STEPS,
    SURVEY_RULE,
    DeadlineKind,
    application_rule,
    district_rule,
    grade_for,
    notice_rule,
    spot_check_rule,
    standard_rule,
)
from zdz_workflow.domain.values import (
    Campaign,
    Deadline,
    Finding,
    HistoryEntry,
    Notice,
    NoticeStatus,
    Reminder,
    ReminderPolicy,
)

MIN_NOTICE_WORKING_DAYS = 5  # 附件3/附件4 三（二）3 "公示时间不少于5个工作日"
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class ProcessRules:
    """What the process needs besides its state: the working-day calendar and the settings the documents leave open."""

    calendar: WorkingDayCalendar
    # 000 三（五）"多次整改不到位的…重新实施建设验收": read as this many consecutive failed 回头看 rounds.
    look_back_failure_limit: int = 2
    reminders: ReminderPolicy = field(default_factory=ReminderPolicy)

    def __post_init__(self) -> None:
        if self.look_back_failure_limit < 1:
            raise InvalidArgument("须至少为 1", field="look_back_failure_limit")
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
    if state.stage is Stage.PUBLIC_NOTICE and state.notice and state.notice.ends:
        found.append(Alarm(state.notice.ends.ends_at, AlarmKind.NOTICE_END))
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
    DrawForSpotCheck: ("登记市级抽查抽中", spot_check_rule),
    CloseSpotCheckWindow: ("结束市级抽查", spot_check_rule),
    RecordSpotCheckVerdict: ("录入市级抽查结果", spot_check_rule),
    RecordReReviewVerdict: ("录入复核结果", spot_check_rule),
    StartLookBack: ("开展回头看", lambda _: LOOK_BACK_RULE),
    RecordLookBackVerdict: ("录入回头看结果", lambda _: LOOK_BACK_RULE),
    ReportLookBackRectified: ("申报回头看问题整改完成", lambda _: LOOK_BACK_RULE),
    StartReacceptance: ("启动重新实施建设验收", lambda _: LOOK_BACK_RULE),
}


def decide(state: ProcessState | None, command: Command, rules: ProcessRules) -> list[Event]:
    """The events `command` causes in `state`; [] for a request id already recorded (a retry)."""
    _check_envelope(command)
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
    kind = state.unit_kind
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
            score = _score(command.score)
            if score < PASS_MARK:
                # 附件3/附件4 三（二）1: only a self-check of 合格 or better may apply; 三（二）4: likewise for 复核.
                if state.awaiting_re_review:
                    raise BelowPassMark(
                        f"自查评估得分 {score} 低于 80 分，不能提请复核",
                        rule=spot_check_rule(kind),
                        field="score",
                    )
                raise BelowPassMark(
                    f"自查评估得分 {score} 低于 80 分，不能申请验收",
                    rule=application_rule(kind),
                    field="score",
                )
            next_stage = Stage.RE_REVIEW if state.awaiting_re_review else Stage.DISTRICT_ACCEPTANCE
            return [SelfCheckPassed(**meta, score=score, grade=grade_for(score), next_stage=next_stage)]
        case RecordDistrictVerdict():
            # 附件3/附件4 三（二）2 组织验收; 三（一）验收标准
            _require_stage(state, command, Stage.DISTRICT_ACCEPTANCE)
            failing = "区县验收不合格须列明发现的问题，作为整改问题清单"
            return [_verdict(command, rules, DistrictAcceptancePassed, DistrictAcceptanceFailed, failing)]
        case PublishNotice():
            _require_stage(state, command, Stage.PUBLIC_NOTICE)
            return [_publish(state, command, rules)]
        case RaiseObjection():
            return [_raise_objection(state, command, rules)]
        case ResolveObjection():
            return [_resolve_objection(state, command, rules)]
        case CloseNotice():
            _require_stage(state, command, Stage.PUBLIC_NOTICE)
            _require_notice_over(state, command.at)
            return [NoticeElapsed(**meta)]
        case DrawForSpotCheck():
            _require_stage(state, command, Stage.FILED)
            return [SpotCheckDrawn(**meta)]
        case CloseSpotCheckWindow():
            _require_stage(state, command, Stage.FILED)
            return [SpotCheckWindowClosed(**meta)]
        case RecordSpotCheckVerdict():
            # 附件3/附件4 三（二）4: "抽查不合格的，提出整改要求，限期整改"
            _require_stage(state, command, Stage.SPOT_CHECK)
            failing = "市级抽查不合格须提出整改要求，列明发现的问题"
            return [
                _verdict(command, rules, SpotCheckPassed, SpotCheckFailed, failing, deadline_required=True)
            ]
        case RecordReReviewVerdict():
            # 附件3/附件4 三（二）4: "限期整改自查合格后，提请市级工作小组复核"
            _require_stage(state, command, Stage.RE_REVIEW)
            failing = "复核不合格须提出整改要求，列明发现的问题"
            return [_verdict(command, rules, ReReviewPassed, ReReviewFailed, failing, deadline_required=True)]
        case StartLookBack():
            # 000 三（五）"不定期组织开展'回头看'" on units already accepted
            _require_stage(state, command, Stage.ACCEPTED)
            return [LookBackStarted(**meta, round=state.look_back_round + 1)]
        case RecordLookBackVerdict():
            _require_stage(state, command, Stage.LOOK_BACK)
            return [_look_back_verdict(state, command, rules)]
        case ReportLookBackRectified():
            _require_stage(state, command, Stage.ACCEPTED)
            if state.deadline(DeadlineKind.LOOK_BACK_RECTIFICATION) is None:
                raise RuleViolation("没有待整改的回头看问题", rule=LOOK_BACK_RULE)
            return [LookBackRectified(**meta)]
        case StartReacceptance():
            _require_stage(state, command, Stage.REACCEPTANCE)
            return [_start_reacceptance(state, command, rules)]
        case RecordDeadlineMissed():
            return [_deadline_missed(state, command)]
        case RefreshCalendar():
            return _refresh_calendar(state, command, rules)
    raise InvalidCommand(f"不支持的命令 {type(command).__name__}")


def _verdict(
    command: RecordDistrictVerdict | RecordSpotCheckVerdict | RecordReReviewVerdict,
    rules: ProcessRules,
    passed: type[DistrictAcceptancePassed | SpotCheckPassed | ReReviewPassed],
    failed: type[DistrictAcceptanceFailed | SpotCheckFailed | ReReviewFailed],
    failing_needs_findings: str,
    *,
    deadline_required: bool = False,
) -> Event:
    """A scored verdict: ≥ 80 passes (附件3/附件4 三（一）); below, the findings are required, a deadline maybe."""
    score = _score(command.score)
    findings = _findings(command.findings)
    if score >= PASS_MARK:
        if command.rectify_by is not None:
            raise InvalidCommand("结果合格，不设限期整改", field="rectify_by")
        return passed(**_meta(command), score=score, grade=grade_for(score), findings=findings)
    _require_findings(findings, failing_needs_findings)
    deadline = (_required_deadline if deadline_required else _optional_deadline)(
        command.rectify_by, command.at, rules
    )
    return failed(**_meta(command), score=score, grade=grade_for(score), findings=findings, deadline=deadline)


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
    score = None if command.latest_score is None else _score(command.latest_score, "latest_score")
    if stage in _NEEDS_PASSING_SCORE:
        if score is None:
            raise InvalidCommand(
                f"导入到「{stage.label}」阶段须提供使其进入该阶段的得分", field="latest_score"
            )
        if score < PASS_MARK:
            raise BelowPassMark(
                f"得分 {score} 低于 80 分，不能导入到「{stage.label}」阶段",
                rule=standard_rule(kind),
                field="latest_score",
            )
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
        if not 0 < command.consecutive_look_back_failures < rules.look_back_failure_limit:
            raise InvalidCommand(
                f"连续未通过回头看次数须小于 {rules.look_back_failure_limit}（达到即应重新实施建设验收）",
                field="consecutive_look_back_failures",
            )
    if command.look_back_round < command.consecutive_look_back_failures:
        raise InvalidCommand("回头看轮次不能少于连续未通过的次数", field="look_back_round")
    return ProcessImported(
        **_meta(command),
        unit_id=command.unit_id,
        unit_kind=kind,
        campaign=command.campaign,
        stage=stage,
        stage_since=command.stage_since,
        latest_score=score,
        latest_grade=None if score is None else grade_for(score),
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
    return NoticePublished(**_meta(command), notice=notice)


def _raise_objection(state: ProcessState, command: RaiseObjection, rules: ProcessRules) -> ObjectionRaised:
    # DESIGN stage 6: an objection during the notice suspends it while it is investigated.
    rule = notice_rule(state.unit_kind)
    notice = state.notice
    if state.stage is not Stage.PUBLIC_NOTICE or notice is None:
        raise OutOfOrder(f"当前阶段为「{state.stage.label}」，异议只能在公示期内提出", rule=rule)
    if not command.objection_id.strip():
        raise InvalidCommand("必填 (required)", field="objection_id")
    if command.objection_id in notice.open_objections:
        raise InvalidCommand(f"异议「{command.objection_id}」已登记", field="objection_id")
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
        **_meta(command), objection_id=command.objection_id, working_days_remaining=remaining
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


def _look_back_verdict(state: ProcessState, command: RecordLookBackVerdict, rules: ProcessRules) -> Event:
    # 000 三（五）: findings are rectified under supervision; "问题频发或多次整改不到位的…重新实施建设验收".
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
    rule = _DEADLINE_RULES[command.kind]
    deadline = state.deadline(command.kind)
    if deadline is None or deadline.missed:
        raise RuleViolation(f"没有未到期的「{command.kind.value}」期限", rule=rule)
    if command.at < deadline.due_at:
        raise RuleViolation(f"期限为 {deadline.due_on.isoformat()} 24:00，尚未逾期", rule=rule)
    return DeadlineMissed(**_meta(command), kind=command.kind)


def _refresh_calendar(state: ProcessState, command: RefreshCalendar, rules: ProcessRules) -> list[Event]:
    notice = state.notice
    notice_ends = None
    if state.stage is Stage.PUBLIC_NOTICE and notice is not None and notice.ends is not None:
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
            return _moved(state, event, event.next_stage, latest_score=event.score, latest_grade=event.grade)
        case DistrictAcceptancePassed():
            return _moved(
                state,
                event,
                Stage.PUBLIC_NOTICE,
                latest_score=event.score,
                latest_grade=event.grade,
                notice=None,
            )
        case DistrictAcceptanceFailed():
            return _moved(
                state,
                event,
                Stage.RECTIFICATION,
                latest_score=event.score,
                latest_grade=event.grade,
                deadlines=_with(state, event.deadline),
            )
        case NoticePublished():
            return _moved(state, event, notice=event.notice)
        case ObjectionRaised():
            notice = _current_notice(state)
            suspended = replace(
                notice,
                ends=None,
                suspended_at=notice.suspended_at or event.at,
                working_days_remaining=event.working_days_remaining,
                open_objections=(*notice.open_objections, event.objection_id),
            )
            return _moved(state, event, notice=suspended)
        case ObjectionUpheld():
            return _moved(
                state, event, Stage.RECTIFICATION, notice=None, deadlines=_with(state, event.deadline)
            )
        case ObjectionDismissed():
            notice = _current_notice(state)
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
        case NoticeElapsed():
            return _moved(state, event, Stage.FILED)
        case SpotCheckDrawn():
            return _moved(state, event, Stage.SPOT_CHECK)
        case SpotCheckWindowClosed():
            return _moved(state, event, Stage.ACCEPTED)
        case SpotCheckPassed() | ReReviewPassed():
            return _moved(
                state,
                event,
                Stage.ACCEPTED,
                latest_score=event.score,
                latest_grade=event.grade,
                awaiting_re_review=False,
            )
        case SpotCheckFailed() | ReReviewFailed():
            return _moved(
                state,
                event,
                Stage.RECTIFICATION,
                latest_score=event.score,
                latest_grade=event.grade,
                awaiting_re_review=True,
                deadlines=_with(state, event.deadline),
            )
        case LookBackStarted():
            return _moved(state, event, Stage.LOOK_BACK, look_back_round=event.round)
        case LookBackPassed():
            return _moved(
                state,
                event,
                Stage.ACCEPTED,
                consecutive_look_back_failures=0,
                deadlines=_with(state, event.deadline),
            )
        case LookBackFailed():
            return _moved(
                state,
                event,
                Stage.REACCEPTANCE if event.reacceptance else Stage.ACCEPTED,
                consecutive_look_back_failures=event.consecutive_failures,
                deadlines=_with(state, event.deadline),
            )
        case LookBackRectified():
            return _moved(state, event, deadlines=_without(state, DeadlineKind.LOOK_BACK_RECTIFICATION))
        case ReacceptanceStarted():
            return _moved(
                state,
                event,
                Stage.RECTIFICATION,
                campaign=event.campaign,
                consecutive_look_back_failures=0,
                awaiting_re_review=False,
                notice=None,
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
