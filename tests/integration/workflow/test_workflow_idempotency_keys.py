"""An idempotency key names one command (issue 16): the workflow answers a retry with the first result, and
refuses the key on another command or request with FAILED_PRECONDITION naming the key, applying nothing."""

from __future__ import annotations

import grpc
import pytest

from tests.integration.workflow.harness import TOWN
from tests.integration.workflow.test_workflow_grpc import Facade, facade, who
from zdz.workflow.v1 import workflow_pb2 as pb

__all__ = ["facade"]  # the fixture, shared with the facade's own tests


async def test_a_key_used_for_one_command_is_refused_for_another_and_nothing_is_applied(
    facade: Facade,
) -> None:
    stub, ref = facade.stub, facade.ref(TOWN)
    start = pb.StartProcessRequest(unit_id=TOWN.unit_id, campaign=pb.Campaign(name=facade.campaign))
    await stub.StartProcess(start, metadata=who())
    keyed = [*who("zhang.min"), ("x-idempotency-key", "survey-done-1")]
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
    assert "survey-done-1" in (refused.value.details() or "")
    # The same command with other content under the same key: refused as well.
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.CompleteSurvey(
            pb.CompleteSurveyRequest(process=ref, evidence=["ledger:other"]), metadata=keyed
        )
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    process = (await stub.GetProcess(pb.GetProcessRequest(process=ref), metadata=who())).process
    assert process.stage == pb.STAGE_PLAN
    assert len((await stub.GetProcessHistory(history, metadata=who())).entries) == steps
