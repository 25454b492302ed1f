"""Complete unit lifecycles per second on the Temporal dev server, against trivial workflows on the same server.

A lifecycle is a town's whole path, survey to acceptance: the process workflow opened, eight Updates validated by
the domain, the public notice's timer, a search-attribute upsert per stage, and every event appended to the
service's SQLite event store by activities. The baseline is a workflow that returns at once, started and awaited
the same way; the fair floor is a workflow of the same shape (as many Updates, activities and timers as one
lifecycle's history holds, counted, with no-op activities). All run on one dev server in the same run.
`python -m bench.workflow_lifecycles [N] [--tiny]`.

The lifecycle is entered after the fact (back-dated commands, the notice published weeks ago) so its timer is
already due: the bench measures the machinery, not the five working days.
"""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlmodel import Session, func, select
from temporalio import activity, workflow
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.worker import Worker

from bench.common import print_table, scale_argument, timed
from zdz_common.context import Actor
from zdz_common.eventstore import EventRecord
from zdz_common.vocabulary import Grade, Stage, UnitKind
from zdz_local.temporal_dev import TemporalDevServer
from zdz_workflow.bootstrap import bootstrap
from zdz_workflow.domain.calendar import SHANGHAI
from zdz_workflow.domain.commands import (
    CloseSpotCheckWindow,
    Command,
    CompleteSurvey,
    DeclareRectificationDone,
    FileResult,
    OpenProcess,
    PublishNotice,
    RecordDistrictVerdict,
    SubmitPlan,
    SubmitSelfCheck,
)
from zdz_workflow.domain.ports import ProblemToFile
from zdz_workflow.domain.sheets import SheetKind, SignedSheet
from zdz_workflow.domain.units import UnitInfo
from zdz_workflow.domain.values import Campaign, NoticeChannel, NoticeChannelKind, NoticeStatus
from zdz_workflow.domain.verdicts import SIGNER_ROLES
from zdz_workflow.temporal import client as temporal
from zdz_workflow.temporal.payloads import ProcessInput, process_id
from zdz_workflow.temporal.worker import build_worker
from zdz_workflow.temporal.workflows import ProcessWorkflow

CONCURRENCY = 8
EVENTS_PER_LIFECYCLE = 9  # eight stage changes and the notice's publication
CLERK = Actor(organisation="bench", role="UNIT_ADMIN", person="bench")


@workflow.defn(name="BenchTrivial", sandboxed=False)
class Trivial:
    @workflow.run
    async def run(self) -> str:
        return "done"


@dataclass(frozen=True)
class Shape:
    """What one lifecycle's history holds, counted from a real one: updates, activities, timers."""

    updates: int
    activities: int
    timers: int
    timer_after: int  # the updates accepted before the notice's timer starts


@activity.defn(name="bench_noop")
async def noop() -> None:
    return None


@workflow.defn(name="BenchSameShape", sandboxed=False)
class SameShape:
    """The lifecycle's fair floor: the same number of updates, timers and activities, and no domain at all."""

    def __init__(self) -> None:
        self.steps = 0
        self.elapsed = False

    @workflow.run
    async def run(self, shape: Shape) -> int:
        await workflow.wait_condition(lambda: self.steps >= shape.timer_after)
        for _ in range(shape.timers):
            await asyncio.sleep(0.001)  # a durable timer
        self.elapsed = True
        await workflow.wait_condition(
            lambda: self.steps >= shape.updates and workflow.all_handlers_finished()
        )
        return self.steps

    @workflow.update
    async def step(self, activities: int) -> int:
        for _ in range(activities):
            await workflow.execute_activity(noop, start_to_close_timeout=timedelta(seconds=30))
        self.steps += 1
        return self.steps

    @workflow.query
    def timer_elapsed(self) -> bool:
        return self.elapsed


async def same_shape(client: Client, task_queue: str, shape: Shape, n: int) -> None:
    handle = await client.start_workflow(SameShape.run, shape, id=f"{task_queue}-{n}", task_queue=task_queue)
    share, extra = divmod(shape.activities, shape.updates)
    for step in range(shape.updates):
        if step == shape.timer_after:
            while not await handle.query(SameShape.timer_elapsed):  # noqa: ASYNC110
                await asyncio.sleep(0.02)
        await handle.execute_update(SameShape.step, share + (1 if step < extra else 0))
    assert await handle.result() == shape.updates


