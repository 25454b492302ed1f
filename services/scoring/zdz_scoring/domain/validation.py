"""Checks a score sheet's inputs against its rubric before anything is computed (000 附件3/附件4 附表).

Values were range-checked when built (`facts`); here: every figure the rubric reads is supplied and no other,
every entry names an item of this rubric and a rule that item has, discretionary points stay within the
item's maximum, and a rubric with a one-year window has the application date it counts back from.
"""

from __future__ import annotations

from zdz_scoring.domain.errors import InvalidInput
from zdz_scoring.domain.facts import AssessorEntries, Figure, SampleFigures, UnitFacts, read_figure
from zdz_scoring.domain.rubric import Rubric, RubricItem


def check_sheet_inputs(
    rubric: Rubric, facts: UnitFacts, entries: AssessorEntries, sample: SampleFigures | None = None
) -> None:
    """Raise `InvalidInput` naming the first input that does not fit `rubric`."""
    if sample is not None:
        _refuse_typed_sample_rates(entries, sample)
    _check_figures(rubric, facts, entries, sample)
    if rubric.uses_window and entries.application_date is None:
        raise InvalidInput(
            "须填写建设申请之日，计分时段自该日前溯1年 (the application date is required: the one-year window "
            "counts back from it)",
            field="entries.application_date",
        )
    _check_findings(rubric, entries)
    _check_discretionary(rubric, entries)
    _check_events(rubric, entries)


def _refuse_typed_sample_rates(entries: AssessorEntries, sample: SampleFigures) -> None:
    # 000 附件3 三(三): the sample is the plan's; its pass rate is what the verdicts recorded on it say.
    for figure in Figure:
        if figure.from_sample and read_figure(figure, UnitFacts(), entries) is not None:
            raise InvalidInput(
                f"评分表已指明抽样方案 {sample.plan_id}，“{figure.label}”由方案中记录的核查结论计算，不得填写"
                "（附件3 三（三））(computed from the plan's verdicts: do not type it in)",
                field=figure.field_path,
            )


def _check_figures(
    rubric: Rubric, facts: UnitFacts, entries: AssessorEntries, sample: SampleFigures | None
) -> None:
    required = rubric.figures
    for figure in Figure:
        value = read_figure(figure, facts, entries, sample)
        if figure in required and value is None:
            items = "、".join(str(n) for n in rubric.items_reading(figure))
            raise InvalidInput(
                f"缺少“{figure.label}”，第{items}项需要 (required by item {items} of {_name(rubric)})",
                field=figure.field_path,
            )
        if figure not in required and value is not None:
            raise InvalidInput(
                f"{_name(rubric)}不使用“{figure.label}” (this rubric does not read it: wrong unit kind?)",
                field=figure.field_path,
            )


def _check_findings(rubric: Rubric, entries: AssessorEntries) -> None:
    conditions_found: set[tuple[int, str]] = set()
    for index, finding in enumerate(entries.findings):
        field = f"entries.findings[{index}]"
        item = _item(rubric, finding.item, f"{field}.item")
        if not item.accepts_finding(finding.kind):
            raise _not_a_rule_of(rubric, item, f"“{finding.kind.label}”", f"{field}.kind")
        if item.is_condition(finding.kind):
            if finding.count > 1:
                raise InvalidInput(
                    f"“{finding.kind.label}”是一次性扣分，数量只能为0或1 (a condition counts once)",
                    field=f"{field}.count",
                    item=item.number,
                )
            if (item.number, finding.kind) in conditions_found:
                raise InvalidInput(
                    f"“{finding.kind.label}”已录入 (entered twice)", field=f"{field}.kind", item=item.number
                )
            conditions_found.add((item.number, finding.kind))


def _check_discretionary(rubric: Rubric, entries: AssessorEntries) -> None:
    seen: set[int] = set()
    for index, entry in enumerate(entries.discretionary):
        field = f"entries.discretionary[{index}]"
        item = _item(rubric, entry.item, f"{field}.item")
        if not item.accepts_discretionary:
            raise _not_a_rule_of(rubric, item, "酌情扣分", f"{field}.item")
        if entry.points > item.max_points:
            raise InvalidInput(
                f"酌情扣分 {entry.points} 超过本项分值 {item.max_points} (more than the item's maximum)",
                field=f"{field}.points",
                item=item.number,
            )
        if item.number in seen:
            raise InvalidInput(
                "本项酌情扣分已录入 (one discretionary entry per item)",
                field=f"{field}.item",
                item=item.number,
            )
        seen.add(item.number)


def _check_events(rubric: Rubric, entries: AssessorEntries) -> None:
    for index, event in enumerate(entries.events):
        field = f"entries.events[{index}]"
        item = _item(rubric, event.item, f"{field}.item")
        if not item.accepts_event(event.kind):
            raise _not_a_rule_of(rubric, item, f"“{event.kind.label}”", f"{field}.kind")


def _item(rubric: Rubric, number: int, field: str) -> RubricItem:
    item = rubric.item(number)
    if item is None:
        raise InvalidInput(
            f"{_name(rubric)}没有第{number}项，只有第1–{len(rubric.items)}项 (no such item)", field=field
        )
    return item


def _not_a_rule_of(rubric: Rubric, item: RubricItem, what: str, field: str) -> InvalidInput:
    return InvalidInput(
        f"{_name(rubric)}本项没有{what}的扣分规则 (not a rule of this item: an entry for the other rubric?)",
        field=field,
        item=item.number,
    )


def _name(rubric: Rubric) -> str:
    return f"《{rubric.title}》（{rubric.version}）"
