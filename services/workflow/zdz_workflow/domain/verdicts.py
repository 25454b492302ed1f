"""Whether a signed sheet may stand as the verdict of the stage a unit is in (DESIGN, rulings: "Verdicts are sheets").

A verdict names a sheet the scoring service keeps; the process accepts it only if it is signed, of this unit, of
the kind the stage records, signed by the role the documents give that step (附件3/附件4 三（二）1 the unit's
自查, 2 the district's 验收小组, 4 the municipal 工作小组; 000 三（五）回头看 the municipal task force), assessed
inside the stage, not replaced by a correction and not already used. District acceptance also rests on the
unit's sampling plan drawn in this stage (附件3/附件4 三（三）验收抽样). Pure: the sheet arrives already read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zdz_common.auth import Role
from zdz_common.vocabulary import Stage, UnitKind
from zdz_workflow.domain.calendar import local_date
from zdz_workflow.domain.errors import OutOfOrder, RuleViolation
from zdz_workflow.domain.sheets import SheetKind, SignedSheet
from zdz_workflow.domain.stages import (
    LOOK_BACK_RULE,
    application_rule,
    district_rule,
    sampling_rule,
    spot_check_rule,
    standard_rule,
)

if TYPE_CHECKING:
    from zdz_workflow.domain.process import ProcessState

SHEETS_RULING = "DESIGN 裁定「结论即签署的评分表」"

SHEET_KIND_LABELS: dict[SheetKind, str] = {
    SheetKind.SELF_CHECK: "自查评估",
    SheetKind.DISTRICT_ACCEPTANCE: "区县验收",
    SheetKind.SPOT_CHECK: "市级抽查",
    SheetKind.RE_REVIEW: "复核",
    SheetKind.LOOK_BACK: "回头看",
}

# The sheet kind each verdict stage records.
STAGE_SHEET_KINDS: dict[Stage, SheetKind] = {
    Stage.SELF_CHECK: SheetKind.SELF_CHECK,
    Stage.DISTRICT_ACCEPTANCE: SheetKind.DISTRICT_ACCEPTANCE,
    Stage.SPOT_CHECK: SheetKind.SPOT_CHECK,
    Stage.RE_REVIEW: SheetKind.RE_REVIEW,
    Stage.LOOK_BACK: SheetKind.LOOK_BACK,
}

# Who signs each kind: 附件3/附件4 三（二）1 镇街/园区自查, 2 区县工作专班, 4 市级工作小组; 000 三（五）.
SIGNER_ROLES: dict[SheetKind, Role] = {
    SheetKind.SELF_CHECK: Role.UNIT,
    SheetKind.DISTRICT_ACCEPTANCE: Role.DISTRICT_TASK_FORCE,
    SheetKind.SPOT_CHECK: Role.MUNICIPAL_TASK_FORCE,
    SheetKind.RE_REVIEW: Role.MUNICIPAL_TASK_FORCE,
    SheetKind.LOOK_BACK: Role.MUNICIPAL_TASK_FORCE,
}

ROLE_LABELS: dict[Role, str] = {
    Role.UNIT: "建设单元（镇街或园区管理机构）",
    Role.DISTRICT_TASK_FORCE: "区县工作专班",
    Role.MUNICIPAL_TASK_FORCE: "市级工作专班",
}


def verdict_rule(state: ProcessState) -> str:
    """The article of the step the stage's verdict implements, with the ruling that verdicts are sheets."""
    kind = state.unit_kind
    match state.stage:
        case Stage.SELF_CHECK:
            article = application_rule(kind)
        case Stage.DISTRICT_ACCEPTANCE:
            article = district_rule(kind)
        case Stage.SPOT_CHECK | Stage.RE_REVIEW:
            article = spot_check_rule(kind)
        case Stage.LOOK_BACK:
            article = LOOK_BACK_RULE
        case _:
            raise OutOfOrder(f"「{state.stage.label}」阶段没有评分结论", rule=SHEETS_RULING)
    return f"{article}；{SHEETS_RULING}"


def check_verdict_sheet(state: ProcessState, sheet: SignedSheet) -> None:
    """Refuse `sheet` as the verdict of `state.stage`, naming the rule; return if it may stand."""
    rule = verdict_rule(state)
    expected = STAGE_SHEET_KINDS[state.stage]
    name = f"评分表「{sheet.sheet_id}」"
    _check_signed_of_unit(sheet, state.unit_id, rule, "sheet_id")
    if sheet.kind is not expected:
        raise RuleViolation(
            f"{name}是{SHEET_KIND_LABELS[sheet.kind]}评分表，「{state.stage.label}」阶段须用"
            f"{SHEET_KIND_LABELS[expected]}评分表",
            rule=rule,
            field="sheet_id",
        )
    _check_signer_and_current(sheet, rule, "sheet_id")
    began = local_date(state.stage_since)
    if sheet.assessed_on < began:
        raise RuleViolation(
            f"{name}的评估日期 {sheet.assessed_on.isoformat()} 早于进入「{state.stage.label}」阶段的日期 "
            f"{began.isoformat()}，须为本阶段的评估",
            rule=rule,
            field="sheet_id",
        )
    if expected is SheetKind.DISTRICT_ACCEPTANCE:
        _check_sampling_plan(state, sheet, name)
    if any(used.sheet_id == sheet.sheet_id for used in state.sheets):
        raise RuleViolation(f"{name}已作为本流程的结论使用过，不能再次使用", rule=rule, field="sheet_id")


