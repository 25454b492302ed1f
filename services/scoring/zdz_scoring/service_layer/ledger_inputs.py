"""From a unit's ledger facts (the registry's) to a score sheet's inputs: the `UnitFacts` its rubric reads and the
defects the ledger records at the sheet's stage, as findings.

- Figures: exactly those the rubric reads from the ledger (`Rubric.figures`), as the registry computed them.
  A rectification or permit rate with nothing to count comes as 100 (the registry's ruling: nothing was left
  undone). The 自查合格率 of town items 6–7 is the ledger's: households of the class whose self-check result is
  合格, over all of them (the registry's ClassFacts.self_check); a class with no household reads 100 likewise. A survey rate with nothing recorded (no households, no pipes, no facilities or outfalls) cannot be
  scored: FAILED_PRECONDITION naming the item, so an empty ledger never reads as a complete survey and never
  silently costs the item either; record the ledger first.
- Findings: defects an assessor recorded in the ledger at this stage (a district acceptance counts those found
  at acceptance, a spot check those found at the spot check, a look-back its own; a self-check and a re-review
  count none, their assessors enter what they find). Town items 1–3 and park item 1: 排查信息缺失明显或严重失真,
  one per information defect of the item's class; park items 2–3: 每漏报1个问题点位, one per problem point of the
  item's class that the acceptance found and the survey had not. The counts are the unit's whole history at
  that stage (the registry's facts carry no dates); the assessor enters in the request only what the ledger does
  not already record.
"""

from __future__ import annotations

from decimal import Decimal

from zdz_common.errors import FailedPrecondition
from zdz_common.vocabulary import UnitKind, UnknownUnitKind
from zdz_scoring.adapters.registry import LedgerSnapshot
from zdz_scoring.domain.facts import Finding, FindingKind, UnitFacts
from zdz_scoring.domain.rubric import Rubric
from zdz_scoring.domain.sheet import SheetKind

_STAGE_OF_SHEET = {
    SheetKind.DISTRICT_ACCEPTANCE: "acceptance",
    SheetKind.SPOT_CHECK: "spot_check",
    SheetKind.LOOK_BACK: "look_back",
}
_STAGE_LABELS = {"acceptance": "区县验收", "spot_check": "市级抽查", "look_back": "回头看"}
_CLASS_LABELS = {"households": "排水户", "pipes": "管网", "facilities": "污水集中处理设施及排污口"}

# (item, finding, fact class, which count) per rubric: 000 附件3 附表 items 1–3, 附件4 附表 items 1–3.
_INFO, _MISSED = "information_defects", "problems_found"
LEDGER_FINDINGS: dict[tuple[UnitKind, str], tuple[tuple[int, FindingKind, str, str], ...]] = {
    (UnitKind.TOWN, "2024"): (
        (1, FindingKind.INFO_DEFECT, "households", _INFO),
        (2, FindingKind.INFO_DEFECT, "pipes", _INFO),
        (3, FindingKind.INFO_DEFECT, "facilities", _INFO),
    ),
    (UnitKind.PARK_GROUP, "2024"): (
        (1, FindingKind.INFO_DEFECT, "households", _INFO),
        (2, FindingKind.UNREPORTED_PROBLEM_POINT, "pipes", _MISSED),
        (3, FindingKind.UNREPORTED_PROBLEM_POINT, "facilities", _MISSED),
    ),
}


def ledger_facts(rubric: Rubric, snapshot: LedgerSnapshot) -> UnitFacts:
    """The figures `rubric` reads from the ledger; FAILED_PRECONDITION for one the ledger cannot give."""
    values: dict[str, Decimal | bool | int | None] = {}
    for figure in sorted(rubric.figures, key=rubric.items_reading):  # in item order: the first gap is named
        if figure.from_sample:
            continue
        value = snapshot.figures.get(figure.value)
        if value is None:
            items = "、".join(str(n) for n in rubric.items_reading(figure))
            raise FailedPrecondition(
                f"第{items}项：台账中没有可计算“{figure.label}”的记录，请先在台账中登记排查对象 "
                "(the ledger has nothing to compute it from: record the ledger first)",
                field=f"ledger.{figure.value}",
            )
        values[figure.value] = value
    return UnitFacts(**values)  # type: ignore[arg-type]


def ledger_findings(rubric: Rubric, sheet_kind: SheetKind, snapshot: LedgerSnapshot) -> tuple[Finding, ...]:
    """The defects the ledger records at this sheet's stage, as findings under the items that count them."""
    stage = _STAGE_OF_SHEET.get(sheet_kind)
    if stage is None:
        return ()
    if rubric.unit_kind not in {unit_kind for unit_kind, _ in LEDGER_FINDINGS}:
        raise UnknownUnitKind(rubric.unit_kind, where="台账问题计入评分")
    # A version of a known kind without an entry counts no ledger findings (its assessors enter them all).
    findings = []
    for item, kind, fact_class, count_of in LEDGER_FINDINGS.get((rubric.unit_kind, rubric.version), ()):
        count = getattr(snapshot, count_of)[fact_class][stage]
        if count:
            what = "排查信息缺陷" if count_of == _INFO else "排查未报的问题点位"
            note = f"台账登记：{_STAGE_LABELS[stage]}发现{_CLASS_LABELS[fact_class]}{what} {count} 处"
            findings.append(Finding(item, kind, count, note))
    return tuple(findings)
