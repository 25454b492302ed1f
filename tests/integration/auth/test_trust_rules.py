"""Issue 16's trust rules, tried as an attacker would, through real gRPC servers with real tokens:
- a sheet does not change hands: the unit cannot re-save the district's acceptance draft as its own self-check,
  nor sign it, and the district still signs it;
- nobody accepts their own work, and the verification step names who verified;
- sampling is not shoppable: one plan per unit and round, the seed the system's, a redraw only with the municipal
  task force's approval and a reason, both recorded;
- an idempotency key names one request: a streamed ledger import under a used key with other rows is refused
  FAILED_PRECONDITION naming the key, and writes nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest
from sqlmodel import Session, select

from tests.integration.auth.harness import System, bearer
from tests.integration.scoring.ledgers import import_rows, town_rows
from tests.integration.scoring.test_scoring_grpc import _district_input, _town_input
from zdz.events.v1 import refs_pb2
from zdz.registry.v1 import ledger_pb2 as lpb
from zdz.registry.v1 import registry_pb2 as rpb
from zdz.scoring.v1 import events_pb2
from zdz.scoring.v1 import scoring_pb2 as pb
from zdz_common.eventstore import EventRecord, RecordedEvent

SAMPLED = "sampled-unit"  # a town of the own district with a ledger, for the sampling rounds


@pytest.fixture(scope="module")
async def ledgers(system: System) -> System:
    await system.registry.CreateUnit(
        rpb.CreateUnitRequest(
            unit=rpb.Unit(
                id=SAMPLED,
                district_code="wanzhou",
                kind=refs_pb2.UNIT_KIND_TOWN,
                name="抽样镇",
                target_year=2027,
            )
        ),
        metadata=bearer("municipal"),
    )
    for unit in ("own-unit", SAMPLED):
        await import_rows(system.ledger, unit, town_rows(), metadata=bearer("service"))
    return system


async def _status(call) -> tuple[grpc.StatusCode, str]:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    return caught.value.code(), caught.value.details() or ""


def _events(system: System, service: str, stream_prefix: str = "") -> list[EventRecord]:
    with Session(system.engines[service]) as session:  # type: ignore[arg-type]
        return list(
            session.exec(
                select(EventRecord).where(EventRecord.stream_id.startswith(stream_prefix))  # type: ignore[attr-defined]
            )
        )


async def _plan_with_verdicts(system: System, unit_id: str) -> pb.SamplingPlan:
    district = bearer("district")
    plan = (
        await system.scoring.DrawSamplingPlan(pb.DrawSamplingPlanRequest(unit_id=unit_id), metadata=district)
    ).plan
    verdicts = [
        pb.SampleVerdict(object=group.object, id=draw.id, passed=True)
        for group in plan.groups
        if group.object in (pb.SAMPLE_OBJECT_RESIDENTIAL, pb.SAMPLE_OBJECT_NON_RESIDENTIAL)
        for draw in group.draws
    ]
    request = pb.RecordSampleVerdictsRequest(plan_id=plan.id, verdicts=verdicts)
    return (await system.scoring.RecordSampleVerdicts(request, metadata=district)).plan


# --- a sheet keeps its kind, its unit and its owner ----------------------------------------------------------------


async def test_a_unit_cannot_take_over_the_districts_acceptance_draft_and_the_district_still_signs_it(
    ledgers: System,
) -> None:
    system = ledgers
    plan = await _plan_with_verdicts(system, "own-unit")
    acceptance = _district_input("own-unit", plan.id)
    saved = await system.scoring.SaveSheetDraft(
        pb.SaveSheetDraftRequest(sheet_id="acceptance-own-1", input=acceptance), metadata=bearer("district")
    )
    # The attack: re-save the district's draft id as the unit's own self-check, then sign it.
    takeover = pb.SaveSheetDraftRequest(sheet_id="acceptance-own-1", input=_town_input("own-unit"))
    code, details = await _status(system.scoring.SaveSheetDraft(takeover, metadata=bearer("unit")))
    assert code == grpc.StatusCode.PERMISSION_DENIED and "issue16.sheet-owner" in details
    code, _ = await _status(
        system.scoring.SignSheet(pb.SignSheetRequest(sheet_id="acceptance-own-1"), metadata=bearer("unit"))
    )
    assert code == grpc.StatusCode.PERMISSION_DENIED
    get = pb.GetSheetRequest(sheet_id="acceptance-own-1")
    stored = (await system.scoring.GetSheet(get, metadata=bearer("district"))).sheet
    assert stored.sheet_kind == pb.SHEET_KIND_DISTRICT_ACCEPTANCE and stored.version == saved.sheet.version
    signed = await system.scoring.SignSheet(
        pb.SignSheetRequest(sheet_id="acceptance-own-1"), metadata=bearer("district")
    )
    assert (signed.sheet.state, signed.sheet.signer_role) == (pb.SHEET_STATE_SIGNED, "DISTRICT_TASK_FORCE")


# --- nobody accepts their own work, and the step names who verified ----------------------------------------------


async def _rectified(system: System, code: str) -> str:
    unit, ledger = bearer("unit"), system.ledger
    problem = lpb.Problem(
        code=code,
        entity_class=lpb.ENTITY_CLASS_SOURCE_HOUSEHOLD,
        entity_code="H-01",
        type=lpb.PROBLEM_TYPE_MIXED_CONNECTION,
        location="小区北门雨水井",
        found_by=lpb.FOUND_BY_SURVEY,
        found_on="2024-08-20",
    )
    recorded = await ledger.RecordLedgerRow(
        lpb.RecordLedgerRowRequest(unit_id="own-unit", row=lpb.LedgerRow(problem=problem)), metadata=unit
    )
    moves = [
        (ledger.OpenTask, lpb.OpenTaskRequest(owner="街道办", deadline="2099-12-31")),
        (ledger.AssignTask, lpb.AssignTaskRequest(assignee="渝东市政公司")),
        (ledger.RectifyTask, lpb.RectifyTaskRequest(step=lpb.Step(evidence=["photo://1"]))),
    ]
    for move, request in moves:
        request.unit_id, request.problem_id = "own-unit", recorded.id
        await move(request, metadata=unit)
    return recorded.id


async def test_a_verification_records_the_verifier_never_a_name_the_caller_writes(ledgers: System) -> None:
    system = ledgers
    problem_id = await _rectified(system, "Q-T16-1")
    verify = lpb.VerifyTaskRequest(
        unit_id="own-unit", problem_id=problem_id, step=lpb.Step(by="市级专班 李四", evidence=["核验记录-1"])
    )
    code, details = await _status(system.ledger.VerifyTask(verify, metadata=bearer("unit")))
    assert code == grpc.StatusCode.PERMISSION_DENIED and "issue11.verify-not-own-work" in details
    # The district may not record the verification in the city's name …
    code, details = await _status(system.ledger.VerifyTask(verify, metadata=bearer("district")))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and details.startswith("step.by")
    # … its own verification names it.
    verify.step.by = ""
    verified = (await system.ledger.VerifyTask(verify, metadata=bearer("district"))).problem
    assert verified.task.state == lpb.TASK_STATE_VERIFIED
    assert verified.task.steps[-1].by == "district:wanzhou/d.clerk"


async def test_a_service_recording_a_verification_names_the_verifier_not_itself(ledgers: System) -> None:
    system = ledgers
    problem_id = await _rectified(system, "Q-T16-2")
    row = lpb.LedgerRow(
        task_step=lpb.TaskStep(
            problem_code="Q-T16-2", action=lpb.TASK_ACTION_VERIFY, step=lpb.Step(evidence=["x"])
        )
    )
    record = lpb.RecordLedgerRowRequest(unit_id="own-unit", row=row)
    code, details = await _status(system.ledger.RecordLedgerRow(record, metadata=bearer("service")))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and details.startswith("step.by")
    row.task_step.step.by = "万州区住建委 王五"
    await system.ledger.RecordLedgerRow(
        lpb.RecordLedgerRowRequest(unit_id="own-unit", row=row), metadata=bearer("service")
    )
    problem = (
        await system.ledger.GetProblem(lpb.GetProblemRequest(id=problem_id), metadata=bearer("district"))
    ).problem
    assert problem.task.steps[-1].by == "万州区住建委 王五"


# --- one sampling plan per unit and round ------------------------------------------------------------------------


async def test_a_district_draws_a_units_plan_once_per_round_and_a_redraw_needs_the_citys_approval(
    ledgers: System,
) -> None:
    system = ledgers
    district, city = bearer("district"), bearer("municipal")
    draw = pb.DrawSamplingPlanRequest(unit_id=SAMPLED)
    first = (await system.scoring.DrawSamplingPlan(draw, metadata=district)).plan
    # Shopping for a sample: again, or with a seed of its own: refused.
    code, details = await _status(system.scoring.DrawSamplingPlan(draw, metadata=district))
    assert (
        code == grpc.StatusCode.FAILED_PRECONDITION
        and first.id in details
        and "issue16.sampling-redraw" in details
    )
    code, details = await _status(
        system.scoring.DrawSamplingPlan(
            pb.DrawSamplingPlanRequest(unit_id=SAMPLED, seed=7), metadata=district
        )
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT and details.startswith("seed")
    # The district cannot approve its own redraw; the city must give a reason.
    approve = pb.ApproveSamplingPlanRedrawRequest(plan_id=first.id, reason="台账导入有误，样本失真")
    code, details = await _status(system.scoring.ApproveSamplingPlanRedraw(approve, metadata=district))
    assert code == grpc.StatusCode.PERMISSION_DENIED and "issue16.sampling-redraw" in details
    code, details = await _status(
        system.scoring.ApproveSamplingPlanRedraw(
            pb.ApproveSamplingPlanRedrawRequest(plan_id=first.id, reason="  "), metadata=city
        )
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT and details.startswith("reason")
    code, details = await _status(  # the reason is checked at the edge like every text: no bidi override
        system.scoring.ApproveSamplingPlanRedraw(
            pb.ApproveSamplingPlanRedrawRequest(plan_id=first.id, reason="台账有误\u202e"), metadata=city
        )
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT and details.startswith("reason")
    approved = (await system.scoring.ApproveSamplingPlanRedraw(approve, metadata=city)).plan
    assert (approved.redraw_approval.reason, approved.redraw_approval.approver_role) == (
        "台账导入有误，样本失真",
        "MUNICIPAL_TASK_FORCE",
    )
    # The approved redraw replaces the round's plan, once.
    second = (await system.scoring.DrawSamplingPlan(draw, metadata=district)).plan
    assert second.replaces_plan_id == first.id and second.drawn_on_approval == approved.redraw_approval
    replaced = (
        await system.scoring.GetSamplingPlan(pb.GetSamplingPlanRequest(plan_id=first.id), metadata=city)
    ).plan
    assert replaced.replaced_by_plan_id == second.id
    # The replaced plan serves nothing more: no verdicts on it, no sheet names it.
    stray = pb.SampleVerdict(object=pb.SAMPLE_OBJECT_RESIDENTIAL, id="H-01", passed=True)
    code, details = await _status(
        system.scoring.RecordSampleVerdicts(
            pb.RecordSampleVerdictsRequest(plan_id=first.id, verdicts=[stray]), metadata=district
        )
    )
    assert code == grpc.StatusCode.FAILED_PRECONDITION and second.id in details
    preview = pb.PreviewSheetRequest(input=_district_input(SAMPLED, first.id))
    code, details = await _status(system.scoring.PreviewSheet(preview, metadata=district))
    assert code == grpc.StatusCode.FAILED_PRECONDITION and details.startswith("input.sampling_plan_id")
    code, _ = await _status(system.scoring.DrawSamplingPlan(draw, metadata=district))
    assert code == grpc.StatusCode.FAILED_PRECONDITION
    # The events record the system's seed, the plan replaced and the approval with its reason and approver.
    [drawn] = [
        RecordedEvent.from_record(r).payload(events_pb2.SamplingPlanDrawn)
        for r in _events(system, "scoring", f"sampling_plan-{second.id}")
    ]
    assert drawn.seed == str(second.seed) and drawn.replaces_plan_id == first.id  # type: ignore[attr-defined]
    assert drawn.redraw_approval.approver_organisation == "municipal"  # type: ignore[attr-defined]


# --- an idempotency key names one request, streams included ------------------------------------------------------


async def test_a_ledger_import_under_a_used_key_with_other_rows_is_refused_naming_the_key(
    ledgers: System,
) -> None:
    system = ledgers
    keyed = (*bearer("service"), ("x-idempotency-key", "import-t16-1"))

    def stream(*codes: str) -> AsyncIterator[lpb.ImportLedgerRowsRequest]:
        async def requests() -> AsyncIterator[lpb.ImportLedgerRowsRequest]:
            yield lpb.ImportLedgerRowsRequest(options=lpb.ImportOptions(unit_id="other-unit"))
            for code in codes:
                household = lpb.SourceHousehold(
                    code=code,
                    name=f"小区{code}",
                    kind=lpb.HOUSEHOLD_KIND_RESIDENTIAL,
                    building=lpb.BUILDING_NON_SINGLE,
                )
                yield lpb.ImportLedgerRowsRequest(rows=[lpb.LedgerRow(source_household=household)])

        return requests()

    first = await system.ledger.ImportLedgerRows(stream("K-1", "K-2"), metadata=keyed)
    events = len(_events(system, "registry"))
    again = await system.ledger.ImportLedgerRows(stream("K-1", "K-2"), metadata=keyed)
    assert again == first and len(_events(system, "registry")) == events
    # Another import under the same key: refused, naming the key, and nothing of it written.
    code, details = await _status(system.ledger.ImportLedgerRows(stream("K-1", "K-3"), metadata=keyed))
    assert code == grpc.StatusCode.FAILED_PRECONDITION and "import-t16-1" in details
    listed = await system.ledger.ListLedgerRows(
        lpb.ListLedgerRowsRequest(unit_id="other-unit", entity_class=lpb.ENTITY_CLASS_SOURCE_HOUSEHOLD),
        metadata=bearer("service"),
    )
    assert sorted(r.source_household.code for r in listed.rows) == ["K-1", "K-2"]
    assert len(_events(system, "registry")) == events