async def measured_shape(client: Client, workflow_id: str) -> Shape:
    """Count the updates, scheduled activities and timers in one finished lifecycle's history."""
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    kinds = [event.event_type for event in history.events]
    accepted = EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
    timer = EventType.EVENT_TYPE_TIMER_STARTED
    first_timer = kinds.index(timer) if timer in kinds else len(kinds)
    return Shape(
        updates=kinds.count(accepted),
        activities=kinds.count(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
        timers=kinds.count(timer),
        timer_after=kinds[:first_timer].count(accepted),
    )


class BenchSheets:
    """The scoring service's signed sheets, in memory: the town's own self-check and the district's acceptance."""

    def __init__(self) -> None:
        self.sheets: dict[str, SignedSheet] = {}

    def sign(self, unit: UnitInfo, kind: SheetKind, total: str, at: datetime) -> str:
        score = Decimal(total)
        sheet = SignedSheet(
            sheet_id=f"bench-{uuid.uuid4()}",
            unit_id=unit.unit_id,
            kind=kind,
            signed=True,
            total=score,
            grade=Grade.PASS,
            assessed_on=at.date(),
            signer_organisation="bench",
            signer_role=SIGNER_ROLES[kind].value,
            signer_person="bench",
            signed_at=at,
            pass_mark=Decimal(80),
            excellent_mark=Decimal(90),
            sampling_plan_id="bench-plan" if kind is SheetKind.DISTRICT_ACCEPTANCE else "",
            sampling_plan_drawn_at=at if kind is SheetKind.DISTRICT_ACCEPTANCE else None,
        )
        self.sheets[sheet.sheet_id] = sheet
        return sheet.sheet_id

    async def sheet(self, sheet_id: str) -> SignedSheet:
        return self.sheets[sheet_id]


SHEETS = BenchSheets()


class NoProblems:
    """The passing path files no findings: the registry is never asked."""

    async def record_problem(self, unit_id: str, problem: ProblemToFile) -> str:
        raise AssertionError("the passing path has no findings")

    async def open_task(self, unit_id: str, problem_id: str, *, owner: str, deadline: date, on: date) -> None:
        raise AssertionError("the passing path has no findings")


async def lifecycle(client: Client, task_queue: str, campaign: Campaign, n: int) -> str:
    """One town from survey to acceptance, its steps dated over the last month."""
    unit = UnitInfo(f"bench-town-{n:05d}", "bench", UnitKind.TOWN, f"基准镇{n:05d}", True, 2025)
    start = datetime.now(SHANGHAI) - timedelta(days=40)

    def command(command_type: type[Command], day: int, **fields: Any) -> Command:
        return command_type(
            actor=CLERK, request_id=str(uuid.uuid4()), at=start + timedelta(days=day), **fields
        )

    opening = command(OpenProcess, 0, unit_id=unit.unit_id, unit_kind=unit.kind, campaign=campaign)
    handle = await client.start_workflow(
        ProcessWorkflow.run,
        ProcessInput(unit=unit, open=opening),  # type: ignore[arg-type]
        id=process_id(unit.district_code, unit.unit_id, campaign.name),
        task_queue=task_queue,
    )
    await handle.execute_update(ProcessWorkflow.opened)
    publication = (start + timedelta(days=12)).date()
    steps: list[tuple[Callable[..., Awaitable[Any]], Command]] = [
        (ProcessWorkflow.complete_survey, command(CompleteSurvey, 1)),
        (ProcessWorkflow.submit_plan, command(SubmitPlan, 2)),
        (ProcessWorkflow.declare_rectification_done, command(DeclareRectificationDone, 5)),
        (
            ProcessWorkflow.submit_self_check,
            command(
                SubmitSelfCheck,
                6,
                sheet_id=SHEETS.sign(unit, SheetKind.SELF_CHECK, "86.50", start + timedelta(days=6)),
            ),
        ),
        (
            ProcessWorkflow.record_district_verdict,
            command(
                RecordDistrictVerdict,
                10,
                sheet_id=SHEETS.sign(
                    unit, SheetKind.DISTRICT_ACCEPTANCE, "88.00", start + timedelta(days=10)
                ),
            ),
        ),
        (
            ProcessWorkflow.publish_notice,
            command(PublishNotice, 12, published_on=publication, channel=PORTAL),
        ),
    ]
    for update, step in steps:
        await handle.execute_update(update, step)
    # The notice ended weeks ago: its timer fires at once; the district files the result, then the window closes.
    while (await handle.query(ProcessWorkflow.state)).notice_status is not NoticeStatus.ELAPSED:  # type: ignore[union-attr]  # noqa: ASYNC110
        await asyncio.sleep(0.02)
    filing = command(FileResult, 37, filing_number=f"bench备〔2024〕{n}号")
    await handle.execute_update(ProcessWorkflow.file_result, filing)
    closing = command(CloseSpotCheckWindow, 39)
    view = await handle.execute_update(ProcessWorkflow.close_spot_check_window, closing)
    assert view.state.stage is Stage.ACCEPTED
    return handle.id


PORTAL = NoticeChannel(NoticeChannelKind.GOVERNMENT_PORTAL, "区人民政府网", "https://www.example.gov.cn/gsgg")


async def concurrently(count: int, job: Callable[[int], Awaitable[None]]) -> None:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(count):
        queue.put_nowait(n)

    async def runner() -> None:
        while not queue.empty():
            await job(queue.get_nowait())

    await asyncio.gather(*(runner() for _ in range(CONCURRENCY)))


def stored_events(engine: Any) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(EventRecord)).one())


