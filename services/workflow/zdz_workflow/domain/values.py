"""Value objects of the process: campaigns, findings, deadlines with their reminders, the public notice, history."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time

from zdz_common.context import Actor
from zdz_common.vocabulary import Stage
from zdz_workflow.domain.calendar import PeriodEnd
from zdz_workflow.domain.stages import DeadlineKind


@dataclass(frozen=True)
class Campaign:
    """One round of construction and acceptance (建设验收) with its fixed-date deadlines, as data."""

    name: str
    survey_due: date | None = None  # 排查摸底
    plan_due: date | None = None  # 建设方案编制


# 000 三（一）"2024年9月前…完成排查摸底" and 三（二）"2024年10月底前…完成建设方案编制"; DESIGN reads the first as
# 2024-09-30.
FIRST_CAMPAIGN = Campaign(name="2024", survey_due=date(2024, 9, 30), plan_due=date(2024, 10, 31))


@dataclass(frozen=True)
class LedgerPoint:
    """Where a finding sits in the unit's ledger, so the registry can file it as a problem point (问题点位)."""

    entity_class: str  # the registry's EntityClass name, e.g. "PIPE_SEGMENT"
    entity_code: str  # the row's code in the unit's ledger
    problem_type: str  # the registry's ProblemType name, e.g. "MIXED_CONNECTION", or a CJJ 181-2012 code "PL"
    location: str
    grade: int = 0  # CJJ 181-2012 grade 1–4 for structural and functional defects


@dataclass(frozen=True)
class Finding:
    """A problem an acceptance, spot-check, objection or look-back found; consumers turn it into a problem point."""

    description: str
    item: str = ""  # the rubric item or requirement it falls under, e.g. "附件3 附表 第6项"
    evidence: tuple[str, ...] = ()
    point: LedgerPoint | None = None  # without it the registry cannot file the finding (no ledger row named)


@dataclass(frozen=True)
class ReminderPolicy:
    """When to remind before a deadline, in working days, and at what local time of day."""

    working_days_before: tuple[int, ...] = (7, 3, 1)
    time_of_day: time = time(9, 0)


@dataclass(frozen=True)
class Reminder:
    at: datetime
    working_days_before: int


@dataclass(frozen=True)
class Deadline:
    """A due date (ends 24:00 Asia/Shanghai), its reminders, and the calendar they were computed with."""

    kind: DeadlineKind
    due_on: date
    due_at: datetime  # 24:00 Asia/Shanghai of due_on; escalation once it passes
    reminders: tuple[Reminder, ...]
    provisional: bool  # a reminder fell in a year the holiday schedule does not cover
    calendar_version: str
    missed: bool = False


class NoticeStatus(enum.StrEnum):
    AWAITING_PUBLICATION = "AWAITING_PUBLICATION"  # the district passed the unit; the notice is not out yet
    RUNNING = "RUNNING"
    SUSPENDED = "SUSPENDED"  # an objection is being investigated
    ELAPSED = "ELAPSED"  # ran its course; the district is to file the result (备案)


class NoticeChannelKind(enum.StrEnum):
    """附件3/附件4 三（二）3 "在当地主要媒体或政府门户网站上进行公示"."""

    LOCAL_MEDIA = "LOCAL_MEDIA"  # 当地主要媒体
    GOVERNMENT_PORTAL = "GOVERNMENT_PORTAL"  # 政府门户网站


@dataclass(frozen=True)
class NoticeChannel:
    """Where the notice appears: the kind, its name and its address (http or https)."""

    kind: NoticeChannelKind
    name: str
    url: str


class ObjectionSource(enum.StrEnum):
    PUBLIC_BOARD = "PUBLIC_BOARD"  # raised by a member of the public on the 公示栏 (forwarded by notify)
    RECEIVED = "RECEIVED"  # arrived another way (letter, telephone, visit), recorded by the district


@dataclass(frozen=True)
class Objector:
    """Who raised an objection; the contact is for the district only, never published."""

    name: str
    contact: str


@dataclass(frozen=True)
class Objection:
    """An objection to a notice and its outcome. `source` None: recorded before objections had sources."""

    objection_id: str
    source: ObjectionSource | None
    objector: Objector | None
    text: str
    raised_at: datetime
    upheld: bool | None = None  # None while open
    answer: str = ""  # the district's answer
    resolved_at: datetime | None = None


@dataclass(frozen=True)
class Notice:
    """The 公示 of an acceptance result: at least 5 working days, suspended while objections are investigated."""

    published_on: date
    working_days: int  # the length announced
    runs_from: date  # publication day, or the day it resumed after objections; never counted itself
    working_days_remaining: int  # working days still to run after runs_from (frozen while suspended)
    ends: PeriodEnd | None  # None while suspended
    suspended_at: datetime | None = None
    open_objections: tuple[str, ...] = ()
    channel: NoticeChannel | None = None  # None only for notices published before the channel was recorded
    objections: tuple[Objection, ...] = ()  # every objection raised, open or resolved
    elapsed_at: datetime | None = None  # the period ran out; awaiting 备案

    @property
    def status(self) -> NoticeStatus:
        if self.elapsed_at is not None:
            return NoticeStatus.ELAPSED
        return NoticeStatus.SUSPENDED if self.suspended_at else NoticeStatus.RUNNING


@dataclass(frozen=True)
class Filing:
    """备案 of the acceptance result with the municipal task force (附件3/附件4 三（二）3 "报市级工作专班备案")."""

    filing_number: str  # the filing's document number, e.g. "万州零直排〔2025〕3号"
    filed_at: datetime
    filed_by: Actor
    acknowledged_at: datetime | None = None
    acknowledged_by: Actor | None = None


@dataclass(frozen=True)
class HistoryEntry:
    """Who did what, when, why, on what evidence, and which stage the unit went from and to."""

    event: str
    at: datetime
    actor: Actor
    request_id: str
    reason: str
    evidence: tuple[str, ...]
    from_stage: Stage | None
    to_stage: Stage


class FlagRule(enum.StrEnum):
    """The two findings of 000 三（五）that let the city order 重新实施建设验收 (thresholds: domain/look_back.py)."""

    RECURRING_PROBLEMS = "RECURRING_PROBLEMS"  # 问题频发
    REPEATED_FAILED_RECTIFICATION = "REPEATED_FAILED_RECTIFICATION"  # 多次整改不到位


@dataclass(frozen=True)
class LookBackProblem:
    """A 回头看 finding filed as a problem (under `code` in the unit's problem list), and its verification."""

    code: str
    description: str
    round: int
    rectify_by: date
    reported_rectified: bool = False
    in_place: bool | None = None  # the city's verification: True 到位, False 不到位, None not yet verified
    not_in_place_count: int = 0

    @property
    def open(self) -> bool:
        return self.in_place is not True


@dataclass(frozen=True)
class FindingVerification:
    """The city's verification of one reported finding: 到位 (`in_place`) or 不到位."""

    code: str
    in_place: bool
    note: str = ""


@dataclass(frozen=True)
class ReacceptanceFlag:
    """A threshold met: the process tells the municipal task force, which decides on re-acceptance."""

    rule: FlagRule
    rule_id: str  # with the thresholds' version, e.g. "look-back-2024.recurring-problems"
    rule_text: str  # the ruling's text
    reason: str  # what met it
    raised_at: datetime
