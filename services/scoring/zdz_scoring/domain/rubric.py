"""Rubrics (评分细则) as data: sections, items and each item's deduction rules, as frozen dataclasses.

A rubric version is a module of plain literals under `rubrics/`; `load_rubric` turns it into a `Rubric` and
checks that it adds up (items to sections, sections to 100), so a new version is added as data, not code.
The rule kinds below are the vocabulary the 2024 rubrics use; the engine scores each kind one way.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from zdz_common.vocabulary import UnitKind
from zdz_scoring.domain.errors import RubricDataError
from zdz_scoring.domain.facts import EventKind, Figure, FindingKind


class RuleKind(enum.StrEnum):
    RATE_SHORTFALL = "RATE_SHORTFALL"  # 每降低10%扣N分 / 每少2个百分点扣1分 (lowest of several rates)
    PER_FINDING = "PER_FINDING"  # 发现一处扣N分
    CONDITION = "CONDITION"  # …的扣1分 (a fixed deduction when a condition is found)
    MISSING_LIST = "MISSING_LIST"  # 缺一项扣N分
    DISCRETIONARY = "DISCRETIONARY"  # 酌情扣分
    PER_EVENT = "PER_EVENT"  # 每发生1次扣N分 / 每次扣N分
    EVENT_SHORTFALL = "EVENT_SHORTFALL"  # 每年一次…每少1次扣N分


@dataclass(frozen=True)
class RateShortfall:
    """`points` for every `per` percentage points the rate is below 100 %, linear (DESIGN ruling: 1 point
    per 10 % = 0.1 point per percentage point); with several figures the lowest one counts (town items 6–7)."""

    kind: ClassVar[RuleKind] = RuleKind.RATE_SHORTFALL
    text: str
    figures: tuple[Figure, ...]
    points: Decimal
    per: Decimal


@dataclass(frozen=True)
class PerFinding:
    """`points` for each defect of `finding` the assessor found; with `ledger_figure`, each such ledger entry
    counts as a defect found too (park item 4: entries without their one-to-one counterpart)."""

    kind: ClassVar[RuleKind] = RuleKind.PER_FINDING
    text: str
    finding: FindingKind
    points: Decimal
    ledger_figure: Figure | None = None


@dataclass(frozen=True)
class Condition:
    """`points`, once, when the assessor finds the condition (park items 10 and 13)."""

    kind: ClassVar[RuleKind] = RuleKind.CONDITION
    text: str
    finding: FindingKind
    points: Decimal


@dataclass(frozen=True)
class MissingList:
    """`points` for each of the lists (boolean ledger figures) that does not exist, or that the assessor finds
    missing or incomplete (`findings`: the finding that says so of each figure, in order) whatever the ledger's
    rows: 齐全详实 is the assessor's judgement (000 附件3 附表 item 5, 附件4 附表 item 4). Once per list."""

    kind: ClassVar[RuleKind] = RuleKind.MISSING_LIST
    text: str
    figures: tuple[Figure, ...]
    points: Decimal
    findings: tuple[FindingKind, ...] = ()

    def finding_of(self, figure: Figure) -> FindingKind | None:
        return dict(zip(self.figures, self.findings, strict=False)).get(figure)


@dataclass(frozen=True)
class Discretionary:
    """The assessor's points, at most the item's maximum, with a mandatory reason (DESIGN ruling)."""

    kind: ClassVar[RuleKind] = RuleKind.DISCRETIONARY
    text: str


@dataclass(frozen=True)
class PerEvent:
    """Points for each dated event of the kinds listed; with `in_window`, only events in the one-year window
    before the application date count."""

    kind: ClassVar[RuleKind] = RuleKind.PER_EVENT
    text: str
    points_by_kind: tuple[tuple[EventKind, Decimal], ...]
    in_window: bool

    def points_for(self, event: EventKind) -> Decimal | None:
        return dict(self.points_by_kind).get(event)


