"""An idempotency key names one command (issue 16): the workflow answers a retry with the first result, and
refuses the key on another command or request with FAILED_PRECONDITION naming the key, applying nothing."""

from __future__ import annotations

import grpc
import pytest
from sqlmodel import Session

from tests.integration.workflow.harness import PARK, TOWN
from tests.integration.workflow.test_workflow_grpc import Facade, facade, who
from zdz.workflow.v1 import workflow_pb2 as pb
from zdz_common.eventstore.tables import IdempotencyRecord
from zdz_common.idempotency import claim_key
from zdz_workflow.entrypoints.grpc_api import WorkflowServicer

__all__ = ["facade"]  # the fixture, shared with the facade's own tests


async def test_a_key_used_for_one_command_is_refused_for_another_and_nothing_is_applied(
    facade: Facade,
) -> None:
    stub, ref = facade.stub, facade.ref(TOWN)
    start = pb.StartProcessRequest(unit_id=TOWN.unit_id, campaign=pb.Campaign(name=facade.campaign))
    await stub.StartProcess(start, metadata=who())
    key = f"{facade.campaign}-survey-done"  # keys live in the session's store: one of this test's own
    keyed = [*who("zhang.min"), ("x-idempotency-key", key)]
    survey = pb.CompleteSurveyRequest(process=ref, evidence=["ledger:2026"])
    first = (await stub.CompleteSurvey(survey, metadata=keyed)).process
    again = (await stub.CompleteSurvey(survey, metadata=keyed)).process
    assert first.stage == again.stage == pb.STAGE_PLAN
    history = pb.GetProcessHistoryRequest(process=ref)
    steps = len((await stub.GetProcessHistory(history, metadata=who())).entries)
    # The same key on another command: refused, naming the key; the plan is not submitted.
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.SubmitPlan(pb.SubmitPlanRequest(process=ref), metadata=keyed)
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert key in (refused.value.details() or "")
    # The same command with other content under the same key: refused as well.
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.CompleteSurvey(
            pb.CompleteSurveyRequest(process=ref, evidence=["ledger:other"]), metadata=keyed
        )
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    process = (await stub.GetProcess(pb.GetProcessRequest(process=ref), metadata=who())).process
    assert process.stage == pb.STAGE_PLAN
    assert len((await stub.GetProcessHistory(history, metadata=who())).entries) == steps


def _keyed(key: str, person: str = "zhang.min") -> list[tuple[str, str]]:
    return [*who(person), ("x-idempotency-key", key)]


def _refused_naming(error: pytest.ExceptionInfo[grpc.aio.AioRpcError], key: str) -> None:
    assert error.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert key in (error.value.details() or "")


async def test_a_key_used_on_one_process_is_refused_on_another_and_nothing_is_applied(
    facade: Facade,
) -> None:
    stub, town, park = facade.stub, facade.ref(TOWN), facade.ref(PARK)
    for unit in (TOWN, PARK):
        start = pb.StartProcessRequest(unit_id=unit.unit_id, campaign=pb.Campaign(name=facade.campaign))
        await stub.StartProcess(start, metadata=who())
    key = f"{facade.campaign}-survey"
    await stub.CompleteSurvey(pb.CompleteSurveyRequest(process=town), metadata=_keyed(key))
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.CompleteSurvey(pb.CompleteSurveyRequest(process=park), metadata=_keyed(key))
    _refused_naming(refused, key)
    process = (await stub.GetProcess(pb.GetProcessRequest(process=park), metadata=who())).process
    assert process.stage == pb.STAGE_SURVEY


async def test_a_start_key_reused_for_another_unit_is_refused_and_starts_nothing(facade: Facade) -> None:
    stub, key = facade.stub, f"{facade.campaign}-start"
    campaign = pb.Campaign(name=facade.campaign)
    start = pb.StartProcessRequest(unit_id=TOWN.unit_id, campaign=campaign)
    first = (await stub.StartProcess(start, metadata=_keyed(key))).process
    again = (await stub.StartProcess(start, metadata=_keyed(key))).process  # a retry: the same answer
    assert again.process_id == first.process_id
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.StartProcess(
            pb.StartProcessRequest(unit_id=PARK.unit_id, campaign=campaign), metadata=_keyed(key)
        )
    _refused_naming(refused, key)
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await stub.GetProcess(pb.GetProcessRequest(process=facade.ref(PARK)), metadata=who())
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND


async def test_a_key_reused_on_a_list_or_a_round_command_is_refused_before_it_runs(facade: Facade) -> None:
    stub, key = facade.stub, f"{facade.campaign}-used"
    start = pb.StartProcessRequest(unit_id=TOWN.unit_id, campaign=pb.Campaign(name=facade.campaign))
    await stub.StartProcess(start, metadata=_keyed(key))
    # Each would otherwise answer for itself (no such round; no park group to list): the key is refused first.
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.CloseSpotCheckRound(
            pb.CloseSpotCheckRoundRequest(draw_id=f"draw-{facade.campaign}", reason="提前结束"),
            metadata=_keyed(key),
        )
    _refused_naming(refused, key)
    listing = pb.PublishDemonstrationListRequest(
        processes=[facade.ref(PARK)], title="示范园区名单", commendation="表扬"
    )
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.PublishDemonstrationList(listing, metadata=_keyed(key))
    _refused_naming(refused, key)


async def test_a_refused_command_frees_its_key_for_the_next_request(facade: Facade) -> None:
    stub, ref, key = facade.stub, facade.ref(TOWN), f"{facade.campaign}-early"
    start = pb.StartProcessRequest(unit_id=TOWN.unit_id, campaign=pb.Campaign(name=facade.campaign))
    await stub.StartProcess(start, metadata=who())
    with pytest.raises(grpc.aio.AioRpcError) as too_early:  # no plan before the survey is complete
        await stub.SubmitPlan(pb.SubmitPlanRequest(process=ref), metadata=_keyed(key))
    assert too_early.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert key not in (too_early.value.details() or "")
    done = (await stub.CompleteSurvey(pb.CompleteSurveyRequest(process=ref), metadata=_keyed(key))).process
    assert done.stage == pb.STAGE_PLAN


def test_every_workflow_command_method_claims_its_key() -> None:
    service = pb.DESCRIPTOR.services_by_name["WorkflowService"]
    commands = [m.name for m in service.methods if not m.name.startswith(("Get", "List"))]
    assert len(commands) >= 25
    assert [name for name in commands if not getattr(getattr(WorkflowServicer, name), "keyed", False)] == []


async def test_a_retry_refused_after_a_fault_cut_off_the_first_attempt_frees_the_key(facade: Facade) -> None:
    """The first attempt claimed the key and then died of a fault (no answer, key kept: the command may have
    reached Temporal); its retry is refused, so the key is freed: a refused command leaves no trace."""
    stub, ref, key = facade.stub, facade.ref(TOWN), f"{facade.campaign}-cut-off"
    start = pb.StartProcessRequest(unit_id=TOWN.unit_id, campaign=pb.Campaign(name=facade.campaign))
    await stub.StartProcess(start, metadata=who())
    early = pb.SubmitPlanRequest(process=ref)  # no plan before the survey is complete
    engine = facade.harness.app.engine
    claim_key(engine, "wanzhou-task-force/zhang.min", key, "SubmitPlan", early)  # the attempt a fault cut off
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.SubmitPlan(early, metadata=_keyed(key))
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    with Session(engine) as session:
        assert session.get(IdempotencyRecord, ("wanzhou-task-force/zhang.min", key)) is None
