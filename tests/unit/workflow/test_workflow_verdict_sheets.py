"""Verdicts are signed sheets (DESIGN, rulings): each refusal names its rule, a failed self-check is an attempt on
record, a correction moves the score, an import brings its sheets."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from tests.unit.workflow.factories import (
    CITY,
    DISTRICT,
    TOWN_OFFICE,
    UNIT_ID,
    UnitUnderTest,
    at,
    rules,
    sheet,
    verdict,
    walk,
)
from zdz.events.v1.envelope_pb2 import Envelope
from zdz.scoring.v1.events_pb2 import ScoreSheetSigned
from zdz_common.vocabulary import Grade, Stage, UnitKind
from zdz_workflow.domain.commands import (
    ApplySheetCorrection,
    DeclareRectificationDone,
    ImportProcess,
    RecordDistrictVerdict,
    RecordReReviewVerdict,
    RecordSpotCheckVerdict,
    SubmitSelfCheck,
)
from zdz_workflow.domain.errors import InvalidCommand, OutOfOrder, RuleViolation
from zdz_workflow.domain.events import SelfCheckFailed, SelfCheckPassed, SheetCorrected
from zdz_workflow.domain.process import admit, decide
from zdz_workflow.domain.sheets import SheetKind
from zdz_workflow.domain.values import FIRST_CAMPAIGN, Finding
from zdz_workflow.entrypoints.sheet_corrections import SHEET_SIGNED, apply_correction

RULING = "DESIGN 裁定「结论即签署的评分表」"
SELF_CHECK_RULE = f"附件3 三（二）1；{RULING}"
DISTRICT_RULE = f"附件3 三（二）2；{RULING}"
SAMPLING_RULE = f"附件3 三（三）；附件3 三（二）2；{RULING}"
SPOT_CHECK_RULE = f"附件3 三（二）4；{RULING}"
IMPORT_RULE = f"附件3 三（一）；{RULING}"
FINDING = Finding("沿河路 3 号小区雨污混接", item="附件3 附表 第6项")

# --- refusals -----------------------------------------------------------------------------------------------------
# walk(…, SELF_CHECK): in 自查评估 since 2024-09-02 10:00; walk(…, DISTRICT_ACCEPTANCE): in 区县验收 since
# 2024-09-06 10:00 (the self-check applied).


@pytest.mark.parametrize(
    ("faults", "message"),
    [
        ({"signed": False}, "评分表「s-1」尚未签署，未签署的评分表不能作为结论"),
        (
            {"unit_id": "bishan/qinggang"},
            "评分表「s-1」是单元「bishan/qinggang」的评分表，不是本单元「bishan/bicheng」的",
        ),
        (
            {"kind": SheetKind.DISTRICT_ACCEPTANCE, "signer_role": "DISTRICT_TASK_FORCE"},
            "评分表「s-1」是区县验收评分表，「自查评估」阶段须用自查评估评分表",
        ),
        (
            {"assessed_on": date(2024, 9, 1)},
            "评分表「s-1」的评估日期 2024-09-01 早于进入「自查评估」阶段的日期 2024-09-02，须为本阶段的评估",
        ),
        ({"superseded_by_sheet_id": "s-2"}, "评分表「s-1」已被更正评分表「s-2」取代，请使用更正后的评分表"),
        (
            {
                "signer_role": "DISTRICT_TASK_FORCE",
                "signer_organisation": "璧山区工作专班",
                "signer_person": "李强",
            },
            "自查评估评分表须由建设单元（镇街或园区管理机构）签署，评分表「s-1」由「璧山区工作专班/DISTRICT_TASK_FORCE/李强」签署",
        ),
    ],
    ids=["unsigned", "another-unit", "wrong-kind", "assessed-before-the-stage", "replaced", "wrong-role"],
)
def test_a_self_check_sheet_is_refused_when_unsigned_foreign_of_another_kind_early_replaced_or_wrongly_signed(
    faults, message
):
    unit = walk(UnitUnderTest(), Stage.SELF_CHECK)
    before = unit.state
    bad = sheet(SheetKind.SELF_CHECK, "86.50", "2024-09-06", sheet_id="s-1", **faults)

    with pytest.raises(RuleViolation) as refused:
        unit.do(SubmitSelfCheck, TOWN_OFFICE, at("2024-09-06"), **verdict(bad))

    assert refused.value.message == f"{message}（{SELF_CHECK_RULE}）"
    assert refused.value.rule == SELF_CHECK_RULE
    assert unit.state == before


def test_an_imported_paper_sheet_counts_by_its_recorded_signer_role():
    unit = walk(UnitUnderTest(), Stage.DISTRICT_ACCEPTANCE)
    paper = sheet(SheetKind.DISTRICT_ACCEPTANCE, "88.00", "2024-09-20", imported=True, signer_role="UNIT")
    with pytest.raises(RuleViolation, match="区县验收评分表须由区县工作专班签署") as refused:
        unit.do(RecordDistrictVerdict, DISTRICT, at("2024-09-20"), **verdict(paper))
    assert refused.value.rule == DISTRICT_RULE


def test_district_acceptance_needs_a_sheet_referring_to_a_sampling_plan():
    unit = walk(UnitUnderTest(), Stage.DISTRICT_ACCEPTANCE)
    unplanned = sheet(
        SheetKind.DISTRICT_ACCEPTANCE, "88.00", "2024-09-20", sampling_plan_id="", sheet_id="d-1"
    )
    with pytest.raises(RuleViolation) as refused:
        unit.do(RecordDistrictVerdict, DISTRICT, at("2024-09-20"), **verdict(unplanned))
    assert refused.value.message == (
        "评分表「d-1」没有引用抽样方案：区县须先为该单元抽取本轮验收的抽样方案，方可签署验收评分表"
        f"（{SAMPLING_RULE}）"
    )


def test_district_acceptance_needs_the_plan_drawn_in_this_round_of_acceptance():
    # The unit applied 2024-09-06 10:00; a plan drawn that morning belongs to an earlier round.
    unit = walk(UnitUnderTest(), Stage.DISTRICT_ACCEPTANCE)
    stale = sheet(
        SheetKind.DISTRICT_ACCEPTANCE, "88.00", "2024-09-20", sampling_plan_drawn_at=at("2024-09-06", 9)
    )
    with pytest.raises(RuleViolation, match=r"不是进入「区县验收」阶段.*后为本轮验收抽取的") as refused:
        unit.do(RecordDistrictVerdict, DISTRICT, at("2024-09-20"), **verdict(stale))
    assert refused.value.rule == SAMPLING_RULE


def test_a_sheet_already_used_as_a_verdict_of_the_process_is_refused():
    # Failed, rectified and self-checked again the same day: the date allows the old sheet, the rule does not.
    unit = walk(UnitUnderTest(), Stage.SELF_CHECK)
    attempt = sheet(SheetKind.SELF_CHECK, "72.50", "2024-09-06")
    unit.do(SubmitSelfCheck, TOWN_OFFICE, at("2024-09-06", 10), **verdict(attempt))
    unit.do(DeclareRectificationDone, TOWN_OFFICE, at("2024-09-06", 11))
    with pytest.raises(RuleViolation) as refused:
        unit.do(SubmitSelfCheck, TOWN_OFFICE, at("2024-09-06", 12), **verdict(attempt))
    assert (
        refused.value.message
        == f"评分表「{attempt.sheet_id}」已作为本流程的结论使用过，不能再次使用（{SELF_CHECK_RULE}）"
    )


def test_a_verdict_without_a_sheet_id_is_refused_before_any_sheet_is_read():
    unit = walk(UnitUnderTest(), Stage.SELF_CHECK)
    command = SubmitSelfCheck(actor=TOWN_OFFICE, request_id="r-1", at=at("2024-09-06"))
    with pytest.raises(InvalidCommand) as refused:
        admit(unit.state, command)
    assert (refused.value.message, refused.value.field) == ("须填写评分表编号 sheet_id", "sheet_id")
    with pytest.raises(InvalidCommand, match="须填写评分表编号 sheet_id"):
        decide(unit.state, command, rules())


def test_a_verdict_in_the_wrong_stage_is_refused_before_any_sheet_is_read():
    unit = walk(UnitUnderTest(), Stage.SELF_CHECK)
    command = RecordDistrictVerdict(actor=DISTRICT, request_id="r-1", at=at("2024-09-06"), sheet_id="d-1")
    with pytest.raises(OutOfOrder, match="当前阶段为「自查评估」，不能录入区县验收结果"):
        admit(unit.state, command)


# --- the score comes from the sheet -----------------------------------------------------------------------------


def test_self_check_below_the_pass_mark_is_recorded_with_its_sheet_and_returns_the_unit_to_rectification():
    unit = walk(UnitUnderTest(), Stage.SELF_CHECK)
    attempt = sheet(SheetKind.SELF_CHECK, "72.50", "2024-09-06")

    [failed] = unit.do(SubmitSelfCheck, TOWN_OFFICE, at("2024-09-06"), **verdict(attempt))

    # 附件3 三（二）1: only 合格 or better applies for acceptance; the attempt is kept, not refused.
    assert isinstance(failed, SelfCheckFailed) and failed.sheet == attempt
    assert unit.state.stage is Stage.RECTIFICATION
    assert (unit.state.latest_score, unit.state.latest_grade) == (Decimal("72.50"), Grade.FAIL)
    assert unit.state.latest_sheet_id == attempt.sheet_id
    entry = unit.state.history[-1]
    assert (entry.event, entry.from_stage, entry.to_stage) == (
        "SelfCheckFailed",
        Stage.SELF_CHECK,
        Stage.RECTIFICATION,
    )
    # Rectified again, a new sheet of 合格 applies.
    unit.do(DeclareRectificationDone, TOWN_OFFICE, at("2024-09-10"))
    unit.do(
        SubmitSelfCheck,
        TOWN_OFFICE,
        at("2024-09-13"),
        **verdict(sheet(SheetKind.SELF_CHECK, "80.00", "2024-09-13")),
    )
    assert unit.state.stage is Stage.DISTRICT_ACCEPTANCE
    assert [s.total for s in unit.state.sheets] == [Decimal("72.50"), Decimal("80.00")]


def test_the_pass_mark_is_the_rubric_s_own_not_a_constant_of_the_workflow():
    unit = walk(UnitUnderTest(), Stage.SELF_CHECK)
    stricter = sheet(SheetKind.SELF_CHECK, "82.00", "2024-09-06", pass_mark=Decimal(85), grade=Grade.FAIL)
    [event] = unit.do(SubmitSelfCheck, TOWN_OFFICE, at("2024-09-06"), **verdict(stricter))
    assert isinstance(event, SelfCheckFailed)


def test_a_verdict_takes_total_and_grade_from_its_sheet():
    unit = walk(UnitUnderTest(), Stage.SELF_CHECK)
    signed = sheet(SheetKind.SELF_CHECK, "91.25", "2024-09-06")
    [event] = unit.do(SubmitSelfCheck, TOWN_OFFICE, at("2024-09-06"), **verdict(signed))
    assert isinstance(event, SelfCheckPassed) and event.sheet == signed
    assert (unit.state.latest_score, unit.state.latest_grade) == (Decimal("91.25"), Grade.EXCELLENT)


# --- corrections ------------------------------------------------------------------------------------------------


def accepted_at_88() -> tuple[UnitUnderTest, str]:
    unit = walk(UnitUnderTest(), Stage.DISTRICT_ACCEPTANCE)
    acceptance = sheet(SheetKind.DISTRICT_ACCEPTANCE, "88.00", "2024-09-20")
    unit.do(RecordDistrictVerdict, DISTRICT, at("2024-09-20"), **verdict(acceptance))
    return unit, acceptance.sheet_id


def test_a_correction_signed_later_moves_the_process_score_and_is_recorded_in_its_history():
    unit, replaced = accepted_at_88()
    correction = sheet(SheetKind.DISTRICT_ACCEPTANCE, "91.00", "2024-09-24", replaces_sheet_id=replaced)
    command = ApplySheetCorrection(
        actor=DISTRICT, request_id="event-1", at=at("2024-09-24"), sheet=correction
    )

    [corrected] = unit.send(command)

    assert isinstance(corrected, SheetCorrected) and corrected.latest
    assert (unit.state.latest_score, unit.state.latest_grade) == (Decimal("91.00"), Grade.EXCELLENT)
    assert unit.state.latest_sheet_id == correction.sheet_id
    [old] = [s for s in unit.state.sheets if s.sheet_id == replaced]
    assert old.superseded_by_sheet_id == correction.sheet_id
    assert unit.state.history[-1].event == "SheetCorrected"
    assert unit.state.stage is Stage.PUBLIC_NOTICE  # the correction moves the score, not the stage
    assert decide(unit.state, command, rules()) == []  # the same event again changes nothing


def test_a_correction_of_an_earlier_sheet_is_recorded_without_moving_the_latest_score():
    unit = walk(UnitUnderTest(), Stage.PUBLIC_NOTICE)
    self_check = unit.state.sheets[0]
    correction = sheet(SheetKind.SELF_CHECK, "84.00", "2024-09-24", replaces_sheet_id=self_check.sheet_id)
    [corrected] = unit.do(ApplySheetCorrection, TOWN_OFFICE, at("2024-09-24"), sheet=correction)
    assert not corrected.latest
    assert unit.state.latest_score == Decimal("88.00")


def test_a_correction_of_a_sheet_the_process_never_used_changes_nothing():
    unit, _ = accepted_at_88()
    other = sheet(SheetKind.DISTRICT_ACCEPTANCE, "70.00", "2024-09-24", replaces_sheet_id="someone-else")
    assert unit.do(ApplySheetCorrection, DISTRICT, at("2024-09-24"), sheet=other) == []


def test_a_correction_of_another_kind_is_refused():
    unit, replaced = accepted_at_88()
    wrong = sheet(SheetKind.SELF_CHECK, "91.00", "2024-09-24", replaces_sheet_id=replaced, sheet_id="c-1")
    with pytest.raises(RuleViolation, match=r"须与被更正的评分表.*属同一单元、同一种类"):
        unit.do(ApplySheetCorrection, DISTRICT, at("2024-09-24"), sheet=wrong)


# --- spot-check and re-review on the municipal task force's sheets ---------------------------------------------


def imported(stage: Stage, **fields) -> UnitUnderTest:
    unit = UnitUnderTest()
    unit.do(
        ImportProcess,
        DISTRICT,
        at("2024-11-20"),
        unit_id=UNIT_ID,
        unit_kind=UnitKind.TOWN,
        campaign=FIRST_CAMPAIGN,
        stage=stage,
        stage_since=at("2024-11-15"),
        **fields,
    )
    return unit


def test_a_spot_check_sheet_must_be_signed_by_the_municipal_task_force():
    unit = imported(Stage.SPOT_CHECK, sheets=(sheet(SheetKind.DISTRICT_ACCEPTANCE, "88.00", "2024-09-20"),))
    by_district = sheet(SheetKind.SPOT_CHECK, "91.00", "2024-11-28", signer_role="DISTRICT_TASK_FORCE")
    with pytest.raises(RuleViolation, match="市级抽查评分表须由市级工作专班签署") as refused:
        unit.do(RecordSpotCheckVerdict, CITY, at("2024-11-28"), **verdict(by_district))
    assert refused.value.rule == SPOT_CHECK_RULE


def test_re_review_takes_a_re_review_sheet_not_a_spot_check_sheet():
    unit = imported(Stage.RE_REVIEW, sheets=(sheet(SheetKind.DISTRICT_ACCEPTANCE, "88.00", "2024-09-20"),))
    spot = sheet(SheetKind.SPOT_CHECK, "86.00", "2024-11-28")
    with pytest.raises(RuleViolation, match="「复核」阶段须用复核评分表"):
        unit.do(RecordReReviewVerdict, CITY, at("2024-11-28"), **verdict(spot))
    unit.do(
        RecordReReviewVerdict,
        CITY,
        at("2024-11-28"),
        **verdict(sheet(SheetKind.RE_REVIEW, "86.00", "2024-11-28")),
    )
    assert unit.state.stage is Stage.ACCEPTED and unit.state.latest_score == Decimal("86.00")


def test_a_failed_spot_check_sheet_still_needs_findings_and_a_deadline():
    unit = imported(Stage.SPOT_CHECK, sheets=(sheet(SheetKind.DISTRICT_ACCEPTANCE, "88.00", "2024-09-20"),))
    failing = sheet(SheetKind.SPOT_CHECK, "74.00", "2024-11-28")
    unit.do(
        RecordSpotCheckVerdict,
        CITY,
        at("2024-11-28"),
        **verdict(failing),
        findings=(FINDING,),
        rectify_by=date(2025, 1, 24),
    )
    assert unit.state.stage is Stage.RECTIFICATION and unit.state.latest_sheet_id == failing.sheet_id


# --- imports bring their sheets -----------------------------------------------------------------------------------


def import_command(stage: Stage, *sheets) -> ImportProcess:
    return ImportProcess(
        actor=DISTRICT,
        request_id="import-1",
        at=at("2026-03-02"),
        unit_id=UNIT_ID,
        unit_kind=UnitKind.TOWN,
        campaign=FIRST_CAMPAIGN,
        stage=stage,
        stage_since=at("2024-12-20"),
        sheet_ids=tuple(s.sheet_id for s in sheets),
        sheets=sheets,
    )


def test_import_from_the_notice_on_needs_a_passing_district_acceptance_sheet_of_the_unit():
    with pytest.raises(RuleViolation) as refused:
        decide(
            None, import_command(Stage.ACCEPTED, sheet(SheetKind.SELF_CHECK, "86.00", "2024-09-06")), rules()
        )
    assert refused.value.message == f"导入到「验收通过」阶段须提供本单元合格的区县验收评分表（{IMPORT_RULE}）"
    failing = sheet(SheetKind.DISTRICT_ACCEPTANCE, "78.00", "2024-09-20")
    with pytest.raises(RuleViolation, match="须提供本单元合格的区县验收评分表"):
        decide(None, import_command(Stage.ACCEPTED, failing), rules())
    foreign = sheet(SheetKind.DISTRICT_ACCEPTANCE, "88.00", "2024-09-20", unit_id="bishan/qinggang")
    with pytest.raises(RuleViolation, match="不是本单元「bishan/bicheng」的") as refused:
        decide(None, import_command(Stage.ACCEPTED, foreign), rules())
    assert refused.value.field == "sheet_ids"


def test_an_imported_paper_acceptance_sheet_needs_no_sampling_plan_but_one_signed_in_the_system_does():
    signed_here = sheet(SheetKind.DISTRICT_ACCEPTANCE, "88.00", "2024-09-20", sampling_plan_id="")
    with pytest.raises(RuleViolation, match="没有引用抽样方案"):
        decide(None, import_command(Stage.ACCEPTED, signed_here), rules())
    paper = replace(signed_here, imported=True)
    [event] = decide(None, import_command(Stage.ACCEPTED, paper), rules())
    assert event.sheets == (paper,)


def test_an_imported_process_takes_score_and_grade_from_its_latest_sheet():
    acceptance = sheet(SheetKind.DISTRICT_ACCEPTANCE, "88.00", "2024-09-20")
    spot = sheet(SheetKind.SPOT_CHECK, "92.50", "2024-11-28")
    unit = UnitUnderTest()
    unit.send(import_command(Stage.ACCEPTED, acceptance, spot))
    assert (unit.state.latest_score, unit.state.latest_grade) == (Decimal("92.50"), Grade.EXCELLENT)
    assert unit.state.latest_sheet_id == spot.sheet_id and unit.state.sheets == (acceptance, spot)


# --- histories recorded before verdicts were sheets -------------------------------------------------------------


def test_a_typed_score_recorded_before_verdicts_were_sheets_still_decides_as_it_did_for_replay():
    # LEGACY: the update arguments of old histories carry `score` and no sheet (never the API's any more).
    unit = walk(UnitUnderTest(), Stage.SELF_CHECK)
    [event] = unit.do(SubmitSelfCheck, TOWN_OFFICE, at("2024-09-06"), score=Decimal("86.50"))
    assert isinstance(event, SelfCheckPassed) and event.sheet is None
    assert (unit.state.latest_score, unit.state.latest_grade) == (Decimal("86.50"), Grade.PASS)
    assert unit.state.sheets == ()


# --- the scoring service's signed sheets, followed ---------------------------------------------------------------


class Untouched:
    """A neighbour the consumer must not call."""

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"called {name}")


async def test_a_signed_sheet_that_corrects_none_reaches_no_process():
    envelope = Envelope(id="event-1", type=SHEET_SIGNED)
    envelope.data.Pack(ScoreSheetSigned(sheet_id="s-9"))
    assert await apply_correction(Untouched(), Untouched(), envelope) is None  # type: ignore[arg-type]
    other = Envelope(id="event-2", type="zdz.scoring.score_sheet.draft_saved")
    assert await apply_correction(Untouched(), Untouched(), other) is None  # type: ignore[arg-type]