@dataclass(frozen=True)
class EventShortfall:
    """`points` for each of the `required` events of `event` missing from the one-year window."""

    kind: ClassVar[RuleKind] = RuleKind.EVENT_SHORTFALL
    text: str
    event: EventKind
    required: int
    points: Decimal


Rule = RateShortfall | PerFinding | Condition | MissingList | Discretionary | PerEvent | EventShortfall


@dataclass(frozen=True)
class Section:
    name: str  # 基础工作 / 项目建设 / 长效监管机制
    max_points: Decimal


@dataclass(frozen=True)
class RubricItem:
    """One row of a rubric table, its texts verbatim from the document.

    `content` is the 考核内容 the item is scored against; `printed_content` is what the printed row shows
    in that column when it differs (town items 11–14, park item 12: see `note`). A `penalty` item (park
    item 14, 扣分项) is not part of the 100 points: its `max_points` is the most it can take off the total.
    """

    number: int
    section: str
    max_points: Decimal
    content: str  # 考核内容及标准
    criteria: str  # 评分细则
    method: str  # 验收方法
    rules: tuple[Rule, ...]
    penalty: bool = False
    printed_content: str | None = None
    note: str = ""

    @property
    def accepts_discretionary(self) -> bool:
        return any(isinstance(rule, Discretionary) for rule in self.rules)

    def accepts_finding(self, finding: FindingKind) -> bool:
        return self.is_condition(finding) or any(
            isinstance(rule, PerFinding) and rule.finding is finding for rule in self.rules
        )

    def is_condition(self, finding: FindingKind) -> bool:
        """Found once or not at all: a condition, or a list found missing or incomplete."""
        return any(
            (isinstance(rule, Condition) and rule.finding is finding)
            or (isinstance(rule, MissingList) and finding in rule.findings)
            for rule in self.rules
        )

    def accepts_event(self, event: EventKind) -> bool:
        return any(
            (isinstance(rule, PerEvent) and rule.points_for(event) is not None)
            or (isinstance(rule, EventShortfall) and rule.event is event)
            for rule in self.rules
        )


@dataclass(frozen=True)
class Rubric:
    """One version of one rubric (评分细则): its sections, items, grade thresholds and event window."""

    unit_kind: UnitKind
    version: str
    title: str
    source: str
    sections: tuple[Section, ...]
    items: tuple[RubricItem, ...]
    excellent_from: Decimal  # 90分（含）以上的为优秀
    pass_from: Decimal  # 80分（含）—90分为合格; also the score needed to apply for acceptance
    summary_report_from: Decimal | None  # 001: a park group ≥ 90 may submit a construction summary report
    window_years: int  # 建设申请之日前溯1年
    window_note: str

    def item(self, number: int) -> RubricItem | None:
        return next((item for item in self.items if item.number == number), None)

    @property
    def figures(self) -> frozenset[Figure]:
        """The ledger and assessor figures the rules read: each must be supplied, no other may be."""
        return frozenset(
            figure for item in self.items for rule in item.rules for figure in figures_read(rule)
        )

    def items_reading(self, figure: Figure) -> tuple[int, ...]:
        return tuple(
            item.number for item in self.items if any(figure in figures_read(rule) for rule in item.rules)
        )

    @property
    def uses_window(self) -> bool:
        return any(
            isinstance(rule, EventShortfall) or (isinstance(rule, PerEvent) and rule.in_window)
            for item in self.items
            for rule in item.rules
        )


def figures_read(rule: Rule) -> tuple[Figure, ...]:
    match rule:
        case RateShortfall() | MissingList():
            return rule.figures
        case PerFinding(ledger_figure=Figure() as figure):
            return (figure,)
    return ()