async def run(count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        server = TemporalDevServer(base / "temporal.db", headless=True).start()
        try:
            client = await temporal.connect(server.address, wait_seconds=30)
            app = bootstrap(
                f"sqlite:///{base / 'workflow.db'}",
                holidays_dir=base / "holidays",
                ledger=NoProblems(),
                sheets=SHEETS,
            )
            processes, trivial = f"bench-{uuid.uuid4()}", f"bench-trivial-{uuid.uuid4()}"
            campaign = Campaign(name=f"bench{uuid.uuid4().hex[:6]}")  # no survey or plan deadline to escalate
            shaped = f"bench-shape-{uuid.uuid4()}"
            async with (
                build_worker(client, app.activities, rounds=app.rounds, task_queue=processes),
                Worker(client, task_queue=trivial, workflows=[Trivial]),
                Worker(client, task_queue=shaped, workflows=[SameShape], activities=[noop]),
            ):
                # One lifecycle first (warm-up, not timed): its history gives the same-shape workflow its counts.
                shape = await measured_shape(client, await lifecycle(client, processes, campaign, count))
                with timed() as shape_timer:
                    await concurrently(count, lambda n: same_shape(client, shaped, shape, n))
                with timed() as baseline:
                    await concurrently(
                        count,
                        lambda n: client.execute_workflow(
                            Trivial.run, id=f"{trivial}-{n}", task_queue=trivial
                        ),
                    )
                with timed() as full:
                    await concurrently(count, lambda n: lifecycle(client, processes, campaign, n))
                    while stored_events(app.engine) < (count + 1) * EVENTS_PER_LIFECYCLE:  # noqa: ASYNC110
                        await asyncio.sleep(0.02)
            app.engine.dispose()
        finally:
            server.stop()
    print_table(
        f"workflow: lifecycles per second on the Temporal dev server (SQLite), {CONCURRENCY} concurrent clients",
        [
            ("trivial workflow: start → result (baseline)", count, baseline.seconds),
            ("lifecycle: open → 9 updates → timer → accepted", count, full.seconds),
        ],
        baseline="trivial workflow: start → result (baseline)",
    )
    fair = (
        f"same shape: {shape.updates} updates, {shape.activities} no-op activities, {shape.timers} timer(s) "
        "(baseline)"
    )
    print_table(
        "workflow: a full lifecycle against a workflow of the same shape, same server, same run",
        [
            (fair, count, shape_timer.seconds),
            ("lifecycle: open → 9 updates → timer → accepted", count, full.seconds),
        ],
        baseline=fair,
    )


def main(argv: list[str] | None = None) -> None:
    count, _, _, tiny = scale_argument(argv, 40)
    asyncio.run(run(3 if tiny else count))


if __name__ == "__main__":
    main()
