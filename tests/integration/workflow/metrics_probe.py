"""Run in a process of its own by test_workflow_metrics.py (the meter provider is process-global): on a real
Temporal dev server, with the service's worker and activities, a town opened for a campaign whose survey deadline
has passed (the workflow records it missed at once) and a park group walked on to its plan; the workflow worker's
stage counter refreshing from Temporal visibility. Prints the metrics as `METRICS {...}` lines: while the counter
runs, then once it has stopped."""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from zdz_common.metrics import configure_metrics

READER = InMemoryMetricReader()
configure_metrics("probe", reader=READER)

from tests.integration.workflow.harness import DISTRICT, PARK, PARK_OFFICE, TOWN, Harness  # noqa: E402
from zdz_local.temporal_dev import TemporalDevServer  # noqa: E402
from zdz_workflow.domain.calendar import SHANGHAI  # noqa: E402
from zdz_workflow.domain.commands import CompleteSurvey, OpenProcess  # noqa: E402
from zdz_workflow.domain.stages import DeadlineKind  # noqa: E402
from zdz_workflow.domain.units import UnitInfo  # noqa: E402
from zdz_workflow.domain.values import Campaign  # noqa: E402
from zdz_workflow.temporal.client import connect  # noqa: E402
from zdz_workflow.temporal.stage_counts import StageCounts  # noqa: E402
from zdz_workflow.temporal.workflows import ProcessWorkflow as W  # noqa: E402

WITHIN_SECONDS = 30.0


def points() -> dict[str, Any]:
    exported: dict[str, Any] = json.loads(READER.get_metrics_data().to_json(indent=None))
    return exported


def value(exported: dict[str, Any], name: str, **attributes: str) -> float | None:
    for resource in exported["resource_metrics"]:
        for scope in resource["scope_metrics"]:
            for metric in scope["metrics"]:
                for point in metric["data"]["data_points"]:
                    if metric["name"] == name and point["attributes"] == attributes:
                        return float(point["value"])
    return None


async def open_process(h: Harness, unit: UnitInfo, campaign: Campaign):  # type: ignore[no-untyped-def]
    command = OpenProcess(
        actor=DISTRICT,
        request_id=f"open-{campaign.name}-{unit.unit_id}",
        at=datetime.now(SHANGHAI),
        unit_id=unit.unit_id,
        unit_kind=unit.kind,
        campaign=campaign,
    )
    return await h.start(unit, clock_starts=None, open=command)


async def main(folder: Path) -> None:
    server = TemporalDevServer(
        folder / "temporal.db", headless=True, log_file=folder / "temporal.log"
    ).start()
    try:
        await scenario(folder, server)
    finally:  # never leave a Temporal dev server behind, even when the scenario fails
        server.stop()


async def scenario(folder: Path, server: TemporalDevServer) -> None:
    client = await connect(server.address, wait_seconds=30)
    h = Harness.over(client, folder)
    stop = asyncio.Event()
    counts = StageCounts(client, refresh_seconds=0.2)
    counting = asyncio.create_task(counts.run(stop))
    try:
        async with h.worker():
            # A town whose campaign's survey was due on 2025-09-30: past, so the workflow records it missed.
            late = await open_process(h, TOWN, Campaign(name="probe-late", survey_due=date(2025, 9, 30)))
            await late.settled(lambda v: bool(v.state and v.state.deadline(DeadlineKind.SURVEY).missed))  # type: ignore[union-attr]
            # A park group on time (no fixed dates), its survey done: in its plan.
            park = await open_process(h, PARK, Campaign(name="probe-on-time"))
            await park.do(W.complete_survey, CompleteSurvey, PARK_OFFICE)
            deadline = asyncio.get_running_loop().time() + WITHIN_SECONDS
            while True:  # visibility, the counter and the publishing activity all run behind
                running = points()
                if (
                    value(running, "zdz.workflows.by_stage", **{"zdz.stage": "SURVEY"}) == 1
                    and value(running, "zdz.workflows.by_stage", **{"zdz.stage": "PLAN"}) == 1
                    and value(
                        running,
                        "zdz.deadlines.missed",
                        **{"zdz.deadline.kind": "SURVEY", "zdz.unit.kind": "TOWN"},
                    )
                ):
                    break
                if asyncio.get_running_loop().time() > deadline:
                    break  # the test says what is missing
                await asyncio.sleep(0.2)
            print("METRICS " + json.dumps(running))
    finally:
        stop.set()
        await counting
        h.app.engine.dispose()
    print("METRICS " + json.dumps(points()))


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(main(Path(tmp)))
    sys.stdout.flush()
