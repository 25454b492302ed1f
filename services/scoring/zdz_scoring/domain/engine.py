"""Scores one sheet: a rubric, the ledger's facts, the sample's figures (when the sheet names a sampling plan) and
the assessor's entries → `ScoreSheetResult`.

Inputs are checked against the rubric first; an error names the item and field and nothing is computed.
Then each item is scored rule by rule: every rule yields itemised deduction lines (each rounded to 0.01),
the item keeps its maximum less their sum, never below 0 ("扣完为止", 000 附件3/附件4 附表 item 1 "下同").
The penalty item (000 附件4 附表 item 14) takes the sum of its lines, at most its cap, off the 100-point sum.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import cast

from zdz_common.vocabulary import Grade
from zdz_scoring.domain.facts import (
    AssessorEntries,
    DatedEvent,
    Figure,
    SampleFigures,
    UnitFacts,
    read_figure,
)
from zdz_scoring.domain.rubric import (
    Condition,
    Discretionary,
    EventShortfall,
    MissingList,
    PerEvent,
    PerFinding,
    RateShortfall,
    Rubric,
    RubricItem,
    Rule,
)
from zdz_scoring.domain.sheet import (
    Deduction,
    ItemResult,
    ScoreSheetResult,
    SectionResult,
    SheetKind,
    Source,
)
from zdz_scoring.domain.validation import check_sheet_inputs
from zdz_scoring.domain.window import Window

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


def score(
    rubric: Rubric,
    facts: UnitFacts,
    entries: AssessorEntries,
    *,
    sheet_kind: SheetKind,
    sample: SampleFigures | None = None,
) -> ScoreSheetResult:
    """Score a sheet. Raises `InvalidInput` (naming the item and field) when an input does not fit."""
    check_sheet_inputs(rubric, facts, entries, sample)
    window = (
        Window.before(entries.application_date, years=rubric.window_years)
        if rubric.uses_window and entries.application_date is not None
        else None
    )
    context = _Context(facts, entries, window, sample)
    items = tuple(_score_item(item, context) for item in rubric.items)
    sections = tuple(
        SectionResult(
            section.name,
            section.max_points,
            sum((i.points for i in items if i.section == section.name and not i.penalty), ZERO),
        )
        for section in rubric.sections
    )
    subtotal = sum((section.points for section in sections), ZERO)
    penalty = ZERO - sum((i.points for i in items if i.penalty), ZERO)
    total = max(ZERO, subtotal - penalty)
    return ScoreSheetResult(
        unit_kind=rubric.unit_kind,
        rubric_version=rubric.version,
        sheet_kind=sheet_kind,
        window=window,
        items=items,
        sections=sections,
        subtotal=subtotal,
        penalty=penalty,
        total=total,
        grade=grade_of(rubric, total),
        may_apply_for_acceptance=total >= rubric.pass_from,
        # 001 四 / DESIGN: the district acceptance's total decides, not the self-check's
        may_submit_summary_report=sheet_kind is SheetKind.DISTRICT_ACCEPTANCE
        and rubric.summary_report_from is not None
        and total >= rubric.summary_report_from,
    )


def grade_of(rubric: Rubric, total: Decimal) -> Grade:
    """000 附件3/附件4 三(一): ≥ 90 优秀, 80 ≤ s < 90 合格, < 80 不合格."""
    if total >= rubric.excellent_from:
        return Grade.EXCELLENT
    if total >= rubric.pass_from:
        return Grade.PASS
    return Grade.FAIL


@dataclass(frozen=True)
class _Context:
    facts: UnitFacts
    entries: AssessorEntries
    window: Window | None
    sample: SampleFigures | None

    def read(self, figure: Figure) -> Decimal | bool | int | None:
        return read_figure(figure, self.facts, self.entries, self.sample)

    def source(self, figure: Figure) -> Source:
        return figure_source(figure, self.sample)


def figure_source(figure: Figure, sample: SampleFigures | None) -> Source:
    """Where a figure's value comes from on a sheet: the ledger, the plan's verdicts, or the assessor."""
    if not figure.from_sample:
        return Source.LEDGER
    return Source.ASSESSOR if sample is None else Source.SAMPLE


def _score_item(item: RubricItem, context: _Context) -> ItemResult:
    lines: list[Deduction] = []
    notes: list[str] = []
    for index, rule in enumerate(item.rules, start=1):
        rule_lines, rule_notes = _apply(rule, index, item, context)
        lines.extend(rule_lines)
        notes.extend(rule_notes)
    deducted = sum((line.points for line in lines), ZERO)
    if item.penalty:
        points = ZERO - min(deducted, item.max_points)  # 000 附件4 附表 item 14: at most 10 off the total
    else:
        points = max(ZERO, item.max_points - deducted)  # 扣完为止
    return ItemResult(
        number=item.number,
        section=item.section,
        max_points=item.max_points,
        points=points,
        deductions=tuple(lines),
        limit_reached=deducted > item.max_points,
        penalty=item.penalty,
        notes=tuple(notes),
    )


def _apply(rule: Rule, index: int, item: RubricItem, context: _Context) -> tuple[list[Deduction], list[str]]:
    match rule:
        case RateShortfall():
            return _rate_shortfall(rule, index, context), []
        case PerFinding():
            return _per_finding(rule, index, item, context), []
        case Condition():
            return _condition(rule, index, item, context), []
        case MissingList():
            return _missing_lists(rule, index, item, context), []
        case Discretionary():
            return _discretionary(rule, index, item, context), []
        case PerEvent():
            return _per_event(rule, index, item, context)
        case EventShortfall():
            return _event_shortfall(rule, index, item, context)


def _rate_shortfall(rule: RateShortfall, index: int, context: _Context) -> list[Deduction]:
    # "每降低10%扣N分" (DESIGN ruling: linear, N/10 per percentage point), "每少2个百分点扣1分" (park 9);
    # "按上述三项合格率中最低值计" (town 6–7): the lowest of the rule's figures counts.
    rates = [(figure, cast(Decimal, context.read(figure))) for figure in rule.figures]
    figure, rate = min(rates, key=lambda pair: pair[1])
    shortfall = HUNDRED - rate
    if shortfall == 0:
        return []
    reason = f"{figure.label} {_number(rate)}%，低于100%共{_number(shortfall)}个百分点"
    if len(rates) > 1:
        listed = "，".join(f"{f.label} {_number(r)}%（{context.source(f).label}）" for f, r in rates)
        reason = f"按最低值计（{listed}）：{reason}"
    if figure.from_sample and context.sample is not None:
        reason = f"{reason}（抽样方案 {context.sample.plan_id} 的核查结论）"
    return [_line(rule, index, shortfall, rule.points * shortfall / rule.per, reason, context.source(figure))]


def _per_finding(rule: PerFinding, index: int, item: RubricItem, context: _Context) -> list[Deduction]:
    # "发现一处扣0.5分", "每漏报1个问题点位扣1分", "发现1家扣1分"; park 4 counts the ledger's unmatched entries too.
    lines = []
    if rule.ledger_figure is not None:
        count = cast(int, context.read(rule.ledger_figure))
        if count:
            reason = f"台账：{rule.ledger_figure.label} {count} 处"
            lines.append(_line(rule, index, Decimal(count), rule.points * count, reason, Source.LEDGER))
    for finding in context.entries.findings:
        if finding.item == item.number and finding.kind is rule.finding and finding.count:
            reason = _with_note(f"{finding.kind.label} {finding.count} 处", finding.note)
            lines.append(
                _line(
                    rule, index, Decimal(finding.count), rule.points * finding.count, reason, Source.ASSESSOR
                )
            )
    return lines


def _condition(rule: Condition, index: int, item: RubricItem, context: _Context) -> list[Deduction]:
    # "管网档案不完善的扣1分" (park 10), "未制定有效的…应急预案…的，扣1分" (park 13)
    return [
        _line(
            rule,
            index,
            Decimal(1),
            rule.points,
            _with_note(finding.kind.label, finding.note),
            Source.ASSESSOR,
        )
        for finding in context.entries.findings
        if finding.item == item.number and finding.kind is rule.finding and finding.count
    ]


def _missing_lists(rule: MissingList, index: int, item: RubricItem, context: _Context) -> list[Deduction]:
    # "缺一项扣2.5分" (town 5); park 4: a list never established takes the item. A list the ledger lacks, or
    # that the assessor finds missing or not 齐全详实 whatever its rows, counts once.
    lines = []
    for figure in rule.figures:
        found = next(
            (
                f
                for f in context.entries.findings
                if f.item == item.number and f.kind is rule.finding_of(figure) and f.count
            ),
            None,
        )
        if context.read(figure) is False:
            lines.append(
                _line(rule, index, Decimal(1), rule.points, f"台账：缺少{figure.label}", Source.LEDGER)
            )
        elif found is not None:
            reason = _with_note(found.kind.label, found.note)
            lines.append(_line(rule, index, Decimal(1), rule.points, reason, Source.ASSESSOR))
    return lines


def _discretionary(rule: Discretionary, index: int, item: RubricItem, context: _Context) -> list[Deduction]:
    # "酌情扣分": the assessor's points and reason (DESIGN ruling), bounded by the item maximum in validation
    return [
        _line(rule, index, Decimal(1), entry.points, entry.reason.strip(), Source.ASSESSOR)
        for entry in context.entries.discretionary
        if entry.item == item.number
    ]


def _per_event(
    rule: PerEvent, index: int, item: RubricItem, context: _Context
) -> tuple[list[Deduction], list[str]]:
    # "每发生1次扣1分" (park 13, any date); "每次扣5分", "扣10分" (park 14, in the one-year window only)
    lines, notes = [], []
    points_by_kind = dict(rule.points_by_kind)
    for event in _events(item, context, rule):
        if rule.in_window and not _in_window(event, context):
            notes.append(_outside(event, context))
            continue
        lines.append(
            _line(rule, index, Decimal(1), points_by_kind[event.kind], _describe(event), Source.ASSESSOR)
        )
    return lines, notes


def _event_shortfall(
    rule: EventShortfall, index: int, item: RubricItem, context: _Context
) -> tuple[list[Deduction], list[str]]:
    # 000 附件4 附表 item 13: 未开展每年一次的…应急演练的，以建设申请之日前溯1年，每少1次扣1分
    held = [e for e in _events(item, context, rule) if _in_window(e, context)]
    notes = [_outside(e, context) for e in _events(item, context, rule) if not _in_window(e, context)]
    missing = max(0, rule.required - len(held))
    if not missing:
        return [], notes
    reason = f"{context.window}{rule.event.label}{len(held)}次，应不少于{rule.required}次"
    return [_line(rule, index, Decimal(missing), rule.points * missing, reason, Source.ASSESSOR)], notes


def _events(item: RubricItem, context: _Context, rule: PerEvent | EventShortfall) -> list[DatedEvent]:
    counted = {rule.event} if isinstance(rule, EventShortfall) else {kind for kind, _ in rule.points_by_kind}
    events = [e for e in context.entries.events if e.item == item.number and e.kind in counted]
    return sorted(events, key=lambda e: (e.occurred_on, e.kind, e.description))


def _in_window(event: DatedEvent, context: _Context) -> bool:
    return context.window is not None and event.occurred_on in context.window


def _outside(event: DatedEvent, context: _Context) -> str:
    return f"{_describe(event)}：不在计分时段{context.window}内，不计 (outside the one-year window)"


def _describe(event: DatedEvent) -> str:
    return _with_note(f"{event.occurred_on.isoformat()} {event.kind.label}", event.description)


def _line(
    rule: Rule, index: int, quantity: Decimal, points: Decimal, reason: str, source: Source
) -> Deduction:
    return Deduction(
        rule_index=index,
        rule_kind=rule.kind,
        rule_text=rule.text,
        quantity=quantity,
        points=points.quantize(ZERO, rounding=ROUND_HALF_UP),
        reason=reason,
        source=source,
    )


def _with_note(text: str, note: str) -> str:
    return f"{text}：{note.strip()}" if note.strip() else text


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")