def load_rubric(data: Mapping[str, Any]) -> Rubric:
    """Build a `Rubric` from a data module's literal and check that it adds up."""
    try:
        rubric = Rubric(
            unit_kind=UnitKind(data["unit_kind"]),
            version=str(data["version"]),
            title=data["title"],
            source=data["source"],
            sections=tuple(Section(s["name"], Decimal(s["max_points"])) for s in data["sections"]),
            items=tuple(_item(row) for row in data["items"]),
            excellent_from=Decimal(data["grades"]["excellent_from"]),
            pass_from=Decimal(data["grades"]["pass_from"]),
            summary_report_from=_optional_decimal(data.get("summary_report_from")),
            window_years=int(data.get("window_years", 1)),
            window_note=data.get("window_note", ""),
        )
    except (KeyError, ValueError, TypeError) as error:
        raise RubricDataError(f"rubric {data.get('unit_kind')}/{data.get('version')}: {error!r}") from error
    _check_adds_up(rubric)
    return rubric


def _item(row: Mapping[str, Any]) -> RubricItem:
    return RubricItem(
        number=int(row["number"]),
        section=row["section"],
        max_points=Decimal(row["max_points"]),
        content=row["content"],
        criteria=row["criteria"],
        method=row["method"],
        rules=tuple(_rule(spec) for spec in row["rules"]),
        penalty=bool(row.get("penalty", False)),
        printed_content=row.get("printed_content"),
        note=row.get("note", ""),
    )


def _rule(spec: Mapping[str, Any]) -> Rule:
    kind = RuleKind(spec["kind"])
    text = spec["text"]
    match kind:
        case RuleKind.RATE_SHORTFALL:
            return RateShortfall(
                text, _figures(spec["figures"]), Decimal(spec["points"]), Decimal(spec["per"])
            )
        case RuleKind.PER_FINDING:
            ledger = spec.get("ledger_figure")
            return PerFinding(
                text,
                FindingKind(spec["finding"]),
                Decimal(spec["points"]),
                Figure(ledger) if ledger else None,
            )
        case RuleKind.CONDITION:
            return Condition(text, FindingKind(spec["finding"]), Decimal(spec["points"]))
        case RuleKind.MISSING_LIST:
            figures = _figures(spec["figures"])
            found = spec.get("findings", {})
            return MissingList(
                text,
                figures,
                Decimal(spec["points"]),
                tuple(FindingKind(found[f.value]) for f in figures) if found else (),
            )
        case RuleKind.DISCRETIONARY:
            return Discretionary(text)
        case RuleKind.PER_EVENT:
            points = tuple((EventKind(k), Decimal(v)) for k, v in spec["points_by_kind"].items())
            return PerEvent(text, points, bool(spec["in_window"]))
        case RuleKind.EVENT_SHORTFALL:
            return EventShortfall(
                text, EventKind(spec["event"]), int(spec["required"]), Decimal(spec["points"])
            )


def _figures(names: Sequence[str]) -> tuple[Figure, ...]:
    return tuple(Figure(name) for name in names)


def _optional_decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _check_adds_up(rubric: Rubric) -> None:
    label = f"rubric {rubric.unit_kind}/{rubric.version}"
    numbers = [item.number for item in rubric.items]
    if numbers != list(range(1, len(numbers) + 1)):
        raise RubricDataError(f"{label}: items must be numbered 1..n in order, got {numbers}")
    names = {section.name for section in rubric.sections}
    for section in rubric.sections:
        total = sum(
            (i.max_points for i in rubric.items if i.section == section.name and not i.penalty), Decimal(0)
        )
        if total != section.max_points:
            raise RubricDataError(
                f"{label}: section {section.name} items add up to {total}, not {section.max_points}"
            )
    if sum((s.max_points for s in rubric.sections), Decimal(0)) != Decimal(100):
        raise RubricDataError(f"{label}: sections do not add up to 100")
    for item in rubric.items:
        if not item.penalty and item.section not in names:
            raise RubricDataError(f"{label}: item {item.number} names an unknown section {item.section}")
        if not item.rules:
            raise RubricDataError(f"{label}: item {item.number} has no rule")
        if item.penalty and not all(isinstance(rule, PerEvent) and rule.in_window for rule in item.rules):
            raise RubricDataError(f"{label}: penalty item {item.number} may only count events in the window")
