"""A workflow of the tracing probe's shape: an update that runs one activity (defined apart, with nothing but
temporalio imported, so that the workflow sandbox re-imports no more than it needs)."""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity, workflow


@activity.defn
async def record_step(step: str) -> str:
    return f"recorded {step}"


@workflow.defn
class ProbeProcess:
    def __init__(self) -> None:
        self.done = False

    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: self.done)

    @workflow.update
    async def submit(self, step: str) -> str:
        result = await workflow.execute_activity(
            record_step, step, start_to_close_timeout=timedelta(seconds=10)
        )
        self.done = True
        return result
