"""Where two score sheets of the same rubric differ, item by item, and which deductions explain it
(e.g. a self-check against the district acceptance, or an acceptance against the municipal spot check)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from zdz_common.vocabulary import Grade
from zdz_scoring.domain.errors import InvalidInput
from zdz_scoring.domain.sheet import Deduction, ItemResult, ScoreSheetResult


@dataclass(frozen=True)
class RuleDifference:
    """The lines one rule of an item produced on each sheet, where they differ."""

    rule_index: int
    rule_text: str
    a: tuple[Deduction, ...]
    b: tuple[Deduction, ...]


@dataclass(frozen=True)
class ItemDifference:
    number: int
    points_a: Decimal
    points_b: Decimal
    rules: tuple[RuleDifference, ...]

    @property
    def change(self) -> Decimal:
        return self.points_b - self.points_a


@dataclass(frozen=True)
class SheetComparison:
    total_a: Decimal
    total_b: Decimal
    grade_a: Grade
    grade_b: Grade
    items: tuple[ItemDifference, ...]  # only the items whose points or deductions differ

    @property
    def identical(self) -> bool:
        return not self.items and self.total_a == self.total_b


def compare(sheet_a: ScoreSheetResult, sheet_b: ScoreSheetResult) -> SheetComparison:
    """List the items where `sheet_a` and `sheet_b` differ; both must be scored on the same rubric."""
    if (sheet_a.unit_kind, sheet_a.rubric_version) != (sheet_b.unit_kind, sheet_b.rubric_version):
        raise InvalidInput(
            f"只能比较同一评分细则的评分表 (sheets on different rubrics: {sheet_a.unit_kind}/"
            f"{sheet_a.rubric_version} vs {sheet_b.unit_kind}/{sheet_b.rubric_version})",
            field="sheet_b",
        )
    items = tuple(
        difference
        for item_a, item_b in zip(sheet_a.items, sheet_b.items, strict=True)
        if (difference := _item_difference(item_a, item_b)) is not None
    )
    return SheetComparison(sheet_a.total, sheet_b.total, sheet_a.grade, sheet_b.grade, items)


def _item_difference(a: ItemResult, b: ItemResult) -> ItemDifference | None:
    indexes = sorted({line.rule_index for line in a.deductions + b.deductions})
    rules = []
    for index in indexes:
        lines_a = tuple(line for line in a.deductions if line.rule_index == index)
        lines_b = tuple(line for line in b.deductions if line.rule_index == index)
        if _key(lines_a) != _key(lines_b):
            rule_text = (lines_a or lines_b)[0].rule_text
            rules.append(RuleDifference(index, rule_text, lines_a, lines_b))
    if not rules and a.points == b.points:
        return None
    return ItemDifference(a.number, a.points, b.points, tuple(rules))


def _key(lines: tuple[Deduction, ...]) -> list[tuple[Decimal, Decimal, str, str]]:
    # Order-insensitive: the same deductions entered in another order are not a difference.
    return sorted((line.quantity, line.points, line.reason, line.source) for line in lines)
