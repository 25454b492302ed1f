"""Complete unit lifecycles per second on the Temporal dev server, against trivial workflows on the same server.

A lifecycle is a town's whole path, survey to acceptance: the process workflow opened, eight Updates validated by
the domain, the public notice's timer, a search-attribute upsert per stage, and every event appended to the
service's SQLite event store by activities. The baseline is a workflow that returns at once, started and awaited
the same way. Both run on one dev server in the same run. `python -m bench.workflow_lifecycles [N]`.

The lifecycle is entered after the fact (back-dated commands, the notice published weeks ago) so its timer is
already due: the bench measures the machinery, not the five working days.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlmodel import Session, func, select
from temporalio import workflow
from temporalio.client import Client
from temporalio.worker import Worker

from bench.common import print_table, timed
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


async def lifecycle(client: Client, task_queue: str, campaign: Campaign, n: int) -> None:
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
            async with (
                build_worker(client, app.activities, rounds=app.rounds, task_queue=processes),
                Worker(client, task_queue=trivial, workflows=[Trivial]),
            ):
                with timed() as baseline:
                    await concurrently(
                        count,
                        lambda n: client.execute_workflow(
                            Trivial.run, id=f"{trivial}-{n}", task_queue=trivial
                        ),
                    )
                with timed() as full:
                    await concurrently(count, lambda n: lifecycle(client, processes, campaign, n))
                    while stored_events(app.engine) < count * EVENTS_PER_LIFECYCLE:  # noqa: ASYNC110
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


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    asyncio.run(run(count))


if __name__ == "__main__":
    main()
