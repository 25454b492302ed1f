"""The scoring service as a district clerk's client sees it: a unit's ledger built in the registry over gRPC,
scored, saved, signed, listed, compared, corrected and printed through the scoring service's gRPC API.

Figures are those of `ledgers.py` (hand-computed there). The town's self-check, with 1.5 taken off item 4:
  item 1: 90 % surveyed → 10 − 1.00 = 9.00; item 4: 10 − 1.50 = 8.50;
  item 8: 管网整改率 66.67 % → 33.33 points short × 0.1 = 3.33 → 12 − 3.33 = 8.67;
  total 100 − 1.00 − 1.50 − 3.33 = 94.17 → 优秀.
The self-check pass rates are the ledger's (every household's self-check 合格: 100 %). The district acceptance
names its sampling plan: the 验收小组 finds one of the five compounds drawn failing → 抽查样本合格率 80 %.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import grpc
import openpyxl
import pytest
from sqlmodel import Session, select

from tests.integration.scoring.conftest import RunningScoring, start_scoring
from tests.integration.scoring.ledgers import CLERK, create_units, import_rows, park_rows, town_rows
from zdz.events.v1 import refs_pb2
from zdz.registry.v1 import ledger_pb2, registry_pb2
from zdz.scoring.v1 import events_pb2, scoring_pb2_grpc
from zdz.scoring.v1 import scoring_pb2 as pb
from zdz_common.eventstore import OutboxRecord
from zdz_local.processes import free_port

DISTRICT_TEAM = (
    ("x-zdz-organisation", "wanzhou-task-force"),
    ("x-zdz-role", "DISTRICT_TASK_FORCE"),
    ("x-zdz-person", "li-si"),
)


async def _town(running: RunningScoring) -> tuple[str, str]:
    town, park = await create_units(running.units)
    await import_rows(running.ledger, town, town_rows())
    await import_rows(running.ledger, park, park_rows())
    return town, park


PANEL = [
    pb.PanelMember(name="李四", organisation="万州区生态环境局", duty="组长"),
    pb.PanelMember(name="赵六", organisation="万州区住房城乡建委", duty="成员"),
]


def _town_input(town: str, kind: int = pb.SHEET_KIND_SELF_CHECK, **entries: object) -> pb.SheetInput:
    # A sheet naming no sampling plan types its sample pass rates in; the self-check rate is the ledger's.
    values: dict[str, object] = {
        "residential_sample_pass_rate": "100",
        "non_residential_sample_pass_rate": "100",
        "discretionary": [pb.DiscretionaryDeduction(item=4, points="1.5", reason="建设进度安排不够具体")],
    }
    return pb.SheetInput(
        unit_id=town,
        sheet_kind=kind,  # type: ignore[arg-type]
        assessor="高笋塘街道办 张三",
        assessed_on="2025-05-01",
        entries=pb.AssessorEntries(**(values | entries)),  # type: ignore[arg-type]
    )


async def _plan(running: RunningScoring, town: str, failing: int = 1) -> pb.SamplingPlan:
    """The district's sampling plan of the town with the 验收小组's verdicts: `failing` of the compounds drawn
    fail, every other drawn household passes."""
    plan = (await running.scoring.DrawSamplingPlan(pb.DrawSamplingPlanRequest(unit_id=town))).plan
    verdicts = [
        pb.SampleVerdict(object=group.object, id=draw.id, passed=True)
        for group in plan.groups
        if group.object in (pb.SAMPLE_OBJECT_RESIDENTIAL, pb.SAMPLE_OBJECT_NON_RESIDENTIAL)
        for draw in group.draws
    ]
    for verdict in verdicts[:failing]:
        verdict.passed, verdict.note = False, "阳台废水接入雨水管"
    request = pb.RecordSampleVerdictsRequest(plan_id=plan.id, verdicts=verdicts)
    return (await running.scoring.RecordSampleVerdicts(request, metadata=DISTRICT_TEAM)).plan


def _district_input(town: str, plan_id: str, **changes: object) -> pb.SheetInput:
    # The district team checks the plan's sample (80 % of compounds pass) and takes 2 points off item 4.
    sheet = _town_input(
        town,
        pb.SHEET_KIND_DISTRICT_ACCEPTANCE,
        discretionary=[pb.DiscretionaryDeduction(item=4, points="2", reason="措施针对性不强")],
    )
    sheet.entries.ClearField("residential_sample_pass_rate")
    sheet.entries.ClearField("non_residential_sample_pass_rate")
    sheet.assessor = "万州区工作专班验收组 李四"
    sheet.assessed_on = "2025-05-20"
    sheet.sampling_plan_id = plan_id
    sheet.panel_members.extend(PANEL)
    for name, value in changes.items():
        setattr(sheet, name, value)
    return sheet


async def _signed(
    running: RunningScoring, sheet: pb.SheetInput, metadata: tuple[tuple[str, str], ...] = CLERK
) -> pb.ScoreSheet:
    draft = await running.scoring.SaveSheetDraft(pb.SaveSheetDraftRequest(input=sheet), metadata=metadata)
    signed = await running.scoring.SignSheet(
        pb.SignSheetRequest(sheet_id=draft.sheet.id, expected_version=draft.sheet.version), metadata=metadata
    )
    return signed.sheet


async def _status(call: grpc.aio.UnaryUnaryCall) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await call
    return error.value.code(), error.value.details() or ""


def _item(sheet: pb.ScoreSheet, number: int) -> pb.ItemResult:
    return next(item for item in sheet.result.items if item.number == number)


async def test_a_town_ledger_built_in_the_registry_is_scored_through_the_scoring_api(
    running: RunningScoring,
) -> None:
    town, _ = await _town(running)
    sheet = (await running.scoring.PreviewSheet(pb.PreviewSheetRequest(input=_town_input(town)))).sheet
    assert (sheet.result.total, sheet.result.grade, sheet.result.may_apply_for_acceptance) == (
        "94.17",
        pb.GRADE_EXCELLENT,
        True,
    )
    assert [s.points for s in sheet.result.sections] == ["37.50", "36.67", "20.00"]
    # Every deduction itemised: rule, quantity, points, reason and where the figure came from.
    (survey,) = _item(sheet, 1).deductions
    assert (survey.rule_kind, survey.quantity, survey.points, survey.source) == (
        pb.RULE_KIND_RATE_SHORTFALL,
        "10",
        "1.00",
        pb.SOURCE_LEDGER,
    )
    assert survey.rule_text == "排查率每降低10%扣1分" and "90%" in survey.reason
    (pipes,) = _item(sheet, 8).deductions
    assert (pipes.quantity, pipes.points, _item(sheet, 8).points) == ("33.33", "3.33", "8.67")
    (plan,) = _item(sheet, 4).deductions
    assert (plan.source, plan.reason) == (pb.SOURCE_ASSESSOR, "建设进度安排不够具体")
    assert sheet.ledger_figures["pipe_rectification_rate"] == "66.67"
    assert sheet.unit.name == "高笋塘街道" and sheet.district_name == "万州区"
    # A preview stores nothing.
    listed = await running.scoring.ListSheets(pb.ListSheetsRequest(unit_id=town))
    assert listed.total_size == 0


async def test_a_district_acceptance_counts_the_defects_the_ledger_records_at_acceptance(
    running: RunningScoring,
) -> None:
    # On top of the self-check's deductions: H-02's information defect found at acceptance (−0.5 on item 1),
    # the residential sample at 80 % (item 6: lowest of 100, 100, 80 → −2.00), item 4 at −2.00.
    # 100 − 1.50 − 2.00 − 2.00 − 3.33 = 91.17
    town, _ = await _town(running)
    plan = await _plan(running, town)
    sheet = (
        await running.scoring.PreviewSheet(pb.PreviewSheetRequest(input=_district_input(town, plan.id)))
    ).sheet
    assert sheet.result.total == "91.17"
    defect = _item(sheet, 1).deductions[1]
    assert (defect.rule_kind, defect.points) == (pb.RULE_KIND_PER_FINDING, "0.50")
    assert "区县验收发现排水户排查信息缺陷 1 处" in defect.reason
    assert [(f.item, f.count) for f in sheet.ledger_findings] == [(1, 1)]
    assert _item(sheet, 6).points == "8.00"
    (sample,) = _item(sheet, 6).deductions
    assert sample.source == pb.SOURCE_SAMPLE and f"抽样方案 {plan.id}" in sample.reason
    assert sheet.sample_figures["residential_sample_pass_rate"] == "80"
    assert sheet.ledger_figures["residential_self_check_pass_rate"] == "100.00"


async def test_a_second_district_acceptance_does_not_count_the_first_rounds_findings_again(
    running: RunningScoring,
) -> None:
    # Round 1 (2025-05-20) finds H-02's defect at acceptance and is signed at 91.17 (test above).
    town, _ = await _town(running)
    plan = await _plan(running, town)
    first = await _signed(running, _district_input(town, plan.id), DISTRICT_TEAM)
    assert first.result.total == "91.17"
    # Round 2, a month later after rectification, on a plan of its own: the round-1 plan serves round 1 only.
    code, details = await _status(
        running.scoring.PreviewSheet(
            pb.PreviewSheetRequest(input=_district_input(town, plan.id, assessed_on="2025-06-20"))
        )
    )
    assert (
        code == grpc.StatusCode.FAILED_PRECONDITION and "重新抽取抽样方案" in details and first.id in details
    )
    round_2 = await _plan(running, town)
    second = (
        await running.scoring.PreviewSheet(
            pb.PreviewSheetRequest(input=_district_input(town, round_2.id, assessed_on="2025-06-20"))
        )
    ).sheet
    # The defect found in round 1 is not a finding of round 2.
    assert list(second.ledger_findings) == []
    assert second.result.total == "91.67"  # the same sheet without the 0.50 for round 1's defect
    # A correction of round 1 stays in round 1, on its plan, and still counts it.
    correction = _district_input(town, plan.id, replaces_sheet_id=first.id)
    again = (await running.scoring.PreviewSheet(pb.PreviewSheetRequest(input=correction))).sheet
    assert [(f.item, f.count) for f in again.ledger_findings] == [(1, 1)]


async def test_sign_get_list_and_compare_a_self_check_with_the_district_acceptance(
    running: RunningScoring,
) -> None:
    town, _ = await _town(running)
    # The town signs its self-check; the district team signs its acceptance sheet.
    own = await _signed(running, _town_input(town))
    plan = await _plan(running, town)
    district = await _signed(running, _district_input(town, plan.id), DISTRICT_TEAM)
    assert own.state == pb.SHEET_STATE_SIGNED and own.signed_by == "gaosuntang-office/TOWN_OFFICE/zhang-san"
    # The signer is recorded from the signing call's identity; the acceptance names its plan and panel.
    assert (district.signer_organisation, district.signer_role, district.signer_person) == (
        "wanzhou-task-force",
        "DISTRICT_TASK_FORCE",
        "li-si",
    )
    assert district.sampling_plan_id == plan.id and list(district.panel_members) == PANEL
    assert not district.imported and district.signed_at.seconds > 0
    # Get returns the sheet exactly as signed.
    fetched = (await running.scoring.GetSheet(pb.GetSheetRequest(sheet_id=district.id))).sheet
    assert fetched == district and fetched.result.total == "91.17"
    # The unit's list, oldest assessment first, filterable by kind.
    listed = await running.scoring.ListSheets(pb.ListSheetsRequest(unit_id=town))
    assert [(s.id, s.total, s.state) for s in listed.sheets] == [
        (own.id, "94.17", pb.SHEET_STATE_SIGNED),
        (district.id, "91.17", pb.SHEET_STATE_SIGNED),
    ]
    only_district = await running.scoring.ListSheets(
        pb.ListSheetsRequest(unit_id=town, sheet_kind=pb.SHEET_KIND_DISTRICT_ACCEPTANCE)
    )
    assert [s.id for s in only_district.sheets] == [district.id]
    # The comparison names the items that differ and why: 1 (acceptance defect), 4 (discretion), 6 (sample).
    comparison = (
        await running.scoring.CompareSheets(
            pb.CompareSheetsRequest(sheet_id_a=own.id, sheet_id_b=district.id)
        )
    ).comparison
    assert comparison.total_change == "-3.00" and not comparison.identical
    assert [(i.number, i.points_a, i.points_b, i.change) for i in comparison.items] == [
        (1, "9.00", "8.50", "-0.50"),
        (4, "8.50", "8.00", "-0.50"),
        (6, "10.00", "8.00", "-2.00"),
    ]
    sample = comparison.items[2]
    assert "生活小区抽查样本合格率 80%" in sample.rules[0].b[0].reason and not sample.rules[0].a
    assert sample.summary.startswith(
        f"第6项：自查（{own.id}） 10.00分，区县验收（{district.id}） 8.00分（-2.00）"
    )


async def test_a_signed_sheet_never_changes(running: RunningScoring) -> None:
    town, _ = await _town(running)
    signed = await _signed(running, _town_input(town))
    # Revising it or signing it again is refused; the sheet is as it was.
    code, details = await _status(
        running.scoring.SaveSheetDraft(pb.SaveSheetDraftRequest(sheet_id=signed.id, input=_town_input(town)))
    )
    assert (
        code == grpc.StatusCode.FAILED_PRECONDITION and "已签署" in details and "replaces_sheet_id" in details
    )
    code, _ = await _status(running.scoring.SignSheet(pb.SignSheetRequest(sheet_id=signed.id)))
    assert code == grpc.StatusCode.FAILED_PRECONDITION
    assert (await running.scoring.GetSheet(pb.GetSheetRequest(sheet_id=signed.id))).sheet == signed
    # Its record holds a draft and a signature, each with who asked, on an intact hash chain.
    with Session(running.service.engine) as session:
        events = running.service.store.read(session, f"score_sheet-{signed.id}")
        assert [e.type for e in events] == [
            "zdz.scoring.score_sheet.draft_saved",
            "zdz.scoring.score_sheet.signed",
        ]
        assert events[1].actor.person == "zhang-san"
        assert running.service.store.verify(session).ok
        assert {row.subject for row in session.exec(select(OutboxRecord)).all()} == {e.type for e in events}
    published = events[1].payload(events_pb2.ScoreSheetSigned)
    assert (published.rubric, published.total, published.grade) == ("TOWN/2024", 94.17, "EXCELLENT")  # type: ignore[attr-defined]


async def test_a_draft_is_revised_until_signed_and_a_stale_version_is_aborted(
    running: RunningScoring,
) -> None:
    town, _ = await _town(running)
    draft = (await running.scoring.SaveSheetDraft(pb.SaveSheetDraftRequest(input=_town_input(town)))).sheet
    assert (draft.state, draft.version) == (pb.SHEET_STATE_DRAFT, 1)
    # The assessor revises item 4 to 3 points: 94.17 − 1.50 = 92.67.
    revised_input = _town_input(
        town, discretionary=[pb.DiscretionaryDeduction(item=4, points="3", reason="责任分工不明确")]
    )
    revised = (
        await running.scoring.SaveSheetDraft(
            pb.SaveSheetDraftRequest(sheet_id=draft.id, input=revised_input, expected_version=1)
        )
    ).sheet
    assert (revised.version, revised.result.total) == (2, "92.67")
    # Signing what was reviewed at version 1 is refused: the draft has moved on.
    code, _ = await _status(
        running.scoring.SignSheet(pb.SignSheetRequest(sheet_id=draft.id, expected_version=1))
    )
    assert code == grpc.StatusCode.ABORTED


async def test_a_correction_replaces_a_signed_sheet_once(running: RunningScoring) -> None:
    town, _ = await _town(running)
    plan = await _plan(running, town)
    original = await _signed(running, _district_input(town, plan.id), DISTRICT_TEAM)
    # The team corrects item 4 (2.00 → 1.00): a new sheet naming the original; 91.17 + 1.00 = 92.17.
    corrected_input = _district_input(town, plan.id, replaces_sheet_id=original.id)
    corrected_input.entries.discretionary[0].points = "1"
    correction = await _signed(running, corrected_input, DISTRICT_TEAM)
    assert (correction.replaces_sheet_id, correction.result.total) == (original.id, "92.17")
    replaced = (await running.scoring.GetSheet(pb.GetSheetRequest(sheet_id=original.id))).sheet
    assert replaced.superseded_by_sheet_id == correction.id and replaced.result.total == "91.17"
    # A second correction of the same original is refused: correct the latest sheet instead.
    code, details = await _status(
        running.scoring.SaveSheetDraft(
            pb.SaveSheetDraftRequest(input=_district_input(town, plan.id, replaces_sheet_id=original.id))
        )
    )
    assert code == grpc.StatusCode.FAILED_PRECONDITION and correction.id in details
    # A correction keeps the kind of sheet: a self-check cannot replace the district's sheet.
    self_check = _town_input(town)
    self_check.replaces_sheet_id = correction.id
    code, _ = await _status(running.scoring.SaveSheetDraft(pb.SaveSheetDraftRequest(input=self_check)))
    assert code == grpc.StatusCode.FAILED_PRECONDITION


@pytest.mark.parametrize(
    ("change", "field", "item"),
    [
        ({"residential_sample_pass_rate": "120"}, "entries.residential_sample_pass_rate", None),
        ({"findings": [pb.Finding(item=1, kind=pb.FINDING_KIND_INFO_DEFECT, count=-1)]}, "finding.count", 1),
        ({"discretionary": [pb.DiscretionaryDeduction(item=4, points="10.5", reason="x")]}, "entries.discretionary[0].points", 4),
        ({"discretionary": [pb.DiscretionaryDeduction(item=4, points="-0.5", reason="x")]}, "discretionary.points", 4),
        ({"discretionary": [pb.DiscretionaryDeduction(item=4, points="1")]}, "discretionary.reason", 4),
        ({"findings": [pb.Finding(item=15, kind=pb.FINDING_KIND_INFO_DEFECT, count=1)]}, "entries.findings[0].item", None),
        ({"events": [pb.DatedEvent(item=13, kind=pb.EVENT_KIND_INCIDENT_MISHANDLED)]}, "entries.events[0].occurred_on", 13),
        ({"findings": [pb.Finding(item=13, kind=pb.FINDING_KIND_NO_EMERGENCY_PLAN, count=1)]}, "entries.findings[0].kind", 13),
    ],
    ids=[
        "rate outside 0-100",
        "negative count",
        "discretionary above the maximum",
        "discretionary below zero",
        "missing reason",
        "unknown item",
        "event without a date",
        "a park item on a town sheet",
    ],
)  # fmt: skip
async def test_bad_input_is_invalid_argument_naming_the_item_and_nothing_is_stored(
    running: RunningScoring, change: dict[str, object], field: str, item: int | None
) -> None:
    town, _ = await _town(running)
    sheet = _town_input(town, **change)
    for call in (
        running.scoring.PreviewSheet(pb.PreviewSheetRequest(input=sheet)),
        running.scoring.SaveSheetDraft(pb.SaveSheetDraftRequest(input=sheet)),
    ):
        code, details = await _status(call)
        assert code == grpc.StatusCode.INVALID_ARGUMENT and details.startswith(field)
        if item is not None:
            assert f"第{item}项" in details
    assert (await running.scoring.ListSheets(pb.ListSheetsRequest(unit_id=town))).total_size == 0


async def test_a_park_sheet_counts_penalty_events_in_the_one_year_window(running: RunningScoring) -> None:
    # Applying on 2025-06-30: the window is 2024-06-30 … 2025-06-29. The drill on 2025-03-01 is inside it;
    # the warning film on 2025-01-05 costs 10 (the cap) after the 100-point sum; the interview on 2024-06-29
    # is one day outside and does not count. 100 − 10 = 90.00 exactly → 优秀; a self-check never decides the
    # summary report (001 四: the district acceptance's total does).
    _, park = await _town(running)
    entries = pb.AssessorEntries(
        application_date="2025-06-30",
        events=[
            pb.DatedEvent(
                item=13, kind=pb.EVENT_KIND_EMERGENCY_DRILL, occurred_on="2025-03-01", description="年度演练"
            ),
            pb.DatedEvent(
                item=14, kind=pb.EVENT_KIND_WARNING_FILM, occurred_on="2025-01-05", description="警示片"
            ),
            pb.DatedEvent(item=14, kind=pb.EVENT_KIND_SUPERVISION_INTERVIEW, occurred_on="2024-06-29"),
        ],
    )
    sheet_input = pb.SheetInput(
        unit_id=park,
        sheet_kind=pb.SHEET_KIND_SELF_CHECK,
        assessor="九龙园管委会",
        assessed_on="2025-06-30",
        entries=entries,
    )
    sheet = (await running.scoring.PreviewSheet(pb.PreviewSheetRequest(input=sheet_input))).sheet
    result = sheet.result
    assert (result.subtotal, result.penalty, result.total, result.grade) == (
        "100.00",
        "10.00",
        "90.00",
        pb.GRADE_EXCELLENT,
    )
    assert not result.may_submit_summary_report and (result.window_first, result.window_last) == (
        "2024-06-30",
        "2025-06-29",
    )
    penalty = _item(sheet, 14)
    assert penalty.points == "-10.00" and len(penalty.deductions) == 1 and "不计" in penalty.notes[0]
    # Without the application date a park sheet cannot be scored.
    sheet_input.entries.ClearField("application_date")
    code, details = await _status(running.scoring.PreviewSheet(pb.PreviewSheetRequest(input=sheet_input)))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and details.startswith("entries.application_date")


async def test_sampling_plans_are_reproducible_through_the_api(running: RunningScoring) -> None:
    town, _ = await _town(running)
    first = (await running.scoring.DrawSamplingPlan(pb.DrawSamplingPlanRequest(unit_id=town))).plan
    # The seed is the system's, recorded with the plan (issue 16): a caller's seed is refused.
    code, details = await _status(
        running.scoring.DrawSamplingPlan(pb.DrawSamplingPlanRequest(unit_id=town, seed=20250520))
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT and details.startswith("seed")
    groups = {g.object: g for g in first.groups}
    residential = groups[pb.SAMPLE_OBJECT_RESIDENTIAL]
    reasons = {d.id: set(d.reasons) for d in residential.draws}
    assert len(residential.draws) == 5 and reasons["H-01"] == {
        pb.DRAW_REASON_LARGEST,
        pb.DRAW_REASON_MOST_COMPLEX,
    }
    assert reasons["H-02"] == {pb.DRAW_REASON_OLDEST}
    assert [d.id for d in groups[pb.SAMPLE_OBJECT_NON_RESIDENTIAL].draws] == ["N-01", "N-02", "N-03", "N-04"]
    assert len(groups[pb.SAMPLE_OBJECT_TASK_RECORDS].draws) == 1  # 30 % of 3 pipe tasks, rounded up
    assert groups[pb.SAMPLE_OBJECT_FACILITIES].draws[0].reasons == [pb.DRAW_REASON_INDUSTRIAL_WASTEWATER]
    # Anyone can re-draw a recorded plan from its recorded seed and population.
    redrawn = await running.scoring.RedrawSamplingPlan(pb.RedrawSamplingPlanRequest(plan_id=first.id))
    assert redrawn.identical and list(redrawn.plan.groups) == list(first.groups)
    stored = (await running.scoring.GetSamplingPlan(pb.GetSamplingPlanRequest(plan_id=first.id))).plan
    assert stored == first


async def _file(
    running: RunningScoring, unit_id: str, state: int = ledger_pb2.ACCEPTANCE_STATE_FILED
) -> None:
    await running.ledger.SetAcceptanceState(
        ledger_pb2.SetAcceptanceStateRequest(
            unit_id=unit_id, state=state, on="2025-06-01", reason="公示期满备案"
        )  # type: ignore[arg-type]
    )


async def _filed_units(running: RunningScoring) -> list[refs_pb2.UnitRef]:
    """Five towns and a park group in Wanzhou, one town in Yuzhong, all filed and awaiting the city's round."""
    for code, name in (("wanzhou", "万州区"), ("yuzhong", "渝中区")):
        await running.units.CreateDistrict(
            registry_pb2.CreateDistrictRequest(
                district=registry_pb2.District(code=code, name=name, town_share_2025=35, town_share_2027=80)
            )
        )
    units = [
        *((f"wz-t{n}", "wanzhou", refs_pb2.UNIT_KIND_TOWN) for n in range(1, 6)),
        ("wz-p1", "wanzhou", refs_pb2.UNIT_KIND_PARK_GROUP),
        ("yz-t1", "yuzhong", refs_pb2.UNIT_KIND_TOWN),
    ]
    refs = []
    for unit_id, district, kind in units:
        park = (
            {"park": "万州经济技术开发区", "level": registry_pb2.PARK_LEVEL_NATIONAL}
            if kind == refs_pb2.UNIT_KIND_PARK_GROUP
            else {}
        )
        created = await running.units.CreateUnit(
            registry_pb2.CreateUnitRequest(
                unit=registry_pb2.Unit(
                    id=unit_id,
                    district_code=district,
                    kind=kind,
                    name=f"单元{unit_id}",
                    target_year=2027,
                    **park,
                )  # type: ignore[arg-type]
            )
        )
        await _file(running, unit_id)
        refs.append(refs_pb2.UnitRef(id=unit_id, district_code=district, kind=kind, name=created.unit.name))
    return refs


