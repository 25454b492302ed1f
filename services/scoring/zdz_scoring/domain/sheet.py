"""A computed score sheet: every item's points with the deductions that explain them, the section
subtotals, the total, the grade (000 附件3/附件4 三(一)) and what the score allows."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal

from zdz_common.vocabulary import Grade, UnitKind
from zdz_scoring.domain.rubric import RuleKind
from zdz_scoring.domain.window import Window


class SheetKind(enum.StrEnum):
    """Who scores and at which stage (000 §三(五), 附件3/附件4 三(二))."""

    SELF_CHECK = "SELF_CHECK"  # 自查评估 by the town / park administration
    DISTRICT_ACCEPTANCE = "DISTRICT_ACCEPTANCE"  # 区县验收 by the district task force
    SPOT_CHECK = "SPOT_CHECK"  # 市级抽查 by the municipal task force
    RE_REVIEW = "RE_REVIEW"  # 复核 after a failed spot check was rectified
    LOOK_BACK = "LOOK_BACK"  # 回头看

    @property
    def label(self) -> str:
        return _SHEET_LABELS[self]


_SHEET_LABELS = {
    SheetKind.SELF_CHECK: "自查",
    SheetKind.DISTRICT_ACCEPTANCE: "区县验收",
    SheetKind.SPOT_CHECK: "市级抽查",
    SheetKind.RE_REVIEW: "复核",
    SheetKind.LOOK_BACK: "回头看",
}


class Source(enum.StrEnum):
    """Where the quantity behind a deduction comes from."""

    LEDGER = "LEDGER"  # the registry's ledger (台账)
    ASSESSOR = "ASSESSOR"  # entered by the person scoring (现场检查、资料调阅)
    SAMPLE = "SAMPLE"  # the verdicts recorded on the sheet's sampling plan (抽查样本)

    @property
    def label(self) -> str:
        return _SOURCE_LABELS[self]


_SOURCE_LABELS = {Source.LEDGER: "台账", Source.ASSESSOR: "评分人录入", Source.SAMPLE: "抽查样本核查结论"}


@dataclass(frozen=True)
class Deduction:
    """One line of an item's deductions: which rule, how much of what, how many points, and why."""

    rule_index: int  # 1-based position of the rule in its item: lines of the same rule compare across sheets
    rule_kind: RuleKind
    rule_text: str  # the 评分细则 words the rule implements
    quantity: Decimal  # percentage points short, places found, lists missing, events, drills missing
    points: Decimal  # points this line takes off, before the item's floor (扣完为止) or cap
    reason: str  # the figure or entry behind it, or the assessor's reason
    source: Source


@dataclass(frozen=True)
class ItemResult:
    """An item's score. For the penalty item (park item 14), `points` is minus what it takes off the total."""

    number: int
    section: str
    max_points: Decimal
    points: Decimal
    deductions: tuple[Deduction, ...]
    limit_reached: bool  # the lines add up to more than the item can lose: 扣完为止, or the cap of 10
    penalty: bool
    notes: tuple[str, ...] = ()  # entries that did not count, e.g. events outside the one-year window

    @property
    def deducted(self) -> Decimal:
        return sum((line.points for line in self.deductions), Decimal("0.00"))


@dataclass(frozen=True)
class SectionResult:
    name: str
    max_points: Decimal
    points: Decimal


@dataclass(frozen=True)
class ScoreSheetResult:
    unit_kind: UnitKind
    rubric_version: str
    sheet_kind: SheetKind
    window: Window | None  # the one-year window events were counted in (park sheets)
    items: tuple[ItemResult, ...]  # in rubric order, the penalty item last
    sections: tuple[SectionResult, ...]
    subtotal: Decimal  # the 100-point sum
    penalty: Decimal  # what the penalty item takes off (park item 14), at most its cap
    total: Decimal
    grade: Grade
    # 000 附件3/附件4 三(二)1: 得分达到合格及以上级别的，向区县工作专班提交验收申请
    may_apply_for_acceptance: bool
    # 001 四: a park group whose district acceptance scores 90 or more may have its district submit the
    # construction summary report (建设总结报告); a self-check's score never decides it (DESIGN)
    may_submit_summary_report: bool

    def item(self, number: int) -> ItemResult:
        for item in self.items:
            if item.number == number:
                return item
        raise KeyError(number)
