"""Temporal at city scale: the synthetic city's processes opened and driven at 8, 32, 64 and 128 clients in flight.

Each client takes the next unit and makes its process active: the workflow started, its `opened` Update, then one
stage command (`CompleteSurvey`, which appends its event through an activity). Every call goes through the
facade's client (temporal.client, `answering=True`: a deadline on each call and at most
ZDZ_WORKFLOW_TEMPORAL_IN_FLIGHT calls at the server at once; 0 turns the bound off), against a fresh Temporal dev
server per row (one history shard, one SQLite connection: temporal/temporal#9686), with the worker sized by
ZDZ_WORKFLOW_TEMPORAL_* (config.TemporalLimits). Per row: processes made active per second, each process's
latency (p50 / p99, waiting for a slot included), the errors by call, status and message, and the load average.
`--unpaced` adds a row at the highest level with the bound off.

`python -m bench.workflow_pacing [--scale 10] [--in-flight 8,32,64,128] [--unpaced] [--max-seconds S] [--tiny]`.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from temporalio.client import Client, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError

from bench.city import build_city
from bench.common import percentile
from bench.workflow_lifecycles import CLERK, SHEETS, NoProblems
from zdz_local.temporal_dev import TemporalDevServer
from zdz_workflow.bootstrap import bootstrap
from zdz_workflow.config import TemporalLimits
from zdz_workflow.domain.calendar import SHANGHAI
from zdz_workflow.domain.commands import CompleteSurvey, OpenProcess
from zdz_workflow.domain.units import UnitInfo
from zdz_workflow.domain.values import Campaign
from zdz_workflow.temporal import client as temporal
from zdz_workflow.temporal.payloads import ProcessInput, process_id
from zdz_workflow.temporal.worker import build_worker
from zdz_workflow.temporal.workflows import ProcessWorkflow


@dataclass
class Row:
    clients: int
    bound: int
    units: int
    seconds: float = 0.0
    samples: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    load: tuple[float, float] = (0.0, 0.0)  # the 1-minute load average before and after


def error_text(call: str, error: BaseException) -> str:
    """One error's call, status and message, short enough to count alike ones together."""
    cause = error.__cause__ if isinstance(error, WorkflowUpdateRPCTimeoutOrCancelledError) else error
    if isinstance(cause, RPCError):
        return f"{call}: {cause.status.name} {cause.message[:70]}"
    return f"{call}: {type(error).__name__} {str(error)[:70]}"


async def activate(client: Client, queue: str, campaign: Campaign, unit: UnitInfo, row: Row) -> None:
    """Start the unit's process, await its `opened` Update, then complete its survey (a stage command)."""
    at = datetime.now(SHANGHAI) - timedelta(days=2)
    opening = OpenProcess(
        actor=CLERK,
        request_id=str(uuid.uuid4()),
        at=at,
        unit_id=unit.unit_id,
        unit_kind=unit.kind,
        campaign=campaign,
    )
    survey = CompleteSurvey(actor=CLERK, request_id=str(uuid.uuid4()), at=at + timedelta(days=1))
    start, call = time.perf_counter(), "start"
    try:
        handle = await client.start_workflow(
            ProcessWorkflow.run,
            ProcessInput(unit=unit, open=opening),  # type: ignore[arg-type]
            id=process_id(unit.district_code, unit.unit_id, campaign.name),
            task_queue=queue,
        )
        call = "opened"
        await handle.execute_update(ProcessWorkflow.opened)
        call = "CompleteSurvey"
        await handle.execute_update(ProcessWorkflow.complete_survey, survey, id=survey.request_id)
    except Exception as error:  # counted and reported: the bench measures where the server gives way
        row.errors[error_text(call, error)] += 1
        return
    row.samples.append(time.perf_counter() - start)