def _round_closes() -> str:
    return (datetime.now(UTC).date() + timedelta(days=30)).isoformat()


async def test_spot_check_draws_record_the_systems_seed_name_their_round_and_say_when_a_district_is_short(
    running: RunningScoring,
) -> None:
    candidates = await _filed_units(running)
    request = pb.DrawSpotCheckRequest(candidates=candidates, round="2025-1", closes_on=_round_closes())
    first = (await running.scoring.DrawSpotCheck(request)).spot_check
    assert (first.round, first.closes_on) == ("2025-1", _round_closes())
    wanzhou, yuzhong = first.districts
    assert (wanzhou.towns.quota, wanzhou.towns.available, len(wanzhou.towns.drawn)) == (2, 5, 2)
    assert [u.id for u in wanzhou.parks.drawn] == ["wz-p1"]
    assert (
        yuzhong.towns.short
        and [u.id for u in yuzhong.towns.drawn] == ["yz-t1"]
        and "全部抽取" in yuzhong.towns.note
    )
    assert (await running.scoring.GetSpotCheck(pb.GetSpotCheckRequest(draw_id=first.id))).spot_check == first
    # The published event carries the round and its deadline.
    with Session(running.service.engine) as session:
        (event,) = running.service.store.read(session, f"spot_check-{first.id}")
    drawn = event.payload(events_pb2.SpotCheckDrawn)
    assert (drawn.round, drawn.closes_on) == ("2025-1", _round_closes())  # type: ignore[attr-defined]
    assert drawn.seed == str(first.seed)  # type: ignore[attr-defined]
    code, details = await _status(
        running.scoring.DrawSpotCheck(
            pb.DrawSpotCheckRequest(candidates=candidates, towns_per_district=4, round="2025-1")
        )
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT and details.startswith("towns_per_district")


@pytest.mark.parametrize(
    ("round_name", "closes_on", "field"),
    [("", "", "round"), ("2025-1", "2020-01-01", "closes_on"), ("2025-1", "明年", "closes_on")],
    ids=["no round", "deadline in the past", "deadline not a date"],
)
async def test_a_draw_names_its_round_and_a_deadline_not_in_the_past(
    running: RunningScoring, round_name: str, closes_on: str, field: str
) -> None:
    candidates = await _filed_units(running)
    code, details = await _status(
        running.scoring.DrawSpotCheck(
            pb.DrawSpotCheckRequest(candidates=candidates, round=round_name, closes_on=closes_on)
        )
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT and details.startswith(field)


async def test_the_draw_takes_only_units_filed_and_awaiting_the_round(running: RunningScoring) -> None:
    # Nothing filed yet: nothing to draw from.
    code, details = await _status(running.scoring.DrawSpotCheck(pb.DrawSpotCheckRequest(round="2025-1")))
    assert code == grpc.StatusCode.FAILED_PRECONDITION and "已备案" in details
    # The town is filed; the park group is accepted but still in 公示; another town is already under spot-check.
    town, park = await _town(running)
    await _file(running, town)
    await _file(running, park, ledger_pb2.ACCEPTANCE_STATE_ACCEPTED)
    drawn = (await running.scoring.DrawSpotCheck(pb.DrawSpotCheckRequest(round="2025-1"))).spot_check
    assert [u.id for u in drawn.candidates] == [town]
    assert [u.id for d in drawn.districts for u in d.towns.drawn] == [town]
    assert all(not d.parks.drawn for d in drawn.districts)
    # Naming a unit the registry does not list as filed is refused, naming the rule.
    await _file(running, town, ledger_pb2.ACCEPTANCE_STATE_UNDER_SPOT_CHECK)
    units = (await running.units.ListUnits(registry_pb2.ListUnitsRequest(district_code="wanzhou"))).units
    refs = [refs_pb2.UnitRef(id=u.id, district_code=u.district_code, kind=u.kind, name=u.name) for u in units]
    code, details = await _status(
        running.scoring.DrawSpotCheck(pb.DrawSpotCheckRequest(candidates=refs, round="2025-2"))
    )
    assert code == grpc.StatusCode.FAILED_PRECONDITION and "三（二）4" in details and "九龙园" in details


async def test_a_signed_sheet_renders_as_html_and_as_a_workbook_with_the_right_totals(
    running: RunningScoring,
) -> None:
    town, _ = await _town(running)
    signed = await _signed(running, _town_input(town))
    html = await running.scoring.RenderSheet(
        pb.RenderSheetRequest(sheet_id=signed.id, format=pb.DOCUMENT_FORMAT_HTML)
    )
    page = html.content.decode()
    assert html.content_type.startswith("text/html") and html.file_name.endswith(".html")
    assert "重庆市城镇“污水零直排区”建设评分细则" in page and ">94.17</td>" in page and "扣3.33分" in page
    xlsx = await running.scoring.RenderSheet(
        pb.RenderSheetRequest(sheet_id=signed.id, format=pb.DOCUMENT_FORMAT_XLSX)
    )
    table = openpyxl.load_workbook(io.BytesIO(xlsx.content))["评分表"]
    totals = {row[0].value: row[6].value for row in table.iter_rows() if row[0].value}
    assert Decimal(str(totals["总分"])) == Decimal("94.17") and totals["等级"] == "优秀"
    # A draft is not printed for filing.
    draft = (await running.scoring.SaveSheetDraft(pb.SaveSheetDraftRequest(input=_town_input(town)))).sheet
    code, _ = await _status(
        running.scoring.RenderSheet(pb.RenderSheetRequest(sheet_id=draft.id, format=pb.DOCUMENT_FORMAT_HTML))
    )
    assert code == grpc.StatusCode.FAILED_PRECONDITION


async def test_the_self_assessment_report_is_drafted_from_the_ledger_and_the_self_check(
    running: RunningScoring,
) -> None:
    town, _ = await _town(running)
    own = await _signed(running, _town_input(town))
    report = await running.scoring.DraftSelfAssessmentReport(
        pb.DraftSelfAssessmentReportRequest(sheet_id=own.id)
    )
    assert report.markdown.startswith("# 高笋塘街道“污水零直排区”建设自评估报告（草稿）")
    assert "| 市政管网 | 3 | 3 | 2 | 2 | 66.67% |" in report.markdown
    assert "自查得分 **94.17** 分" in report.markdown and "高笋塘街道位于万州区" in report.markdown
    district = await _signed(running, _district_input(town, (await _plan(running, town)).id), DISTRICT_TEAM)
    code, _ = await _status(
        running.scoring.DraftSelfAssessmentReport(pb.DraftSelfAssessmentReportRequest(sheet_id=district.id))
    )
    assert code == grpc.StatusCode.FAILED_PRECONDITION


async def test_an_unknown_unit_is_not_found_and_an_empty_ledger_cannot_be_scored(
    running: RunningScoring,
) -> None:
    town, _ = await create_units(running.units)  # registered, nothing recorded in its ledger yet
    code, _ = await _status(
        running.scoring.PreviewSheet(pb.PreviewSheetRequest(input=_town_input("no-such-unit")))
    )
    assert code == grpc.StatusCode.NOT_FOUND
    code, details = await _status(
        running.scoring.PreviewSheet(pb.PreviewSheetRequest(input=_town_input(town)))
    )
    assert code == grpc.StatusCode.FAILED_PRECONDITION and "第1项" in details


async def test_the_registry_out_of_reach_is_unavailable(tmp_path: Path) -> None:
    service, registry, server = await start_scoring(tmp_path / "scoring.db", f"127.0.0.1:{free_port()}")
    channel = grpc.aio.insecure_channel(server.address)
    try:
        stub = scoring_pb2_grpc.ScoringServiceStub(channel)
        code, details = await _status(stub.PreviewSheet(pb.PreviewSheetRequest(input=_town_input("town-1"))))
        assert code == grpc.StatusCode.UNAVAILABLE and "登记系统暂不可用" in details
    finally:
        await channel.close()
        await server.stop(0)
        registry.close()
        service.engine.dispose()