def _check_sampling_plan(state: ProcessState, sheet: SignedSheet, name: str) -> None:
    # 附件3/附件4 三（三）验收抽样: the district draws the unit's plan in this round before it may sign.
    rule = f"{sampling_rule(state.unit_kind)}；{district_rule(state.unit_kind)}；{SHEETS_RULING}"
    if not sheet.sampling_plan_id:
        raise RuleViolation(
            f"{name}没有引用抽样方案：区县须先为该单元抽取本轮验收的抽样方案，方可签署验收评分表",
            rule=rule,
            field="sheet_id",
        )
    drawn_at = sheet.sampling_plan_drawn_at
    if drawn_at is None or drawn_at < state.stage_since:
        drawn = "未记录抽取时间" if drawn_at is None else f"抽取于 {drawn_at.isoformat()}"
        raise RuleViolation(
            f"{name}引用的抽样方案「{sheet.sampling_plan_id}」{drawn}，不是进入「{state.stage.label}」阶段"
            f"（{state.stage_since.isoformat()}）后为本轮验收抽取的",
            rule=rule,
            field="sheet_id",
        )


def _check_signed_of_unit(sheet: SignedSheet, unit_id: str, rule: str, field: str) -> None:
    name = f"评分表「{sheet.sheet_id}」"
    if not sheet.signed:
        raise RuleViolation(f"{name}尚未签署，未签署的评分表不能作为结论", rule=rule, field=field)
    if sheet.unit_id != unit_id:
        raise RuleViolation(
            f"{name}是单元「{sheet.unit_id}」的评分表，不是本单元「{unit_id}」的", rule=rule, field=field
        )


def _check_signer_and_current(sheet: SignedSheet, rule: str, field: str) -> None:
    # An imported paper sheet's recorded signer role counts the same way.
    name = f"评分表「{sheet.sheet_id}」"
    signer = SIGNER_ROLES[sheet.kind]
    if sheet.signer_role != signer.value:
        raise RuleViolation(
            f"{SHEET_KIND_LABELS[sheet.kind]}评分表须由{ROLE_LABELS[signer]}签署，{name}由「{sheet.signed_by}」签署",
            rule=rule,
            field=field,
        )
    if sheet.superseded_by_sheet_id:
        raise RuleViolation(
            f"{name}已被更正评分表「{sheet.superseded_by_sheet_id}」取代，请使用更正后的评分表",
            rule=rule,
            field=field,
        )


# What an imported process must show for the stage it is imported at: the passing sheet that let it get there.
_IMPORT_NEEDS: dict[Stage, SheetKind] = {
    Stage.DISTRICT_ACCEPTANCE: SheetKind.SELF_CHECK,  # 三（二）1: a 合格 self-check applied for acceptance
    Stage.PUBLIC_NOTICE: SheetKind.DISTRICT_ACCEPTANCE,  # 三（二）2-3: the district passed it
    Stage.FILED: SheetKind.DISTRICT_ACCEPTANCE,
    Stage.SPOT_CHECK: SheetKind.DISTRICT_ACCEPTANCE,
    Stage.RE_REVIEW: SheetKind.DISTRICT_ACCEPTANCE,
    Stage.ACCEPTED: SheetKind.DISTRICT_ACCEPTANCE,
    Stage.LOOK_BACK: SheetKind.DISTRICT_ACCEPTANCE,
}


def check_import_sheets(
    unit_id: str, unit_kind: UnitKind, stage: Stage, sheets: tuple[SignedSheet, ...]
) -> SignedSheet | None:
    """Refuse the sheets an imported process brings, naming the rule; return the latest (its score stands).

    Each must be signed, of the unit, signed by the role of its kind and not replaced by a correction; the stage
    needs the passing sheet that let the unit reach it. A district-acceptance sheet signed in the system refers to
    its sampling plan; an old paper sheet imported with its evidence (`imported`) need not."""
    rule = f"{standard_rule(unit_kind)}；{SHEETS_RULING}"
    seen: set[str] = set()
    for sheet in sheets:
        if sheet.sheet_id in seen:
            raise RuleViolation(f"评分表「{sheet.sheet_id}」重复", rule=rule, field="sheet_ids")
        seen.add(sheet.sheet_id)
        _check_signed_of_unit(sheet, unit_id, rule, "sheet_ids")
        _check_signer_and_current(sheet, rule, "sheet_ids")
        if sheet.kind is SheetKind.DISTRICT_ACCEPTANCE and not sheet.imported and not sheet.sampling_plan_id:
            raise RuleViolation(
                f"区县验收评分表「{sheet.sheet_id}」没有引用抽样方案",
                rule=f"{sampling_rule(unit_kind)}；{SHEETS_RULING}",
                field="sheet_ids",
            )
    needed = _IMPORT_NEEDS.get(stage)
    if needed is not None and not any(s.kind is needed and s.passed for s in sheets):
        raise RuleViolation(
            f"导入到「{stage.label}」阶段须提供本单元合格的{SHEET_KIND_LABELS[needed]}评分表",
            rule=rule,
            field="sheet_ids",
        )
    return sheets[-1] if sheets else None
