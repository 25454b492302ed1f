"""The acceptance's own inputs (issue 11): the sample pass rate from the verdicts on the sheet's sampling plan, the
self-check pass rate from the ledger, the lists' completeness as the assessor finds it, the plan and panel a
district acceptance names, who signs, imported paper sheets, and the spot-check round."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from tests.unit.scoring.conftest import Scorer
from tests.unit.scoring.records_factories import content, header
from zdz.registry.v1 import ledger_pb2
from zdz_common.errors import FailedPrecondition
from zdz_scoring.adapters.registry import snapshot_of
from zdz_scoring.domain.engine import score
from zdz_scoring.domain.errors import InvalidInput
from zdz_scoring.domain.facts import AssessorEntries, Finding, FindingKind, SampleFigures, UnitFacts
from zdz_scoring.domain.records import PanelMember, ScoreSheet, SheetState, Signer, check_district_acceptance
from zdz_scoring.domain.rubric import Rubric
from zdz_scoring.domain.sampling import SampleObject
from zdz_scoring.domain.sheet import SheetKind, Source
from zdz_scoring.domain.spot_check import check_round
from zdz_scoring.domain.verdicts import SampleVerdict, check_verdicts, latest, sample_figures

DRAWN = {
    SampleObject.RESIDENTIAL: ("c1", "c2", "c3", "c4", "c5"),
    SampleObject.NON_RESIDENTIAL: ("n1", "n2"),
    SampleObject.SEWAGE_POINTS: ("p1",),
}
PANEL = (PanelMember("王五", "万州区住房城乡建委", "组长"),)
SIGNED_AT = datetime(2025, 5, 21, tzinfo=UTC)
DISTRICT_CLERK = Signer("district:wanzhou", "DISTRICT_TASK_FORCE", "李四")


def _verdicts(failed: frozenset[str] = frozenset()) -> dict[tuple[SampleObject, str], SampleVerdict]:
    return latest(
        SampleVerdict(group, item, item not in failed, "雨污混接" if item in failed else "")
        for group, items in DRAWN.items()
        for item in items
    )


# --- verdicts and the sample pass rate (000 附件3 三(三), 附表 items 6–7) -----------------------------------------


def test_a_verdict_names_an_item_drawn_in_its_group() -> None:
    with pytest.raises(InvalidInput, match="不是本抽样方案") as error:
        check_verdicts(DRAWN, [SampleVerdict(SampleObject.NON_RESIDENTIAL, "c1", True)])
    assert error.value.field == "verdicts[0].id"


def test_a_failed_verdict_says_what_was_found_and_an_item_is_judged_once_per_call() -> None:
    with pytest.raises(InvalidInput) as missing_note:
        check_verdicts(DRAWN, [SampleVerdict(SampleObject.RESIDENTIAL, "c1", False, " ")])
    assert missing_note.value.field == "verdicts[0].note"
    twice = [SampleVerdict(SampleObject.RESIDENTIAL, "c1", True)] * 2
    with pytest.raises(InvalidInput, match="重复"):
        check_verdicts(DRAWN, twice)


def test_a_later_verdict_on_an_item_replaces_the_earlier() -> None:
    first = SampleVerdict(SampleObject.RESIDENTIAL, "c1", False, "雨污混接")
    again = SampleVerdict(SampleObject.RESIDENTIAL, "c1", True, "已整改")
    assert latest([first, again]) == {(SampleObject.RESIDENTIAL, "c1"): again}


def test_the_sample_pass_rate_is_the_share_of_drawn_items_found_passing(town_rubric: Rubric) -> None:
    # 1 of 5 compounds fails → 80 %; 1 of 2 non-residential → 50 %.
    figures = sample_figures(town_rubric, "plan-1", DRAWN, _verdicts(frozenset({"c3", "n2"})))
    assert figures == SampleFigures("plan-1", Decimal(80), Decimal(50))


def test_every_drawn_household_needs_its_verdict_before_the_rate_is_computed(town_rubric: Rubric) -> None:
    verdicts = _verdicts()
    del verdicts[(SampleObject.RESIDENTIAL, "c4")]
    with pytest.raises(FailedPrecondition, match="c4") as error:
        sample_figures(town_rubric, "plan-1", DRAWN, verdicts)
    assert "附件3 三(三)" in error.value.message


def test_a_group_with_nothing_drawn_has_nothing_left_undone(town_rubric: Rubric) -> None:
    drawn = {SampleObject.RESIDENTIAL: ("c1",), SampleObject.NON_RESIDENTIAL: ()}
    verdicts = latest([SampleVerdict(SampleObject.RESIDENTIAL, "c1", True)])
    assert sample_figures(town_rubric, "p", drawn, verdicts).non_residential_sample_pass_rate == 100


def test_a_park_rubric_reads_no_sample_pass_rate(park_rubric: Rubric) -> None:
    assert sample_figures(park_rubric, "p", {}, {}) == SampleFigures("p")


def test_items_6_and_7_deduct_on_the_plans_verdicts_and_say_so(
    town_rubric: Rubric, town_facts: UnitFacts
) -> None:
    # Sample 80 % (lowest of 100, 100, 80) → 20 × 0.1 = 2 off item 6; 50 % → 5 off item 7.
    sample = SampleFigures("plan-1", Decimal(80), Decimal(50))
    sheet = score(
        town_rubric, town_facts, AssessorEntries(), sheet_kind=SheetKind.DISTRICT_ACCEPTANCE, sample=sample
    )
    (line,) = sheet.item(6).deductions
    assert (sheet.item(6).points, sheet.item(7).points) == (Decimal("8.00"), Decimal("5.00"))
    assert line.source is Source.SAMPLE and "抽样方案 plan-1" in line.reason


def test_a_sample_rate_typed_in_is_refused_on_a_sheet_naming_a_plan(
    town_rubric: Rubric, town_facts: UnitFacts
) -> None:
    typed = AssessorEntries(residential_sample_pass_rate=Decimal(100))
    with pytest.raises(InvalidInput, match="不得填写") as error:
        score(
            town_rubric,
            town_facts,
            typed,
            sheet_kind=SheetKind.DISTRICT_ACCEPTANCE,
            sample=SampleFigures("plan-1", Decimal(80), Decimal(100)),
        )
    assert error.value.field == "entries.residential_sample_pass_rate"


def test_the_self_check_pass_rate_is_the_ledgers_per_household_results(score_town: Scorer) -> None:
    # 自查合格率 70 % in the ledger (7 of 10 compounds 合格) → 3 off item 6, a ledger line.
    (line,) = score_town(residential_self_check_pass_rate=Decimal(70)).item(6).deductions
    assert (line.points, line.source) == (Decimal("3.00"), Source.LEDGER)


def test_the_registry_self_check_ratio_becomes_the_self_check_pass_rate() -> None:
    facts = ledger_pb2.UnitFacts(
        unit_id="town-1",
        residential=ledger_pb2.ClassFacts(self_check=ledger_pb2.Ratio(part="3", whole="4", percent="75.00")),
    )
    figures = snapshot_of(facts, read_at=SIGNED_AT).figures
    # No non-residential household: nothing left undone, as a rectification rate with nothing to count.
    assert (figures["residential_self_check_pass_rate"], figures["non_residential_self_check_pass_rate"]) == (
        Decimal("75.00"),
        Decimal(100),
    )


# --- the lists' completeness (附件3 附表 item 5, 附件4 附表 item 4) ---------------------------------------------------


def test_town_item_5_a_list_the_assessor_finds_incomplete_costs_2_5_even_with_ledger_rows(
    score_town: Scorer,
) -> None:
    found = Finding(5, FindingKind.TASK_LIST_INCOMPLETE, 1, "任务清单缺少整改时限")
    (line,) = score_town(findings=(found,)).item(5).deductions
    assert (line.points, line.source, line.reason) == (
        Decimal("2.50"),
        Source.ASSESSOR,
        "任务清单缺失或不齐全详实：任务清单缺少整改时限",
    )


def test_a_list_missing_in_the_ledger_and_found_incomplete_counts_once(score_town: Scorer) -> None:
    found = Finding(5, FindingKind.PROBLEM_LIST_INCOMPLETE)
    item = score_town(has_problem_list=False, findings=(found,)).item(5)
    assert [line.source for line in item.deductions] == [Source.LEDGER] and item.points == Decimal("2.50")


def test_park_item_4_a_list_found_incomplete_takes_the_item(score_park: Scorer) -> None:
    found = Finding(4, FindingKind.PROBLEM_LIST_INCOMPLETE, 1, "未以单个问题点位为最小单位")
    assert score_park(findings=(found,)).item(4).points == Decimal("0.00")


def test_a_list_is_found_incomplete_once(score_town: Scorer) -> None:
    with pytest.raises(InvalidInput, match="一次性"):
        score_town(findings=(Finding(5, FindingKind.TASK_LIST_INCOMPLETE, 2),))


# --- the park demonstration track (001 四) ---------------------------------------------------------------------


def test_only_the_district_acceptance_decides_the_summary_report(score_park: Scorer) -> None:
    assert score_park(SheetKind.DISTRICT_ACCEPTANCE).may_submit_summary_report
    assert not score_park(SheetKind.SELF_CHECK).may_submit_summary_report


# --- the district acceptance's plan and panel (附件3/附件4 三(二)2, 三(三)) --------------------------------------------


def test_a_district_acceptance_names_its_panel_and_its_sampling_plan() -> None:
    with pytest.raises(InvalidInput, match="验收小组") as no_panel:
        check_district_acceptance(header(kind=SheetKind.DISTRICT_ACCEPTANCE))
    assert no_panel.value.field == "input.panel_members"
    with pytest.raises(FailedPrecondition, match="三（三）") as no_plan:
        check_district_acceptance(header(kind=SheetKind.DISTRICT_ACCEPTANCE, panel_members=PANEL))
    assert no_plan.value.field == "input.sampling_plan_id"
    named = header(kind=SheetKind.DISTRICT_ACCEPTANCE, panel_members=PANEL, sampling_plan_id="plan-1")
    check_district_acceptance(named)  # no error


def test_only_a_district_acceptance_names_a_sampling_plan_and_every_panel_member_has_a_name() -> None:
    with pytest.raises(InvalidInput) as plan:
        header(kind=SheetKind.SELF_CHECK, sampling_plan_id="plan-1")
    assert plan.value.field == "input.sampling_plan_id"
    with pytest.raises(InvalidInput) as name:
        header(kind=SheetKind.SPOT_CHECK, panel_members=(PanelMember(" ", "市生态环境局"),))
    assert name.value.field == "input.panel_members[0].name"


def test_a_district_draft_without_its_plan_cannot_be_signed(
    town_facts: UnitFacts, town_entries: AssessorEntries
) -> None:
    # A draft saved before the rule (no plan named) is refused at signature.
    sheet = ScoreSheet("d1")
    sheet.save_draft(
        content(header(kind=SheetKind.DISTRICT_ACCEPTANCE, panel_members=PANEL), town_facts, town_entries),
        DISTRICT_CLERK,
    )
    with pytest.raises(FailedPrecondition, match="验收抽样方案"):
        sheet.sign(SIGNED_AT, DISTRICT_CLERK)


def test_signing_records_the_signer(town_facts: UnitFacts, town_entries: AssessorEntries) -> None:
    sheet = ScoreSheet("s1")
    clerk = Signer("unit:town-1", "UNIT", "张三")
    sheet.save_draft(content(header(), town_facts, town_entries), clerk)
    sheet.sign(SIGNED_AT, clerk)
    assert sheet.signed is not None and sheet.signed.signer == clerk and not sheet.signed.imported


# --- imported paper sheets --------------------------------------------------------------------------------------


def test_an_imported_paper_sheet_enters_signed_with_its_evidence_and_needs_no_plan(
    town_facts: UnitFacts, town_entries: AssessorEntries
) -> None:
    paper = content(header(kind=SheetKind.DISTRICT_ACCEPTANCE, panel_members=PANEL), town_facts, town_entries)
    sheet = ScoreSheet("paper-1")
    sheet.import_signed(paper, SIGNED_AT, DISTRICT_CLERK, ("scan/2025-05-21-验收评分表.pdf",))
    assert sheet.state is SheetState.SIGNED and sheet.signed is not None and sheet.signed.imported


def test_an_imported_sheet_needs_evidence_a_new_id_and_a_date_not_before_the_assessment(
    town_facts: UnitFacts, town_entries: AssessorEntries
) -> None:
    paper = content(header(), town_facts, town_entries)
    with pytest.raises(InvalidInput) as no_evidence:
        ScoreSheet("p").import_signed(paper, SIGNED_AT, DISTRICT_CLERK, (" ",))
    assert no_evidence.value.field == "evidence"
    with pytest.raises(InvalidInput) as early:
        ScoreSheet("p").import_signed(paper, datetime(2025, 4, 1, tzinfo=UTC), DISTRICT_CLERK, ("scan",))
    assert early.value.field == "signed_on"
    used = ScoreSheet("p")
    used.save_draft(paper, DISTRICT_CLERK)
    with pytest.raises(FailedPrecondition, match="新编号"):
        used.import_signed(paper, SIGNED_AT, DISTRICT_CLERK, ("scan",))


# --- the spot-check round -----------------------------------------------------------------------------------------


def test_a_spot_check_round_has_a_name_and_a_deadline_not_in_the_past() -> None:
    with pytest.raises(InvalidInput) as no_name:
        check_round(" ", None, date(2025, 9, 1))
    assert no_name.value.field == "round"
    with pytest.raises(InvalidInput) as past:
        check_round("2025-1", date(2025, 8, 31), date(2025, 9, 1))
    assert past.value.field == "closes_on"
    check_round("2025-1", date(2025, 9, 1), date(2025, 9, 1))  # today is not in the past
