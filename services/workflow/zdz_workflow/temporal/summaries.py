"""What operators read in the Temporal UI, in Chinese: a process's summary, its current details, its timers."""

from __future__ import annotations

from datetime import date, datetime

from zdz_workflow.domain.calendar import SHANGHAI
from zdz_workflow.domain.findings import FindingFiling
from zdz_workflow.domain.process import Alarm, AlarmKind, ProcessState
from zdz_workflow.domain.stages import DeadlineKind
from zdz_workflow.domain.units import UnitInfo
from zdz_workflow.domain.values import Deadline, NoticeStatus

DEADLINE_LABELS = {
    DeadlineKind.SURVEY: "排查摸底",
    DeadlineKind.PLAN: "建设方案编制",
    DeadlineKind.RECTIFICATION: "限期整改",
    DeadlineKind.LOOK_BACK_RECTIFICATION: "回头看问题整改",
    DeadlineKind.FILING: "验收结果备案",
}


def static_summary(unit: UnitInfo, campaign: str) -> str:
    """The one line the UI lists the workflow under."""
    return f"{unit.name}（{unit.district_code}，{unit.kind.label}）{campaign} 批次污水零直排区建设验收"


def static_details(unit: UnitInfo) -> str:
    along = "是" if unit.along_river else "否"
    return (
        f"单元编号：{unit.unit_id}\n区县：{unit.district_code}\n类型：{unit.kind.label}\n"
        f"沿江：{along}\n目标年份：{unit.target_year or '未定'}"
    )


def _end_of(day: date) -> str:
    return f"{day.isoformat()} 24:00"


def _moment(at: datetime) -> str:
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def _deadline_line(deadline: Deadline) -> str:
    flags = [flag for flag, on in (("已逾期", deadline.missed), ("暂定", deadline.provisional)) if on]
    suffix = f"（{'，'.join(flags)}）" if flags else ""
    return f"{DEADLINE_LABELS[deadline.kind]} {_end_of(deadline.due_on)}{suffix}"


def current_details(state: ProcessState, filings: tuple[FindingFiling, ...]) -> str:
    """Stage, score, notice, deadlines and problems filed, as Markdown."""
    lines = [f"**阶段**：{state.stage.label}（自 {_moment(state.stage_since)}）"]
    if state.latest_score is not None and state.latest_grade is not None:
        lines.append(f"**最近得分**：{state.latest_score}（{state.latest_grade.label}）")
    notice, status = state.notice, state.notice_status
    if status is NoticeStatus.AWAITING_PUBLICATION:
        lines.append("**公示**：区县验收已通过，待发布公示")
    elif notice is not None and status is NoticeStatus.SUSPENDED:
        lines.append(
            f"**公示**：因异议中止（{'、'.join(notice.open_objections)}），"
            f"尚余 {notice.working_days_remaining} 个工作日"
        )
    elif notice is not None and notice.ends is not None and status is NoticeStatus.RUNNING:
        lines.append(
            f"**公示**：{notice.published_on.isoformat()} 发布，至 {_end_of(notice.ends.last_day)} 届满"
        )
    elif notice is not None and notice.ends is not None and status is NoticeStatus.ELAPSED:
        lines.append(f"**公示**：已于 {_end_of(notice.ends.last_day)} 届满，待报市级工作专班备案")
    if state.filing is not None:
        acknowledged = "，市级已确认" if state.filing.acknowledged_at else "，待市级确认"
        lines.append(f"**备案**：{state.filing.filing_number}{acknowledged}")
    if state.deadlines:
        lines.append("**期限**：" + "；".join(_deadline_line(d) for d in state.deadlines))
    if state.awaiting_re_review:
        lines.append("**复核**：市级抽查不合格，整改自查合格后提请复核")
    if state.look_back_round:
        lines.append(
            f"**回头看**：第 {state.look_back_round} 轮，连续未通过 {state.consecutive_look_back_failures} 次"
        )
    if filings:
        refused = sum(1 for f in filings if f.refused)
        lines.append(f"**问题清单**：已登记 {len(filings) - refused} 条，未能登记 {refused} 条")
    return "\n\n".join(lines)


def alarm_summary(alarm: Alarm, state: ProcessState) -> str:
    """What a timer waits for and until when, e.g. "公示期满：2024-10-10 24:00（北京时间）"."""
    if alarm.kind is AlarmKind.NOTICE_END and state.notice is not None and state.notice.ends is not None:
        return f"等待公示期满：{_end_of(state.notice.ends.last_day)}（北京时间），期间可提出异议"
    assert alarm.deadline_kind is not None
    label = DEADLINE_LABELS[alarm.deadline_kind]
    deadline = state.deadline(alarm.deadline_kind)
    due = _end_of(deadline.due_on) if deadline else _moment(alarm.at)
    if alarm.kind is AlarmKind.REMINDER:
        return (
            f"{label}期限 {due} 前 {alarm.working_days_before} 个工作日提醒：{_moment(alarm.at)}（北京时间）"
        )
    return f"等待{label}：期限 {due}（北京时间），逾期即升级督办"
