"""Issue 11 through the scoring service's gRPC API with a real registry: a district acceptance names its sampling
plan and 验收小组, the sample pass rate comes from the verdicts recorded on the plan and the self-check pass rate
from the ledger's per-household results, the assessor finds a list incomplete whatever its rows, a paper sheet is
imported signed with its evidence, and (with real tokens) each kind of sheet is signed only by its role.

The town is `ledgers.py`'s 高笋塘街道 (6 compounds, 4 non-residential households, every self-check 合格); the sheets
are those of test_scoring_grpc.py: the self-check totals 94.17, the acceptance with one compound failing 91.17.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import grpc
import pytest
from sqlmodel import Session

from tests.integration.auth.harness import bearer, start_system
from tests.integration.scoring.conftest import RunningScoring
from tests.integration.scoring.ledgers import create_units, import_rows, town_rows
from tests.integration.scoring.test_scoring_grpc import (
    DISTRICT_TEAM,
    PANEL,
    _district_input,
    _item,
    _plan,
    _status,
    _town,
    _town_input,
)
from zdz.events.v1.access_pb2 import AccessDenied
from zdz.registry.v1 import ledger_pb2
from zdz.scoring.v1 import events_pb2
from zdz.scoring.v1 import scoring_pb2 as pb
from zdz_common.authorisation import denial_stream

CITY_TEAM = (
    ("x-zdz-organisation", "municipal"),
    ("x-zdz-role", "MUNICIPAL_TASK_FORCE"),
    ("x-zdz-person", "wang-wu"),
)


async def _preview(running: RunningScoring, sheet: pb.SheetInput) -> pb.ScoreSheet:
    return (await running.scoring.PreviewSheet(pb.PreviewSheetRequest(input=sheet))).sheet


# --- the district acceptance names its plan and its panel (附件3/附件4 三(二)2, 三(三)) -------------------------------


async def test_a_district_acceptance_without_its_sampling_plan_is_refused_naming_the_rule(
    running: RunningScoring,
) -> None:
    town, _ = await _town(running)
    sheet = _district_input(town, "")
    for call in (
        running.scoring.PreviewSheet(pb.PreviewSheetRequest(input=sheet)),
        running.scoring.SaveSheetDraft(pb.SaveSheetDraftRequest(input=sheet), metadata=DISTRICT_TEAM),
    ):
        code, details = await _status(call)
        assert code == grpc.StatusCode.FAILED_PRECONDITION
        assert details.startswith("input.sampling_plan_id") and "三（三）" in details


async def test_a_district_acceptance_names_its_panel_each_member_by_name(running: RunningScoring) -> None:
    town, _ = await _town(running)
    plan = await _plan(running, town)
    no_panel = _district_input(town, plan.id)
    no_panel.ClearField("panel_members")
    code, details = await _status(running.scoring.PreviewSheet(pb.PreviewSheetRequest(input=no_panel)))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "验收小组" in details
    nameless = _district_input(town, plan.id)
    nameless.panel_members.add(organisation="万州区水利局")
    code, details = await _status(running.scoring.PreviewSheet(pb.PreviewSheetRequest(input=nameless)))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and details.startswith("input.panel_members[2].name")


async def test_the_plan_is_the_units_own_and_only_a_district_acceptance_names_one(
    running: RunningScoring,
) -> None:
    town, park = await _town(running)
    park_plan = (await running.scoring.DrawSamplingPlan(pb.DrawSamplingPlanRequest(unit_id=park))).plan
    code, details = await _status(
        running.scoring.PreviewSheet(pb.PreviewSheetRequest(input=_district_input(town, park_plan.id)))
    )
    assert code == grpc.StatusCode.FAILED_PRECONDITION and "九龙园" in details
    self_check = _town_input(town)
    self_check.sampling_plan_id = (await _plan(running, town)).id
    code, details = await _status(running.scoring.PreviewSheet(pb.PreviewSheetRequest(input=self_check)))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and details.startswith("input.sampling_plan_id")


# --- the sample pass rate from the plan's verdicts (附件3 附表 items 6–7) ----------------------------------------------


async def test_the_sample_pass_rate_comes_from_the_verdicts_recorded_on_the_plan(
    running: RunningScoring,
) -> None:
    town, _ = await _town(running)
    # Two of the five compounds drawn fail → 60 %: item 6 loses 4 (lowest of 100, 100, 60).
    plan = await _plan(running, town, failing=2)
    assert [v.passed for v in plan.verdicts[:5]] == [False, False, True, True, True]
    assert all(v.recorded_by == "wanzhou-task-force/DISTRICT_TASK_FORCE/li-si" for v in plan.verdicts)
    assert (await running.scoring.GetSamplingPlan(pb.GetSamplingPlanRequest(plan_id=plan.id))).plan == plan
    sheet = await _preview(running, _district_input(town, plan.id))
    (line,) = _item(sheet, 6).deductions
    assert (_item(sheet, 6).points, line.source) == ("6.00", pb.SOURCE_SAMPLE)
    assert "生活小区抽查样本合格率 60%" in line.reason
    # A later verdict on a compound replaces the earlier one: 4 of 5 now pass → 80 %.
    first_failed = plan.verdicts[0]
    again = pb.SampleVerdict(object=first_failed.object, id=first_failed.id, passed=True, note="复查已整改")
    replaced = await running.scoring.RecordSampleVerdicts(
        pb.RecordSampleVerdictsRequest(plan_id=plan.id, verdicts=[again]), metadata=DISTRICT_TEAM
    )
    assert len(replaced.plan.verdicts) == len(plan.verdicts) and replaced.plan.verdicts[0].passed
    assert _item(await _preview(running, _district_input(town, plan.id)), 6).points == "8.00"


async def test_a_typed_sample_rate_a_verdict_missing_or_on_an_item_not_drawn_is_refused(
    running: RunningScoring,
) -> None:
    town, _ = await _town(running)
    plan = await _plan(running, town)
    typed = _district_input(town, plan.id)
    typed.entries.residential_sample_pass_rate = "100"
    code, details = await _status(running.scoring.PreviewSheet(pb.PreviewSheetRequest(input=typed)))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and details.startswith(
        "entries.residential_sample_pass_rate"
    )
    # A plan without verdicts: the round's plan drawn again, as the city approved (one plan per unit and round).
    redraw = pb.ApproveSamplingPlanRedrawRequest(plan_id=plan.id, reason="样本清单有误，重新抽取")
    await running.scoring.ApproveSamplingPlanRedraw(redraw)
    bare = (await running.scoring.DrawSamplingPlan(pb.DrawSamplingPlanRequest(unit_id=town))).plan
    code, details = await _status(
        running.scoring.PreviewSheet(pb.PreviewSheetRequest(input=_district_input(town, bare.id)))
    )
    assert code == grpc.StatusCode.FAILED_PRECONDITION and "尚无核查结论" in details
    stray = pb.SampleVerdict(object=pb.SAMPLE_OBJECT_RESIDENTIAL, id="N-01", passed=True)
    code, details = await _status(
        running.scoring.RecordSampleVerdicts(
            pb.RecordSampleVerdictsRequest(plan_id=bare.id, verdicts=[stray])
        )
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT and details.startswith("verdicts[0].id")


async def test_a_draft_is_not_signed_once_its_plans_verdicts_changed(running: RunningScoring) -> None:
    town, _ = await _town(running)
    plan = await _plan(running, town)
    draft = (
        await running.scoring.SaveSheetDraft(
            pb.SaveSheetDraftRequest(input=_district_input(town, plan.id)), metadata=DISTRICT_TEAM
        )
    ).sheet
    assert draft.result.total == "91.17"
    failed = plan.verdicts[0]
    await running.scoring.RecordSampleVerdicts(
        pb.RecordSampleVerdictsRequest(
            plan_id=plan.id, verdicts=[pb.SampleVerdict(object=failed.object, id=failed.id, passed=True)]
        ),
        metadata=DISTRICT_TEAM,
    )
    code, details = await _status(
        running.scoring.SignSheet(pb.SignSheetRequest(sheet_id=draft.id), metadata=DISTRICT_TEAM)
    )
    assert code == grpc.StatusCode.FAILED_PRECONDITION and "重新保存草稿" in details
    # Saved again, it scores the verdicts in force (every compound passes: item 6 full) and is signed.
    resaved = await running.scoring.SaveSheetDraft(
        pb.SaveSheetDraftRequest(sheet_id=draft.id, input=_district_input(town, plan.id)),
        metadata=DISTRICT_TEAM,
    )
    assert resaved.sheet.result.total == "93.17"
    signed = await running.scoring.SignSheet(pb.SignSheetRequest(sheet_id=draft.id), metadata=DISTRICT_TEAM)
    assert signed.sheet.state == pb.SHEET_STATE_SIGNED and signed.sheet.sampling_plan_id == plan.id
    # The printed sheet names its 验收小组 and its plan.
    page = (
        await running.scoring.RenderSheet(
            pb.RenderSheetRequest(sheet_id=draft.id, format=pb.DOCUMENT_FORMAT_HTML)
        )
    ).content.decode()
    assert "李四，万州区生态环境局，组长" in page and plan.id in page


# --- the self-check pass rate from the ledger (附件3 附表 items 6–7: 自查合格率按建设单元计) ---------------------------------


async def test_the_self_check_pass_rate_is_read_from_the_ledgers_per_household_results(
    running: RunningScoring,
) -> None:
    town, _ = await create_units(running.units)
    rows = town_rows()
    compound = next(r for r in rows if r.source_household.code == "H-06")
    compound.source_household.self_check = ledger_pb2.SELF_CHECK_FAILED
    await import_rows(running.ledger, town, rows)
    # 5 of 6 compounds passed their self-check → 83.33 %: 16.67 × 0.1 = 1.67 off item 6, a ledger line.
    sheet = await _preview(running, _town_input(town))
    (line,) = _item(sheet, 6).deductions
    assert (sheet.ledger_figures["residential_self_check_pass_rate"], line.points, line.source) == (
        "83.33",
        "1.67",
        pb.SOURCE_LEDGER,
    )
    typed = _town_input(town, residential_self_check_pass_rate="100")
    code, details = await _status(running.scoring.PreviewSheet(pb.PreviewSheetRequest(input=typed)))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert details.startswith("input.entries.residential_self_check_pass_rate") and "台账" in details


# --- the lists' completeness (附件3 附表 item 5, 附件4 附表 item 4) -------------------------------------------------------


async def test_the_assessor_finds_a_list_incomplete_although_the_ledger_has_rows(
    running: RunningScoring,
) -> None:
    town, park = await _town(running)
    found = pb.Finding(item=5, kind=pb.FINDING_KIND_TASK_LIST_INCOMPLETE, count=1, note="任务清单缺整改时限")
    sheet = await _preview(running, _town_input(town, findings=[found]))
    (line,) = _item(sheet, 5).deductions
    assert (line.points, line.source, sheet.ledger_figures["has_task_list"]) == (
        "2.50",
        pb.SOURCE_ASSESSOR,
        "true",
    )
    rubric = (await running.scoring.GetRubric(pb.GetRubricRequest(unit_kind=sheet.unit.kind))).rubric
    (rule,) = [r for r in rubric.items[4].rules if r.kind == pb.RULE_KIND_MISSING_LIST]
    assert list(rule.list_findings) == [
        pb.FINDING_KIND_PROBLEM_LIST_INCOMPLETE,
        pb.FINDING_KIND_TASK_LIST_INCOMPLETE,
    ]
    assert (rubric.pass_from, rubric.excellent_from) == ("80.00", "90.00")
    # A park group's problem list found not kept per problem point takes item 4's 8 points.
    park_input = pb.SheetInput(
        unit_id=park,
        sheet_kind=pb.SHEET_KIND_SELF_CHECK,
        assessor="九龙园管委会",
        assessed_on="2025-06-30",
        entries=pb.AssessorEntries(
            application_date="2025-06-30",
            findings=[pb.Finding(item=4, kind=pb.FINDING_KIND_PROBLEM_LIST_INCOMPLETE, count=1)],
            events=[pb.DatedEvent(item=13, kind=pb.EVENT_KIND_EMERGENCY_DRILL, occurred_on="2025-03-01")],
        ),
    )
    assert _item(await _preview(running, park_input), 4).points == "0.00"


# --- a paper sheet imported signed, with its evidence --------------------------------------------------------------


def _paper(town: str) -> pb.ImportSignedSheetRequest:
    sheet = _district_input(town, "")
    sheet.entries.residential_sample_pass_rate = "80"  # the paper sheet's own sample, no plan of this system
    sheet.entries.non_residential_sample_pass_rate = "100"
    return pb.ImportSignedSheetRequest(
        input=sheet,
        signer_organisation="万州区污水零直排区建设工作专班",
        signer_role="DISTRICT_TASK_FORCE",
        signer_person="李四",
        signed_on="2025-05-21",
        evidence=["档案/2025/万州-高笋塘-验收评分表.pdf", "万州环发〔2025〕12号"],
    )


async def test_a_paper_sheet_signed_outside_the_system_is_imported_signed_with_its_evidence(
    running: RunningScoring,
) -> None:
    town, _ = await _town(running)
    sheet = (await running.scoring.ImportSignedSheet(_paper(town), metadata=CITY_TEAM)).sheet
    assert (sheet.state, sheet.imported, sheet.result.total) == (pb.SHEET_STATE_SIGNED, True, "91.17")
    assert (sheet.signer_organisation, sheet.signer_role, sheet.signer_person) == (
        "万州区污水零直排区建设工作专班",
        "DISTRICT_TASK_FORCE",
        "李四",
    )
    assert sheet.signed_at.ToDatetime(tzinfo=UTC) == datetime(2025, 5, 21, tzinfo=UTC)
    assert list(sheet.import_evidence) == _paper(town).evidence and list(sheet.panel_members) == PANEL
    assert (await running.scoring.GetSheet(pb.GetSheetRequest(sheet_id=sheet.id))).sheet == sheet
    # It is published like any signed sheet.
    with Session(running.service.engine) as session:
        (event,) = running.service.store.read(session, f"score_sheet-{sheet.id}")
    published = event.payload(events_pb2.ScoreSheetSigned)
    assert event.type == "zdz.scoring.score_sheet.signed" and published.sheet.imported  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"evidence": []}, "evidence"),
        ({"signer_role": "UNIT"}, "signer_role"),
        ({"signer_person": ""}, "signer_person"),
        ({"signed_on": "2025-05-19"}, "signed_on"),
        ({"signed_on": "2999-01-01"}, "signed_on"),
    ],
    ids=[
        "no evidence",
        "a role that does not sign this kind",
        "no signer",
        "before the assessment",
        "in the future",
    ],
)
async def test_an_imported_sheet_needs_its_evidence_and_a_signer_of_the_right_role(
    running: RunningScoring, change: dict[str, object], field: str
) -> None:
    town, _ = await _town(running)
    request = _paper(town)
    for name, value in change.items():
        if isinstance(value, list):
            request.ClearField(name)  # type: ignore[arg-type]
        else:
            setattr(request, name, value)
    code, details = await _status(running.scoring.ImportSignedSheet(request, metadata=CITY_TEAM))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and details.startswith(field)


# --- who signs which sheet, with real tokens (附件3/附件4 三(二)) ----------------------------------------------------------


async def test_each_kind_of_sheet_is_signed_only_by_its_role_and_every_refusal_is_recorded(
    tmp_path: Path,
) -> None:
    system, stops = await start_system(tmp_path)
    try:
        await import_rows(system.ledger, "own-unit", town_rows(), metadata=bearer("service"))
        self_check = _town_input("own-unit")
        own = await system.scoring.SaveSheetDraft(
            pb.SaveSheetDraftRequest(input=self_check), metadata=bearer("unit")
        )
        plan = (
            await system.scoring.DrawSamplingPlan(
                pb.DrawSamplingPlanRequest(unit_id="own-unit"), metadata=bearer("district")
            )
        ).plan
        verdicts = [
            pb.SampleVerdict(object=g.object, id=d.id, passed=True)
            for g in plan.groups
            if g.object in (pb.SAMPLE_OBJECT_RESIDENTIAL, pb.SAMPLE_OBJECT_NON_RESIDENTIAL)
            for d in g.draws
        ]
        # The unit may not record the verdicts on its own sample.
        code, details = await _status(
            system.scoring.RecordSampleVerdicts(
                pb.RecordSampleVerdictsRequest(plan_id=plan.id, verdicts=verdicts), metadata=bearer("unit")
            )
        )
        assert code == grpc.StatusCode.PERMISSION_DENIED and "issue11.sample-verdicts" in details
        await system.scoring.RecordSampleVerdicts(
            pb.RecordSampleVerdictsRequest(plan_id=plan.id, verdicts=verdicts), metadata=bearer("district")
        )
        district = await system.scoring.SaveSheetDraft(
            pb.SaveSheetDraftRequest(input=_district_input("own-unit", plan.id)), metadata=bearer("district")
        )
        # The unit signs no district sheet; the city signs no self-check.
        code, details = await _status(
            system.scoring.SignSheet(pb.SignSheetRequest(sheet_id=district.sheet.id), metadata=bearer("unit"))
        )
        assert code == grpc.StatusCode.PERMISSION_DENIED and "附件3/附件4 三（二）2" in details
        code, details = await _status(
            system.scoring.SignSheet(pb.SignSheetRequest(sheet_id=own.sheet.id), metadata=bearer("municipal"))
        )
        assert code == grpc.StatusCode.PERMISSION_DENIED and "附件3/附件4 三（二）1" in details
        # Only the city imports a paper sheet.
        code, _ = await _status(
            system.scoring.ImportSignedSheet(_paper("own-unit"), metadata=bearer("district"))
        )
        assert code == grpc.StatusCode.PERMISSION_DENIED
        # Each signs its own, and the signer is the call's identity.
        signed = await system.scoring.SignSheet(
            pb.SignSheetRequest(sheet_id=district.sheet.id), metadata=bearer("district")
        )
        assert (signed.sheet.signer_organisation, signed.sheet.signer_role, signed.sheet.signer_person) == (
            "district:wanzhou",
            "DISTRICT_TASK_FORCE",
            "d.clerk",
        )
        own_signed = await system.scoring.SignSheet(
            pb.SignSheetRequest(sheet_id=own.sheet.id), metadata=bearer("unit")
        )
        assert (own_signed.sheet.signer_organisation, own_signed.sheet.signer_role) == (
            "unit:own-unit",
            "UNIT",
        )
        # Every refusal is on the record, naming the rule.
        engine, store = system.engines["scoring"], system.stores["scoring"]
        with Session(engine) as session:  # type: ignore[arg-type]
            refusals = [
                event.payload(AccessDenied)
                for organisation in ("unit:own-unit", "municipal", "district:wanzhou")
                for event in store.read(session, denial_stream(organisation))  # type: ignore[attr-defined]
            ]
        assert [(r.method, r.rule.split(":")[0]) for r in refusals] == [  # type: ignore[attr-defined]
            ("RecordSampleVerdicts", "issue11.sample-verdicts"),
            ("SignSheet[DISTRICT_ACCEPTANCE]", "issue7.district-acceptance"),
            ("SignSheet[SELF_CHECK]", "issue7.own-self-check"),
            ("ImportSignedSheet", "issue11.import-signed-sheet"),
        ]
    finally:
        for stop in stops:
            await stop()
