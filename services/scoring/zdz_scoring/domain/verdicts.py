"""The 验收小组's verdicts on a sampling plan's drawn items, and the 抽查样本合格率 of town items 6–7 they give.

A verdict names a group of the plan and an item drawn in it: 合格, or 不合格 with what was found. A later
verdict on the same item replaces the earlier one. Town items 6–7 read the share of the drawn 生活小区 /
非生活小区 found 合格 (000 附件3 附表 items 6–7, 三(三)); every drawn item of the group needs its verdict before a
sheet can be scored on the plan, and a group with nothing drawn (no such household in the ledger) has nothing
left undone: 100 %, like a rectification rate with nothing to count (the registry's ruling).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from zdz_common.errors import FailedPrecondition
from zdz_scoring.domain.errors import InvalidInput
from zdz_scoring.domain.facts import Figure, SampleFigures
from zdz_scoring.domain.rubric import Rubric
from zdz_scoring.domain.sampling import SampleObject

RATE_RULE = "附件3 三(三) 验收抽样、附表第6–7项 抽查样本合格率"
_SAMPLE_OF_FIGURE = {
    Figure.RESIDENTIAL_SAMPLE_PASS_RATE: SampleObject.RESIDENTIAL,
    Figure.NON_RESIDENTIAL_SAMPLE_PASS_RATE: SampleObject.NON_RESIDENTIAL,
}
_OBJECT_LABELS = {
    SampleObject.RESIDENTIAL: "生活小区",
    SampleObject.NON_RESIDENTIAL: "非生活小区",
    SampleObject.SOURCE_HOUSEHOLD: "源头排水户",
    SampleObject.TASK_RECORDS: "台账资料查阅",
    SampleObject.RAIN_POINTS: "雨水管网现场抽查",
    SampleObject.SEWAGE_POINTS: "污水管网现场抽查",
    SampleObject.PIPE_LENGTH: "管网抽查长度",
    SampleObject.FACILITIES: "污水集中处理设施及其对应排污口",
}


@dataclass(frozen=True)
class SampleVerdict:
    object: SampleObject
    id: str
    passed: bool
    note: str = ""


def check_verdicts(drawn: Mapping[SampleObject, Sequence[str]], verdicts: Sequence[SampleVerdict]) -> None:
    """Each verdict names an item drawn in its group, once per call; 不合格 says what was found."""
    if not verdicts:
        raise InvalidInput("须至少录入一条核查结论 (at least one verdict)", field="verdicts")
    seen: set[tuple[SampleObject, str]] = set()
    for index, verdict in enumerate(verdicts):
        field = f"verdicts[{index}]"
        if verdict.id not in drawn.get(verdict.object, ()):
            raise InvalidInput(
                f"{verdict.id!r} 不是本抽样方案“{_OBJECT_LABELS[verdict.object]}”中抽取的对象，"
                "只能对抽取的样本录入结论（附件3/附件4 三（三））(not drawn in this group of the plan)",
                field=f"{field}.id",
            )
        if (verdict.object, verdict.id) in seen:
            raise InvalidInput(
                f"{verdict.id} 的结论在本次录入中重复 (one verdict per item per call)", field=f"{field}.id"
            )
        seen.add((verdict.object, verdict.id))
        if not verdict.passed and not verdict.note.strip():
            raise InvalidInput(
                "不合格的样本须写明发现的问题 (a failed item says what was found)", field=f"{field}.note"
            )


def latest(verdicts: Iterable[SampleVerdict]) -> dict[tuple[SampleObject, str], SampleVerdict]:
    """The verdict in force on each item: the last recorded."""
    return {(v.object, v.id): v for v in verdicts}


def sample_figures(
    rubric: Rubric,
    plan_id: str,
    drawn: Mapping[SampleObject, Sequence[str]],
    verdicts: Mapping[tuple[SampleObject, str], SampleVerdict],
) -> SampleFigures:
    """The sample pass rates `rubric` reads, from the verdicts in force; FAILED_PRECONDITION naming the drawn
    items still without a verdict."""
    rates: dict[str, Decimal] = {}
    for figure, sample_object in _SAMPLE_OF_FIGURE.items():
        if figure not in rubric.figures:
            continue
        ids = drawn.get(sample_object, ())
        missing = [item for item in ids if (sample_object, item) not in verdicts]
        if missing:
            raise FailedPrecondition(
                f"抽样方案 {plan_id} 中以下{_OBJECT_LABELS[sample_object]}样本尚无核查结论，无法计算“{figure.label}”："
                f"{'、'.join(missing)}（{RATE_RULE}）(record a verdict on every drawn item first)",
                field="input.sampling_plan_id",
            )
        passed = sum(1 for item in ids if verdicts[(sample_object, item)].passed)
        rates[figure.value] = (
            (Decimal(100) * passed / len(ids)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            if ids
            else Decimal(100)
        )
    return SampleFigures(plan_id, **rates)  # type: ignore[arg-type]