async def measure(
    units: list[UnitInfo], clients: int, limits: TemporalLimits, folder: Path, budget: float | None
) -> Row:
    """One row: a fresh dev server and worker, every unit made active by `clients` concurrent clients (with
    `budget`, no unit is begun after that many seconds: a shared machine's time cap)."""
    row = Row(clients, limits.in_flight, len(units))
    server = TemporalDevServer(folder / f"temporal-{uuid.uuid4().hex[:6]}.db", headless=True).start()
    try:
        client = await temporal.connect(
            server.address, wait_seconds=30, answering=True, in_flight=limits.in_flight
        )
        app = bootstrap(
            f"sqlite:///{folder / f'workflow-{uuid.uuid4().hex[:6]}.db'}",
            holidays_dir=folder / "holidays",
            ledger=NoProblems(),
            sheets=SHEETS,
        )
        queue = f"bench-pacing-{uuid.uuid4()}"
        campaign = Campaign(name=f"bench{uuid.uuid4().hex[:6]}")
        async with build_worker(client, app.activities, rounds=app.rounds, task_queue=queue, limits=limits):
            pending = iter(units)

            async def one_client() -> None:
                for unit in pending:
                    if budget is not None and time.perf_counter() - started > budget:
                        return
                    await activate(client, queue, campaign, unit, row)

            before = os.getloadavg()[0]
            started = time.perf_counter()
            await asyncio.gather(*(one_client() for _ in range(clients)))
            row.seconds = time.perf_counter() - started
            row.load = (before, os.getloadavg()[0])
        app.engine.dispose()
    finally:
        server.stop()
    return row


def print_header(title: str) -> None:
    print(f"\n{title}")
    print(
        f"{'clients':>7} {'bound':>6} {'active/s':>9} {'done':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
        f"{'errors':>7} {'load':>10}"
    )


def print_row(row: Row) -> None:
    done = len(row.samples)
    p50, p99, top = (
        (percentile(row.samples, 50), percentile(row.samples, 99), max(row.samples)) if done else (0, 0, 0)
    )
    print(
        f"{row.clients:>7} {row.bound or 'none':>6} {done / row.seconds:>9.1f} {done:>6} {p50 * 1000:>8.0f} "
        f"{p99 * 1000:>8.0f} {top * 1000:>8.0f} {sum(row.errors.values()):>7} "
        f"{row.load[0]:>4.1f}→{row.load[1]:<4.1f}",
        flush=True,
    )
    for text, count in row.errors.most_common(4):
        print(f"{'':>16}{count} × {text}", flush=True)


async def run(
    scale: float, seed: int, levels: list[int], unpaced: bool, limit: int | None, budget: float | None
) -> None:
    city = build_city(scale, seed)
    units = [
        UnitInfo(u.unit_id or "", u.district_code, u.kind, u.details.name, u.details.along_river, 2027)
        for u in city.units
    ][:limit]
    limits = TemporalLimits.from_env()
    plan = [(level, limits) for level in levels]
    if unpaced:
        plan.append((max(levels), dataclasses.replace(limits, in_flight=0)))
    print_header(
        f"workflow: Temporal at city scale ({scale:g} % city, {len(units)} processes each started, opened and its "
        f"survey completed; bound = the facade's Temporal calls in flight; worker {limits.workflow_tasks} "
        f"workflow tasks, {limits.activities} activities, cache {limits.cached_workflows}; one row per fresh "
        "dev server)"
    )
    with tempfile.TemporaryDirectory(prefix="zdz-bench-pacing-") as folder:
        for clients, row_limits in plan:  # each row printed as it ends
            print_row(await measure(units, clients, row_limits, Path(folder), budget))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.workflow_pacing")
    parser.add_argument("--scale", type=float, default=10.0, help="per cent of the real city (1, 10, 100)")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--tiny", action="store_true", help="a handful of processes: the smoke test")
    parser.add_argument("--in-flight", default="8,128", help="clients in flight, one row each (8,32,64,128)")
    parser.add_argument("--unpaced", action="store_true", help="and a row at the highest level with no bound")
    parser.add_argument("--max-seconds", type=float, help="begin no process after this many seconds of a row")
    args = parser.parse_args(argv)
    levels = [4] if args.tiny else [int(level) for level in args.in_flight.split(",")]
    scale = min(args.scale, 1.0) if args.tiny else args.scale
    asyncio.run(run(scale, args.seed, levels, args.unpaced, 6 if args.tiny else None, args.max_seconds))


if __name__ == "__main__":
    main()
