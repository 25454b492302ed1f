"""What a score sheet is computed from.

`UnitFacts` are the registry ledger's figures (rates, lists, the 自查合格率 from its per-household self-check
results); `SampleFigures` are town items 6–7's 抽查样本合格率 computed from the verdicts recorded on the sheet's
sampling plan; `AssessorEntries` are what the person scoring enters: defects found on site, the sample pass
rates of a sheet that names no plan, discretionary deductions with their reasons, and the dated events park
items 13–14 count. Each value is checked when it is built; whether it
fits the rubric (right item, figure required or not used) is checked by the engine.

Rates are percentages (0–100) as `Decimal`; an `int` is accepted, a `float` is not (it would bring binary
rounding into a score).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal

from zdz_scoring.domain.errors import InvalidInput


class Figure(enum.StrEnum):
    """A figure a rubric rule reads; the value is the name of the `UnitFacts` or `AssessorEntries` field."""

    HOUSEHOLD_SURVEY_RATE = "household_survey_rate"
    PIPE_SURVEY_RATE = "pipe_survey_rate"
    FACILITY_SURVEY_RATE = "facility_survey_rate"
    RESIDENTIAL_RECTIFICATION_RATE = "residential_rectification_rate"
    NON_RESIDENTIAL_RECTIFICATION_RATE = "non_residential_rectification_rate"
    SOURCE_HOUSEHOLD_RECTIFICATION_RATE = "source_household_rectification_rate"
    PIPE_RECTIFICATION_RATE = "pipe_rectification_rate"
    FACILITY_RECTIFICATION_RATE = "facility_rectification_rate"
    PERMIT_ISSUANCE_RATE = "permit_issuance_rate"
    HAS_PROBLEM_LIST = "has_problem_list"
    HAS_TASK_LIST = "has_task_list"
    UNMATCHED_LIST_ENTRIES = "unmatched_list_entries"
    RESIDENTIAL_SELF_CHECK_PASS_RATE = "residential_self_check_pass_rate"
    RESIDENTIAL_SAMPLE_PASS_RATE = "residential_sample_pass_rate"
    NON_RESIDENTIAL_SELF_CHECK_PASS_RATE = "non_residential_self_check_pass_rate"
    NON_RESIDENTIAL_SAMPLE_PASS_RATE = "non_residential_sample_pass_rate"

    @property
    def label(self) -> str:
        return _FIGURE_LABELS[self]

    @property
    def from_sample(self) -> bool:
        """Computed from the sampling plan's verdicts when the sheet names a plan; typed in by the assessor
        where it names none."""
        return self in _SAMPLE_FIGURES

    @property
    def field_path(self) -> str:
        return f"{'entries' if self.from_sample else 'facts'}.{self.value}"


_FIGURE_LABELS = {
    Figure.HOUSEHOLD_SURVEY_RATE: "排水户（源头排水户）排查率",
    Figure.PIPE_SURVEY_RATE: "市政管网排查率",
    Figure.FACILITY_SURVEY_RATE: "污水集中处理设施及其排污口排查率",
    Figure.RESIDENTIAL_RECTIFICATION_RATE: "生活小区问题整改率",
    Figure.NON_RESIDENTIAL_RECTIFICATION_RATE: "非生活小区问题整改率",
    Figure.SOURCE_HOUSEHOLD_RECTIFICATION_RATE: "源头排水户整改率",
    Figure.PIPE_RECTIFICATION_RATE: "管网问题整改率",
    Figure.FACILITY_RECTIFICATION_RATE: "污水集中处理设施问题整改率",
    Figure.PERMIT_ISSUANCE_RATE: "排污许可证发放率（以企业家数计）",
    Figure.HAS_PROBLEM_LIST: "问题清单",
    Figure.HAS_TASK_LIST: "任务清单",
    Figure.UNMATCHED_LIST_ENTRIES: "问题清单与任务清单未一一对应的条目",
    Figure.RESIDENTIAL_SELF_CHECK_PASS_RATE: "生活小区自查合格率（按建设单元计）",
    Figure.RESIDENTIAL_SAMPLE_PASS_RATE: "生活小区抽查样本合格率",
    Figure.NON_RESIDENTIAL_SELF_CHECK_PASS_RATE: "非生活小区自查合格率（按建设单元计）",
    Figure.NON_RESIDENTIAL_SAMPLE_PASS_RATE: "非生活小区抽查样本合格率",
}
# 抽查样本合格率 (town items 6–7): from the plan's verdicts, or typed in where the sheet names no plan.
_SAMPLE_FIGURES = frozenset({Figure.RESIDENTIAL_SAMPLE_PASS_RATE, Figure.NON_RESIDENTIAL_SAMPLE_PASS_RATE})


class FindingKind(enum.StrEnum):
    """A defect the assessor finds and counts ("发现一处扣…"), or a condition found once ("…的扣1分")."""

    INFO_DEFECT = "INFO_DEFECT"
    UNREPORTED_PROBLEM_POINT = "UNREPORTED_PROBLEM_POINT"
    UNCLEAR_DESCRIPTION = "UNCLEAR_DESCRIPTION"
    CONTRADICTION = "CONTRADICTION"
    IRREGULAR_PERMIT = "IRREGULAR_PERMIT"
    PERMIT_DUTIES_NOT_PERFORMED = "PERMIT_DUTIES_NOT_PERFORMED"
    PIPE_ARCHIVE_INCOMPLETE = "PIPE_ARCHIVE_INCOMPLETE"
    MAINTENANCE_RESPONSIBILITY_UNCLEAR = "MAINTENANCE_RESPONSIBILITY_UNCLEAR"
    MAINTENANCE_NOT_ENFORCED = "MAINTENANCE_NOT_ENFORCED"
    NO_EMERGENCY_PLAN = "NO_EMERGENCY_PLAN"
    # 附件3 item 5 / 附件4 item 4 read the lists' completeness (齐全详实), not row counts: the assessor's finding.
    PROBLEM_LIST_INCOMPLETE = "PROBLEM_LIST_INCOMPLETE"
    TASK_LIST_INCOMPLETE = "TASK_LIST_INCOMPLETE"

    @property
    def label(self) -> str:
        return _FINDING_LABELS[self]


_FINDING_LABELS = {
    FindingKind.INFO_DEFECT: "排查信息缺失明显或严重失真",
    FindingKind.UNREPORTED_PROBLEM_POINT: "漏报问题点位",
    FindingKind.UNCLEAR_DESCRIPTION: "问题描述不清、位置记录不准确",
    FindingKind.CONTRADICTION: "前后矛盾（清单相矛盾、责任落实不明确）",
    FindingKind.IRREGULAR_PERMIT: "许可发放或证后管理不规范",
    FindingKind.PERMIT_DUTIES_NOT_PERFORMED: "未按照排污许可证管理要求开展监测、巡查等工作的企业",
    FindingKind.PIPE_ARCHIVE_INCOMPLETE: "管网档案不完善",
    FindingKind.MAINTENANCE_RESPONSIBILITY_UNCLEAR: "日常维护责任不明晰",
    FindingKind.MAINTENANCE_NOT_ENFORCED: "维护机制未严格实施",
    FindingKind.NO_EMERGENCY_PLAN: "未制定有效的突发环境事件应急预案或应急管理制度",
    FindingKind.PROBLEM_LIST_INCOMPLETE: "问题清单缺失或不齐全详实",
    FindingKind.TASK_LIST_INCOMPLETE: "任务清单缺失或不齐全详实",
}


class EventKind(enum.StrEnum):
    """A dated event park items 13–14 count (000 附件4 附表)."""

    WARNING_FILM = "WARNING_FILM"
    SUPERVISION_INTERVIEW = "SUPERVISION_INTERVIEW"
    MEDIA_EXPOSURE = "MEDIA_EXPOSURE"
    REPEATED_COMPLAINTS = "REPEATED_COMPLAINTS"
    SERIOUS_POLLUTION = "SERIOUS_POLLUTION"
    INCIDENT_MISHANDLED = "INCIDENT_MISHANDLED"
    EMERGENCY_DRILL = "EMERGENCY_DRILL"

    @property
    def label(self) -> str:
        return _EVENT_LABELS[self]


_EVENT_LABELS = {
    EventKind.WARNING_FILM: "被国家长江经济带生态环境警示片通报",
    EventKind.SUPERVISION_INTERVIEW: "被市级以上部门督办约谈",
    EventKind.MEDIA_EXPOSURE: "被市级以上媒体曝光",
    EventKind.REPEATED_COMPLAINTS: "被群众反复投诉造成不良社会影响",
    EventKind.SERIOUS_POLLUTION: "排放废水严重污染环境",
    EventKind.INCIDENT_MISHANDLED: "突发环境事件处置不到位",
    EventKind.EMERGENCY_DRILL: "开展突发环境事件应急演练",
}


@dataclass(frozen=True)
class UnitFacts:
    """The ledger's figures, exactly those the two 2024 rubrics read; `None` = not supplied.

    A rubric requires the figures its rules read (`Rubric.figures`) and rejects the others, so a park figure
    sent for a town is an error rather than silently ignored.
    """

    household_survey_rate: Decimal | None = None  # 排水户排查率 (town 1) / 源头排水户排查率 (park 1)
    pipe_survey_rate: Decimal | None = None  # 市政管网排查率 (town 2)
    facility_survey_rate: Decimal | None = None  # 污水集中处理设施及其排污口排查率 (town 3)
    residential_rectification_rate: Decimal | None = None  # 生活小区问题整改率 (town 6)
    non_residential_rectification_rate: Decimal | None = None  # 非生活小区问题整改率 (town 7)
    source_household_rectification_rate: Decimal | None = None  # 源头排水户整改率，按单个问题点位 (park 6)
    pipe_rectification_rate: Decimal | None = None  # 管网问题整改率 (town 8, park 7)
    facility_rectification_rate: Decimal | None = None  # 污水集中处理设施问题整改率 (town 9, park 8)
    permit_issuance_rate: Decimal | None = None  # 排污许可证发放率，以企业家数计 (park 9)
    # 自查合格率（按建设单元计）: households whose ledger self-check result is 合格 (town 6, 7)
    residential_self_check_pass_rate: Decimal | None = None
    non_residential_self_check_pass_rate: Decimal | None = None
    has_problem_list: bool | None = None  # 问题清单已建立 (town 5, park 4)
    has_task_list: bool | None = None  # 任务清单已建立 (town 5, park 4)
    # Problem points without their one task plus tasks without a problem point (一一对应, park 4).
    unmatched_list_entries: int | None = None

    def __post_init__(self) -> None:
        # By name: *_rate are percentages, has_* are yes/no, the rest are counts.
        for spec in fields(self):
            value = getattr(self, spec.name)
            if value is None:
                continue
            path = f"facts.{spec.name}"
            if spec.name.endswith("_rate"):
                object.__setattr__(self, spec.name, require_rate(value, path))
            elif spec.name.startswith("has_"):
                if not isinstance(value, bool):
                    raise InvalidInput(f"须为是/否 (true or false), 收到 {value!r}", field=path)
            else:
                require_count(value, path)


@dataclass(frozen=True)
class Finding:
    """Defects of one kind the assessor found under one item ("发现一处扣…"); `note` says where."""

    item: int
    kind: FindingKind
    count: int = 1
    note: str = ""

    def __post_init__(self) -> None:
        require_count(self.count, "finding.count", item=self.item)


@dataclass(frozen=True)
class DiscretionaryDeduction:
    """Points an assessor takes off a "酌情扣分" item, with the reason they must give (DESIGN ruling)."""

    item: int
    points: Decimal
    reason: str

    def __post_init__(self) -> None:
        points = _decimal(self.points, "discretionary.points", item=self.item)
        if points < 0:
            raise InvalidInput(
                f"酌情扣分不能为负数 (cannot be negative), 收到 {points}",
                field="discretionary.points",
                item=self.item,
            )
        if points != points.quantize(Decimal("0.01")):
            raise InvalidInput(
                f"扣分最多保留两位小数 (at most two decimals), 收到 {points}",
                field="discretionary.points",
                item=self.item,
            )
        object.__setattr__(self, "points", points)
        if not isinstance(self.reason, str) or not self.reason.strip():
            raise InvalidInput(
                "酌情扣分须写明理由 (a reason is required)", field="discretionary.reason", item=self.item
            )


@dataclass(frozen=True)
class DatedEvent:
    """An event park items 13–14 count: when it happened decides whether it falls in the one-year window."""

    item: int
    kind: EventKind
    occurred_on: date
    description: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.occurred_on, date) or isinstance(self.occurred_on, datetime):
            raise InvalidInput(
                "须注明发生日期 (the date is required)", field="event.occurred_on", item=self.item
            )


@dataclass(frozen=True)
class AssessorEntries:
    """What the person scoring enters on the sheet."""

    application_date: date | None = None  # 建设申请之日: the one-year window of park items 13–14 ends here
    # 抽查样本合格率 (town 6, 7), typed in only where the sheet names no sampling plan
    residential_sample_pass_rate: Decimal | None = None
    non_residential_sample_pass_rate: Decimal | None = None
    findings: tuple[Finding, ...] = ()
    discretionary: tuple[DiscretionaryDeduction, ...] = ()
    events: tuple[DatedEvent, ...] = ()

    def __post_init__(self) -> None:
        for spec in fields(self):
            value = getattr(self, spec.name)
            if spec.name.endswith("_rate") and value is not None:
                object.__setattr__(self, spec.name, require_rate(value, f"entries.{spec.name}"))
        if self.application_date is not None and (
            not isinstance(self.application_date, date) or isinstance(self.application_date, datetime)
        ):
            raise InvalidInput("须为日期 (a date)", field="entries.application_date")
        object.__setattr__(self, "findings", tuple(self.findings))
        object.__setattr__(self, "discretionary", tuple(self.discretionary))
        object.__setattr__(self, "events", tuple(self.events))


@dataclass(frozen=True)
class SampleFigures:
    """Town items 6–7's 抽查样本合格率 computed from the verdicts on the sheet's sampling plan (000 附件3 三(三));
    `None` for a figure the rubric does not read."""

    plan_id: str
    residential_sample_pass_rate: Decimal | None = None
    non_residential_sample_pass_rate: Decimal | None = None

    def __post_init__(self) -> None:
        for name in ("residential_sample_pass_rate", "non_residential_sample_pass_rate"):
            if (value := getattr(self, name)) is not None:
                object.__setattr__(self, name, require_rate(value, f"sample.{name}"))


def require_rate(value: object, field: str) -> Decimal:
    rate = _decimal(value, field)
    if not Decimal(0) <= rate <= Decimal(100):
        raise InvalidInput(f"比率须在 0–100 之间 (a percentage, 0 to 100), 收到 {rate}", field=field)
    return rate


def require_count(value: object, field: str, *, item: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"须为整数 (a whole number), 收到 {value!r}", field=field, item=item)
    if value < 0:
        raise InvalidInput(f"数量不能为负数 (cannot be negative), 收到 {value}", field=field, item=item)
    return value


def _decimal(value: object, field: str, *, item: int | None = None) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise InvalidInput(f"须为十进制数 (a Decimal or an integer), 收到 {value!r}", field=field, item=item)
    number = Decimal(value)
    if not number.is_finite():
        raise InvalidInput(f"须为有限数值 (a finite number), 收到 {value}", field=field, item=item)
    return number


def read_figure(
    figure: Figure, facts: UnitFacts, entries: AssessorEntries, sample: SampleFigures | None = None
) -> Decimal | bool | int | None:
    """The value of `figure`: from the plan's verdicts when the sheet names a plan, else from the assessor's
    entries or the ledger's facts."""
    source: UnitFacts | AssessorEntries | SampleFigures = facts
    if figure.from_sample:
        source = entries if sample is None else sample
    value: Decimal | bool | int | None = getattr(source, figure.value)
    return value
