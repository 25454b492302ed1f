"""A municipal spot-check round as a durable Temporal workflow (附件3/附件4 三（二）4 市级抽查).

The scoring service records the draw and publishes it (zdz.scoring.spot_check.drawn); the service's consumer
starts one of these per draw (`ZdzSpotCheckRound`, id "zdz-spot-check-round/<draw_id>", so a redelivered event
starts nothing). The round:
1. finds each drawn unit's and each candidate's current process (an activity reading the service's event store),
2. moves each drawn process FILED → SPOT_CHECK with the process's own DrawForSpotCheck step,
3. waits for CloseSpotCheckRound (the update `Close`) or the city's deadline, 24:00 Asia/Shanghai of `closes_on`
   (a durable timer),
4. releases every candidate not drawn that is still filed, FILED → ACCEPTED (the process's CloseSpotCheckWindow
   step), publishes SpotCheckRoundClosed, and ends with its record (the query `Round` reads it, also after).

How a round moves a process. A workflow cannot send an update to another workflow, and a signal would not say
whether the step was refused (a drawn unit no longer filed must show in the round as not moved, with why). So an
activity sends the process its existing update through the worker's client and returns the refusal, if any. The
process's rules decide as for any command; the request id ("<round id>/drawn", "/released") is also the update
id, so a retried activity changes nothing. Names (workflow type, id prefix, update, query, activities) never
change; see temporal/workflows.py on determinism and `workflow.patched`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from zdz_common.context import SYSTEM, Actor
    from zdz_common.errors import DomainError
    from zdz_workflow.domain.commands import CloseSpotCheckWindow, DrawForSpotCheck
    from zdz_workflow.domain.spot_check_rounds import (
        Moved,
        SpotCheckDraw,
        SpotCheckRound,
        Unmoved,
        check_close,
        deadline_reason,
    )
    from zdz_workflow.domain.units import UnitInfo
    from zdz_workflow.temporal.refusals import refusal
    from zdz_workflow.temporal.round_activities import MoveProcess, SpotCheckRoundActivities, round_id

NO_PROCESS = "没有该单元的流程"
_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))


@dataclass(frozen=True)
class RoundInput:
    draw: SpotCheckDraw
    # Drills and tests: the round's clock runs this far from the server's, like the processes' (0 in production).
    clock_offset: timedelta = timedelta(0)


@dataclass(frozen=True)
class CloseRound:
    """CloseSpotCheckRound: the municipal task force closes the round before its deadline."""

    actor: Actor
    request_id: str
    reason: str = ""


@workflow.defn(name="ZdzSpotCheckRound")
class SpotCheckRoundWorkflow:
    @workflow.init
    def __init__(self, input: RoundInput) -> None:
        self._round = SpotCheckRound(draw=input.draw)
        self._offset = input.clock_offset
        self._closing: CloseRound | None = None

    @workflow.run
    async def run(self, input: RoundInput) -> SpotCheckRound:
        draw = input.draw
        units = (*draw.drawn, *draw.not_drawn)
        located = await workflow.execute_activity_method(
            SpotCheckRoundActivities.locate_processes,
            units,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=_RETRY,
            summary=f"查找抽查轮次「{draw.round}」各单元的流程：{len(units)} 个",
        )
        self._round = SpotCheckRound(
            draw=draw, located=tuple(Moved(u, p) for u, p in zip(units, located, strict=True))
        )
        rid = round_id(draw.draw_id)
        drawn_at = self._now()
        for unit in draw.drawn:
            command = DrawForSpotCheck(
                actor=draw.drawn_by,
                request_id=f"{rid}/drawn",
                at=drawn_at,
                reason=f"市级抽查轮次「{draw.round}」抽中",
                evidence=draw.evidence,
                draw_id=draw.draw_id,
            )
            self._round = self._round.with_drawn(await self._move(unit, MoveProcess("", draw=command)))
        await self._until_closed(draw)
        closing = self._closing
        if closing is not None:
            by, reason = closing.actor, closing.reason or f"市级工作专班结束抽查轮次「{draw.round}」"
        else:
            by, reason = SYSTEM, deadline_reason(draw)
        at = self._now()
        for unit in draw.not_drawn:
            release = CloseSpotCheckWindow(
                actor=by, request_id=f"{rid}/released", at=at, reason=reason, evidence=draw.evidence
            )
            self._round = self._round.with_released(await self._move(unit, MoveProcess("", release=release)))
        self._round = self._round.closed(at, by, reason)
        await workflow.execute_activity_method(
            SpotCheckRoundActivities.publish_round_closed,
            self._round,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=_RETRY,
            summary="发布抽查轮次结束事件",
        )
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._round

    @workflow.query(name="Round")
    def round(self) -> SpotCheckRound:
        return self._round

    @workflow.update(name="Close")
    async def close(self, command: CloseRound) -> SpotCheckRound:
        """Close the round now: the candidates not drawn are released; answered once they are."""
        self._closing = command
        await workflow.wait_condition(lambda: self._round.closed_at is not None)
        return self._round

    @close.validator
    def _validate_close(self, command: CloseRound) -> None:
        try:
            check_close(self._round, self._closing is not None)
        except DomainError as error:
            raise refusal(error) from None

    def _now(self) -> datetime:
        return workflow.now() + self._offset

    async def _until_closed(self, draw: SpotCheckDraw) -> None:
        def closing() -> bool:
            return self._closing is not None

        closes_at = draw.closes_at
        if closes_at is None:
            await workflow.wait_condition(closing)
            return
        delay = closes_at - self._now()
        if delay <= timedelta(0):
            return  # started after its deadline (a late event): closes at once
        try:
            await workflow.wait_condition(
                closing, timeout=delay, timeout_summary=f"{draw.closes_on} 24:00 截止"
            )
        except TimeoutError:
            pass

    async def _move(self, unit: UnitInfo, step: MoveProcess) -> Moved | Unmoved:
        process_id = self._round.process_of(unit)
        if not process_id:
            return Unmoved(unit, NO_PROCESS)
        refused = await workflow.execute_activity_method(
            SpotCheckRoundActivities.move_process,
            MoveProcess(process_id, draw=step.draw, release=step.release),
            start_to_close_timeout=timedelta(minutes=1),
            retry_policy=_RETRY,
            summary=f"{'抽中' if step.draw else '未抽中，验收通过'}：{unit.name}",
        )
        return Unmoved(unit, refused) if refused else Moved(unit, process_id)
