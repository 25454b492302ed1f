"""The `zdz.workflows.by_stage` gauge: running processes per stage, counted through Temporal visibility.

A gauge is read synchronously at collection time, so the worker counts in the background (one `count_workflows`
per stage, every ZDZ_METRICS_REFRESH_SECONDS) and the gauge reads the last counts. While Temporal does not
answer, the last counts stay (and a warning is logged); before the first answer the gauge shows nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable

from temporalio.client import Client

from zdz_common.metrics import add_gauge, remove_gauge
from zdz_common.vocabulary import Stage
from zdz_workflow.temporal import search_attributes

log = logging.getLogger(__name__)

GAUGE = "zdz.workflows.by_stage"
DEFAULT_REFRESH_SECONDS = 30.0


def stage_query(stage: Stage) -> str:
    """The visibility query for the running processes in `stage` (what an operator would type too)."""
    return (
        f"WorkflowType='ZdzProcess' AND ExecutionStatus='Running' AND "
        f"{search_attributes.STAGE.name}='{stage.value}'"
    )


class StageCounts:
    """Running processes per stage, refreshed from Temporal visibility; `run` is a runtime task."""

    def __init__(self, client: Client, *, refresh_seconds: float = DEFAULT_REFRESH_SECONDS) -> None:
        self._client = client
        self._refresh_seconds = max(refresh_seconds, 0.1)  # 0 or less would ask Temporal without pause
        self._counts: dict[Stage, int] = {}

    async def refresh(self) -> dict[Stage, int]:
        """Count every stage again (all or nothing: a failed pass keeps the previous counts)."""
        counts = {}
        for stage in Stage:
            counted = await self._client.count_workflows(stage_query(stage))
            counts[stage] = counted.count
        self._counts = counts
        return counts

    def observe(self) -> Iterable[tuple[float, dict[str, str]]]:
        for stage, count in list(self._counts.items()):
            yield float(count), {"zdz.stage": stage.value}

    async def run(self, stop: asyncio.Event) -> None:
        add_gauge(GAUGE, self.observe)
        try:
            while not stop.is_set():
                try:
                    await self.refresh()
                except Exception as error:  # Temporal briefly away: keep the last counts, try again later
                    log.warning("could not count the processes per stage: %s", error)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self._refresh_seconds)
        finally:
            remove_gauge(GAUGE, self.observe)
