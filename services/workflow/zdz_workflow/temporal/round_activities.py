"""The spot-check round's activities: find the units' processes, move one, publish the round's close."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from temporalio import activity
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from zdz_common.context import CommandContext
from zdz_common.eventstore import EventStore
from zdz_common.telemetry import current_traceparent
from zdz_workflow.adapters import event_mapping
from zdz_workflow.domain.commands import CloseSpotCheckWindow, DrawForSpotCheck
from zdz_workflow.domain.spot_check_rounds import SpotCheckRound
from zdz_workflow.domain.units import UnitInfo
from zdz_workflow.service_layer import effects
from zdz_workflow.service_layer.rounds import current_process_id
from zdz_workflow.temporal.refusals import domain_error_of
from zdz_workflow.temporal.workflows import ProcessWorkflow

PROCESS_ENDED = "流程已结束"
ROUND_ID_PREFIX = "zdz-spot-check-round"


def round_id(draw_id: str) -> str:
    """The round's workflow id, which is also its stream in the service's event store."""
    return f"{ROUND_ID_PREFIX}/{draw_id}"


@dataclass(frozen=True)
class MoveProcess:
    """One step a round asks of a process: the draw, or the release."""

    process_id: str
    draw: DrawForSpotCheck | None = None
    release: CloseSpotCheckWindow | None = None


class SpotCheckRoundActivities:
    def __init__(self, *, engine: Engine, store: EventStore) -> None:
        self._engine = engine
        self._store = store

    @activity.defn(name="LocateRoundProcesses")
    async def locate_processes(self, units: tuple[UnitInfo, ...]) -> tuple[str, ...]:
        """Each unit's current process id, "" where it has none."""

        def locate() -> tuple[str, ...]:
            return tuple(current_process_id(self._engine, u.district_code, u.unit_id) or "" for u in units)

        return await asyncio.to_thread(locate)

    @activity.defn(name="MoveRoundProcess")
    async def move_process(self, step: MoveProcess) -> str:
        """Send the process its step as an update; "" when taken, else the process's refusal in its words."""
        handle = activity.client().get_workflow_handle(step.process_id)
        try:
            if step.draw is not None:
                command = step.draw
                await handle.execute_update(
                    ProcessWorkflow.draw_for_spot_check, command, id=command.request_id
                )
            else:
                assert step.release is not None, "a round moves a process by the draw or the release"
                command = step.release
                await handle.execute_update(
                    ProcessWorkflow.close_spot_check_window, command, id=command.request_id
                )
        except WorkflowUpdateFailedError as error:
            refused = domain_error_of(error.cause) if isinstance(error.cause, ApplicationError) else None
            if refused is None:
                raise
            return refused.message
        except RPCError as error:
            if error.status is RPCStatusCode.NOT_FOUND:  # closed, e.g. handed over to a new campaign
                return PROCESS_ENDED
            raise
        return ""

    @activity.defn(name="PublishRoundClosed")
    async def publish_round_closed(self, round: SpotCheckRound) -> None:
        """SpotCheckRoundClosed into the service's event store (the outbox takes it to JetStream), once."""
        assert round.closed_by is not None
        stream = round_id(round.draw.draw_id)
        context = CommandContext(
            actor=round.closed_by, request_id=f"{stream}/closed", traceparent=current_traceparent()
        )
        await asyncio.to_thread(
            effects.append_to_stream,
            self._engine,
            self._store,
            stream,
            0,
            [(context, [event_mapping.round_closed_event(round)])],
        )

    def all(self) -> list[object]:
        return [self.locate_processes, self.move_process, self.publish_round_closed]
