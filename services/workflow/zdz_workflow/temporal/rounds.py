"""What other systems ask of the spot-check rounds, carried to Temporal: start one per draw, close, read."""

from __future__ import annotations

from typing import Any

from temporalio.client import Client, WorkflowHandle, WorkflowQueryFailedError, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from zdz_common.context import CommandContext
from zdz_common.errors import FailedPrecondition, NotFound
from zdz_workflow.domain.spot_check_rounds import SpotCheckDraw, SpotCheckRound, check_close
from zdz_workflow.temporal.processes import _code  # the rules of a workflow id's parts, in one place
from zdz_workflow.temporal.refusals import domain_error_of
from zdz_workflow.temporal.round_workflow import CloseRound, RoundInput, SpotCheckRoundWorkflow, round_id


class SpotCheckRounds:
    def __init__(self, client: Client, *, task_queue: str) -> None:
        self._client = client
        self._task_queue = task_queue

    async def start(self, draw: SpotCheckDraw, **input: Any) -> bool:
        """Start the draw's round; False when it was started before (a redelivered event), whatever became of it.
        `input`: RoundInput's other fields (drills and tests)."""
        try:
            await self._client.start_workflow(
                SpotCheckRoundWorkflow.run,
                RoundInput(draw=draw, **input),
                id=round_id(draw.draw_id),
                task_queue=self._task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                static_summary=f"市级抽查轮次「{draw.round}」（抽取 {draw.draw_id}）",
            )
        except WorkflowAlreadyStartedError:
            return False
        return True

    async def close(self, draw_id: str, context: CommandContext, reason: str) -> SpotCheckRound:
        """Close the round now; refused when it has closed already."""
        handle = self._handle(draw_id)
        command = CloseRound(actor=context.actor, request_id=context.request_id, reason=reason)
        try:
            round: SpotCheckRound = await handle.execute_update(
                SpotCheckRoundWorkflow.close, command, id=command.request_id
            )
        except WorkflowUpdateFailedError as error:
            cause = error.cause
            refused = domain_error_of(cause) if isinstance(cause, ApplicationError) else None
            if refused is not None:
                raise refused from None
            raise
        except RPCError as error:
            if error.status is not RPCStatusCode.NOT_FOUND:
                raise
            check_close(await self._round(handle), closing=False)  # ended: closed already
            raise FailedPrecondition("该抽查轮次已结束", field="draw_id") from None
        return round

    async def get(self, draw_id: str) -> SpotCheckRound:
        return await self._round(self._handle(draw_id))

    def _handle(self, draw_id: str) -> WorkflowHandle[Any, Any]:
        return self._client.get_workflow_handle(round_id(_code(draw_id, "draw_id")))

    @staticmethod
    async def _round(handle: WorkflowHandle[Any, Any]) -> SpotCheckRound:
        try:
            round: SpotCheckRound = await handle.query(SpotCheckRoundWorkflow.round)
        except RPCError as error:
            if error.status is RPCStatusCode.NOT_FOUND:
                raise NotFound("没有该抽查轮次", field="draw_id") from None
            raise
        except WorkflowQueryFailedError as error:
            raise FailedPrecondition(f"抽查轮次暂时无法读取：{error.message}") from error
        return round
