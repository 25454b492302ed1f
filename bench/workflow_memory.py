"""Memory per 1,000 open workflows: the synthetic city's processes opened and left open on the Temporal dev server.

One process per unit of the synthetic city at the chosen scale (bench/city.py: 1,138 units at 100 %, as the
programme has about 1,140 processes), each started and its `opened` Update awaited, eight in flight. Measured: the
resident set (RSS) of the Temporal dev server process and of this process, which runs the worker (and the client),
before and after; the difference per 1,000 open workflows; and each opening's latency (start + Update), p50 / p99,
which shows when the dev server starts to struggle. The worker keeps its default workflow cache (1,000).

`python -m bench.workflow_memory [--scale 10] [--seed 15] [--tiny]`.
"""

from __future__ import annotations

import asyncio
import gc
import os
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from temporalio.client import Client

from bench.city import build_city
from bench.common import print_latencies, scale_argument, timed
from bench.workflow_lifecycles import CLERK, SHEETS, NoProblems
from zdz_common.vocabulary import UnitKind
from zdz_local.temporal_dev import TemporalDevServer
from zdz_workflow.bootstrap import bootstrap
from zdz_workflow.domain.calendar import SHANGHAI
from zdz_workflow.domain.commands import OpenProcess
from zdz_workflow.domain.units import UnitInfo
from zdz_workflow.domain.values import Campaign
from zdz_workflow.temporal import client as temporal
from zdz_workflow.temporal.payloads import ProcessInput, process_id
from zdz_workflow.temporal.worker import build_worker
from zdz_workflow.temporal.workflows import ProcessWorkflow

CONCURRENCY = 8


def rss_bytes(pid: int) -> int:
    """The resident set of a process and its children (the dev server may fork), from /proc."""
    total = 0
    pids = [pid]
    while pids:
        current = pids.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except FileNotFoundError:
            continue
        pids.extend(int(c) for c in children)
    return total


async def open_process(
    client: Client, task_queue: str, campaign: Campaign, unit: UnitInfo, samples: list[float]
) -> None:
    opening = OpenProcess(
        actor=CLERK,
        request_id=str(uuid.uuid4()),
        at=datetime.now(SHANGHAI) - timedelta(days=1),
        unit_id=unit.unit_id,
        unit_kind=unit.kind,
        campaign=campaign,
    )
    start = time.perf_counter()
    handle = await client.start_workflow(
        ProcessWorkflow.run,
        ProcessInput(unit=unit, open=opening),  # type: ignore[arg-type]
        id=process_id(unit.district_code, unit.unit_id, campaign.name),
        task_queue=task_queue,
    )
    await handle.execute_update(ProcessWorkflow.opened)
    samples.append(time.perf_counter() - start)


async def run(scale: float, seed: int, folder: Path, limit: int | None) -> None:
    city = build_city(scale, seed)
    units = [
        UnitInfo(u.unit_id or "", u.district_code, u.kind, u.details.name, u.details.along_river, 2027)
        for u in city.units
    ][:limit]
    server = TemporalDevServer(folder / "temporal.db", headless=True).start()
    assert server.process is not None
    try:
        client = await temporal.connect(server.address, wait_seconds=30)
        app = bootstrap(
            f"sqlite:///{folder / 'workflow.db'}",
            holidays_dir=folder / "holidays",
            ledger=NoProblems(),
            sheets=SHEETS,
        )
        queue = f"bench-memory-{uuid.uuid4()}"
        campaign = Campaign(name=f"bench{uuid.uuid4().hex[:6]}")
        samples: list[float] = []
        async with build_worker(client, app.activities, rounds=app.rounds, task_queue=queue):
            # One process first so that both processes have loaded everything they load once.
            warm = UnitInfo("bench-warm-up", "bench", UnitKind.TOWN, "预热镇", False, 2027)
            await open_process(client, queue, campaign, warm, [])
            await asyncio.sleep(1.0)
            gc.collect()
            server_before, worker_before = rss_bytes(server.process.pid), rss_bytes(os.getpid())
            pending = iter(units)

            async def opener() -> None:
                for unit in pending:
                    await open_process(client, queue, campaign, unit, samples)

            with timed() as timer:
                await asyncio.gather(*(opener() for _ in range(CONCURRENCY)))
            await asyncio.sleep(1.0)
            gc.collect()
            server_after, worker_after = rss_bytes(server.process.pid), rss_bytes(os.getpid())
        app.engine.dispose()
    finally:
        server.stop()
    opened = len(units)
    per_thousand = 1000 / opened / 2**20
    print(
        f"\nworkflow: memory per 1,000 open workflows ({scale:g} % city, {opened} processes opened and left open, "
        f"{CONCURRENCY} in flight, {opened / timer.seconds:.1f} opened/s)"
    )
    print(f"{'process':<44} {'RSS before MiB':>15} {'RSS after MiB':>14} {'per 1,000 MiB':>14}")
    for name, before, after in (
        ("Temporal dev server (SQLite, one shard)", server_before, server_after),
        ("worker process (worker + client, this one)", worker_before, worker_after),
    ):
        print(
            f"{name:<44} {before / 2**20:>15.1f} {after / 2**20:>14.1f} {(after - before) * per_thousand:>14.1f}"
        )
    print_latencies(
        "workflow: opening a process (start + opened Update), as the open set grows",
        [
            ("all openings", samples),
            ("the first half", samples[: len(samples) // 2] or samples),
            ("the second half", samples[len(samples) // 2 :]),
        ],
    )


def main(argv: list[str] | None = None) -> None:
    _, scale, seed, tiny = scale_argument(argv, 0)
    with tempfile.TemporaryDirectory(prefix="zdz-bench-memory-") as folder:
        asyncio.run(run(min(scale, 1.0) if tiny else scale, seed, Path(folder), 4 if tiny else None))


if __name__ == "__main__":
    main()
