"""Driving a unit's process workflow in tests and in the history recorder.

A time-skipping test server per workflow (several racing in one server time out spuriously), the real
activities over a temp SQLite event store, a fake registry ledger, and a clock that starts in 2024: the
workflow's clock is the server's shifted by a fixed offset, so skipping server time walks the unit through
2024 with every timer real.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import (
    DescribeWorkflowExecutionRequest,
    DescribeWorkflowExecutionResponse,
)
from temporalio.client import Client, WorkflowHandle, WorkflowHistory, WorkflowUpdateFailedError
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from zdz_common.auth import Role
from zdz_common.context import Actor
from zdz_common.errors import DomainError, NotFound
from zdz_common.eventstore import EventStore, RecordedEvent
from zdz_common.vocabulary import Grade, UnitKind
from zdz_local.processes import venv_binary
from zdz_workflow.bootstrap import SOURCE, WorkflowApp, bootstrap
from zdz_workflow.domain.calendar import SHANGHAI
from zdz_workflow.domain.commands import Command, ImportProcess, OpenProcess
from zdz_workflow.domain.ports import ProblemRefused, ProblemToFile, SheetSource
from zdz_workflow.domain.settings import ProcessSettings
from zdz_workflow.domain.sheets import SheetKind, SignedSheet
from zdz_workflow.domain.units import UnitInfo
from zdz_workflow.domain.verdicts import SIGNER_ROLES
from zdz_workflow.temporal.client import register_search_attributes
from zdz_workflow.temporal.payloads import ProcessInput, ProcessView, process_id
from zdz_workflow.temporal.refusals import domain_error_of
from zdz_workflow.temporal.summaries import static_summary
from zdz_workflow.temporal.worker import build_worker
from zdz_workflow.temporal.workflows import ProcessWorkflow

SETTLE_SECONDS = 10.0

TOWN_OFFICE = Actor(organisation="万州区高笋塘街道办事处", role="UNIT_ADMIN", person="张敏")
PARK_OFFICE = Actor(organisation="万州经济技术开发区管委会", role="UNIT_ADMIN", person="陈静")
DISTRICT = Actor(organisation="万州区污水零直排区工作专班", role="DISTRICT_TASK_FORCE", person="李强")
CITY = Actor(organisation="重庆市污水零直排区工作专班", role="CITY_TASK_FORCE", person="王芳")

# Units of the official listing (000 附件1/附件2) under the registry's ids (uuid5 of district/kind/name).
TOWN = UnitInfo(
    unit_id="613a265b-9d02-51bb-9dd7-6e30374da9c4",
    district_code="wanzhou",
    kind=UnitKind.TOWN,
    name="高笋塘街道",
    along_river=True,
    target_year=2025,
    official_code="500101001",  # 统计用区划代码
)
PARK = UnitInfo(
    unit_id="f495abe3-cb18-5ace-8341-1f4fdcf598e4",
    district_code="wanzhou",
    kind=UnitKind.PARK_GROUP,
    name="九龙园",
    along_river=True,
    target_year=2025,
)
# One of the five park groups 002 reports as having reached the standard in 2024.
YANJIA = UnitInfo(
    unit_id="8865bd95-f014-5276-ba59-d18e9fe3d79e",
    district_code="changshou",
    kind=UnitKind.PARK_GROUP,
    name="长寿经开区新材料产业园（晏家组团）",
    along_river=True,
    target_year=2025,
)


def at(day: str, hour: int = 10, minute: int = 0) -> datetime:
    """An instant in Asia/Shanghai on ISO date `day`."""
    return datetime.combine(date.fromisoformat(day), time(hour, minute), tzinfo=SHANGHAI)


class FakeLedger:
    """The registry's problem list in memory: a problem needs a known ledger row, like the real one."""

    def __init__(self, known_rows: frozenset[str] = frozenset({"YS-001", "WS-017", "PK-03"})) -> None:
        self.known_rows = known_rows
        self.problems: dict[tuple[str, str], tuple[str, ProblemToFile]] = {}
        self.tasks: dict[str, tuple[str, date]] = {}

    async def record_problem(self, unit_id: str, problem: ProblemToFile) -> str:
        if problem.point.entity_code not in self.known_rows:
            raise ProblemRefused(f"台账中没有 {problem.point.entity_class} {problem.point.entity_code!r}")
        key = (unit_id, problem.code)
        problem_id = self.problems[key][0] if key in self.problems else f"problem-{len(self.problems) + 1}"
        self.problems[key] = (problem_id, problem)
        return problem_id

    async def open_task(self, unit_id: str, problem_id: str, *, owner: str, deadline: date, on: date) -> None:
        self.tasks[problem_id] = (owner, deadline)


class FakeSheets:
    """The scoring service's signed sheets in memory, for the path scenarios (test_workflow_scoring_sheets reads
    them from a real scoring service); an unknown id is NotFound, like the real one."""

    def __init__(self) -> None:
        self.sheets: dict[str, SignedSheet] = {}

    def add(self, sheet: SignedSheet) -> str:
        self.sheets[sheet.sheet_id] = sheet
        return sheet.sheet_id

    async def sheet(self, sheet_id: str) -> SignedSheet:
        if sheet_id not in self.sheets:
            raise NotFound(f"评分服务中没有评分表「{sheet_id}」", field="sheet_id")
        return self.sheets[sheet_id]


_SIGNERS = {Role.UNIT: TOWN_OFFICE, Role.DISTRICT_TASK_FORCE: DISTRICT, Role.MUNICIPAL_TASK_FORCE: CITY}


def signed(unit: UnitInfo, kind: SheetKind, total: str, on: str, **fields: Any) -> SignedSheet:
    """A sheet of `unit` signed on ISO date `on` at 17:00 by the role its kind needs, on the 2024 rubrics' marks
    (合格 80, 优秀 90; a park's 建设总结报告 from 90); district acceptance refers to a plan drawn that morning."""
    score = Decimal(total)
    role = SIGNER_ROLES[kind]
    signer = _SIGNERS[role]
    values: dict[str, Any] = {
        "sheet_id": f"{kind.value.lower()}-{unit.unit_id[:8]}-{on}-{uuid.uuid4().hex[:6]}",
        "unit_id": unit.unit_id,
        "kind": kind,
        "signed": True,
        "total": score,
        "grade": Grade.EXCELLENT if score >= 90 else Grade.PASS if score >= 80 else Grade.FAIL,
        "assessed_on": date.fromisoformat(on),
        "signer_organisation": signer.organisation,
        "signer_role": role.value,
        "signer_person": signer.person,
        "signed_at": at(on, 17),
        "pass_mark": Decimal(80),
        "excellent_mark": Decimal(90),
        "summary_report_from": Decimal(90) if unit.kind is UnitKind.PARK_GROUP else None,
    }
    if kind is SheetKind.DISTRICT_ACCEPTANCE:
        values |= {"sampling_plan_id": f"plan-{unit.unit_id[:8]}-{on}", "sampling_plan_drawn_at": at(on, 9)}
    return SignedSheet(**(values | fields))


@asynccontextmanager
async def time_skipping_server() -> AsyncIterator[WorkflowEnvironment]:
    """A fresh time-skipping test server with our search attributes, for one workflow."""
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter,
        test_server_existing_path=venv_binary("temporal-test-server"),
    )
    try:
        await register_search_attributes(env.client)
        yield env
    finally:
        await env.shutdown()


@dataclass
class Harness:
    """One Temporal server, the service's activities over a temp database, and a task queue of its own."""

    client: Client
    app: WorkflowApp
    ledger: FakeLedger
    sheets: FakeSheets
    env: WorkflowEnvironment | None = None  # time-skipping, when the server is the test server
    task_queue: str = field(default_factory=lambda: f"zdz-test-{uuid.uuid4()}")

    @classmethod
    def over(
        cls,
        client: Client,
        folder: Path,
        *,
        env: WorkflowEnvironment | None = None,
        scoring: SheetSource | None = None,
    ) -> Harness:
        """`scoring`: where the activities read sheets (a real scoring service's client); the harness's own
        FakeSheets otherwise."""
        ledger, sheets = FakeLedger(), FakeSheets()
        app = bootstrap(
            f"sqlite:///{folder / 'workflow.db'}",
            holidays_dir=folder / "holidays",
            ledger=ledger,
            sheets=scoring or sheets,
        )
        return cls(client=client, app=app, ledger=ledger, sheets=sheets, env=env)

    def restarted(self) -> Harness:
        """The service started again: new engine and activities over the same database, same task queue."""
        folder = Path(str(self.app.engine.url.database)).parent
        app = bootstrap(
            str(self.app.engine.url), holidays_dir=folder / "holidays", ledger=self.ledger, sheets=self.sheets
        )
        return Harness(
            client=self.client,
            app=app,
            ledger=self.ledger,
            sheets=self.sheets,
            env=self.env,
            task_queue=self.task_queue,
        )

    @asynccontextmanager
    async def worker(self, *, sticky: bool = True) -> AsyncIterator[None]:
        """A worker on the harness's queue; leaving the block shuts it down (its cache of workflows is gone).

        `sticky=False`: no workflow cache, so no sticky queue. The time-skipping server keeps routing a workflow's
        tasks to the sticky queue of a worker that has shut down (a real server moves them back to the task
        queue after the sticky timeout, but the test server's clock is locked while a task waits)."""
        options = {} if sticky else {"max_cached_workflows": 0}
        async with build_worker(
            self.client, self.app.activities, rounds=self.app.rounds, task_queue=self.task_queue, **options
        ):
            yield

    async def start(
        self,
        unit: UnitInfo,
        *,
        clock_starts: datetime | None,
        open: OpenProcess | None = None,
        imported: ImportProcess | None = None,
        settings: ProcessSettings | None = None,
    ) -> Driver:
        """Start the unit's process; with `clock_starts`, its clock begins there (time-skipping server only)."""
        offset = timedelta(0)
        if clock_starts is not None:
            assert self.env is not None, "a shifted clock needs the time-skipping server"
            offset = clock_starts - await self.env.get_current_time()
        start = open or imported
        assert start is not None
        handle = await self.client.start_workflow(
            ProcessWorkflow.run,
            ProcessInput(
                unit=unit,
                open=open,
                imported=imported,
                settings=settings or ProcessSettings(),
                clock_offset=offset,
            ),
            id=process_id(unit.district_code, unit.unit_id, start.campaign.name),
            task_queue=self.task_queue,
            static_summary=static_summary(unit, start.campaign.name),
        )
        # Commands go to the workflow id, not to this first run: the process may continue as new.
        driver = Driver(
            self, self.client.get_workflow_handle_for(ProcessWorkflow.run, handle.id), offset, unit
        )
        await driver.handle.execute_update(ProcessWorkflow.opened)
        return driver

    async def search_attributes(self, workflow_id: str) -> dict[str, Any]:
        """The workflow's search attributes as stored (the time-skipping server keeps an unset one as null,
        which the SDK's typed decoding cannot read; here it is left out, as a real server leaves it)."""
        described = await self._describe(workflow_id)
        fields = described.workflow_execution_info.search_attributes.indexed_fields
        return {
            key: json.loads(p.data) for key, p in fields.items() if p.metadata["encoding"] != b"binary/null"
        }

    async def _describe(self, workflow_id: str) -> DescribeWorkflowExecutionResponse:
        return await self.client.workflow_service.describe_workflow_execution(
            DescribeWorkflowExecutionRequest(
                namespace=self.client.namespace, execution=WorkflowExecution(workflow_id=workflow_id)
            )
        )

    async def runs(self, workflow_id: str) -> list[WorkflowHistory]:
        """The history of every run of a workflow, oldest first (following continue-as-new backwards)."""
        run_id = (await self._describe(workflow_id)).workflow_execution_info.execution.run_id
        histories: list[WorkflowHistory] = []
        while run_id:
            history = await self.client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
            histories.insert(0, history)
            run_id = history.events[0].workflow_execution_started_event_attributes.continued_execution_run_id
        return histories

    def stream(self, stream_id: str) -> list[RecordedEvent]:
        with Session(self.app.engine) as session:
            return EventStore(SOURCE).read(session, stream_id)

    async def published(self, stream_id: str, count: int) -> list[RecordedEvent]:
        """The stream in the event store once it holds at least `count` events (activities run behind)."""
        deadline = asyncio.get_running_loop().time() + SETTLE_SECONDS
        while True:
            events = self.stream(stream_id)
            if len(events) >= count:
                return events
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"only {len(events)} events published: {[e.type for e in events]}")
            await asyncio.sleep(0.05)


@dataclass(frozen=True)
class Refusal:
    kind: str  # the domain error's class, e.g. "BelowPassMark"
    error: DomainError  # its status class, message and field


@dataclass
class Driver:
    """One unit's process, driven as its parties would drive it, on the process's (shifted) clock."""

    harness: Harness
    handle: WorkflowHandle[Any, Any]
    offset: timedelta
    unit: UnitInfo

    def sheet(self, kind: SheetKind, total: str, on: str, **fields: Any) -> str:
        """A signed sheet of the unit (see `signed`), in the harness's sheets: its id, for a verdict's sheet_id."""
        return self.harness.sheets.add(signed(self.unit, kind, total, on, **fields))

    async def now(self) -> datetime:
        env = self.harness.env
        return (await env.get_current_time() if env else datetime.now(SHANGHAI)) + self.offset

    async def wait_until(self, instant: datetime) -> None:
        """Let the process's time run to `instant`, firing every timer on the way."""
        assert self.harness.env is not None
        delta = instant - await self.now()
        if delta > timedelta(0):
            await self.harness.env.sleep(delta)

    async def do(
        self,
        update: Callable[..., Any],
        command_type: type[Command],
        actor: Actor,
        on: datetime | None = None,
        **fields: Any,
    ) -> ProcessView:
        """Send a command through its update, at `on` (the clock runs there first) or now."""
        if on is not None:
            await self.wait_until(on)
        command = command_type(actor=actor, request_id=str(uuid.uuid4()), at=on or await self.now(), **fields)
        view: ProcessView = await self.handle.execute_update(update, command)
        return view

    async def view(self) -> ProcessView:
        view: ProcessView = await self.handle.query(ProcessWorkflow.view)
        return view

    async def refused(
        self,
        update: Callable[..., Any],
        command_type: type[Command],
        actor: Actor,
        on: datetime | None = None,
        **fields: Any,
    ) -> Refusal:
        """How the workflow's validator refuses the command."""
        with pytest.raises(WorkflowUpdateFailedError) as caught:
            await self.do(update, command_type, actor, on, **fields)
        cause = caught.value.cause
        assert isinstance(cause, ApplicationError), cause
        error = domain_error_of(cause)
        assert error is not None and cause.type is not None, f"not a refusal: {cause}"
        return Refusal(cause.type, error)

    async def settled(self, check: Callable[[ProcessView], bool]) -> ProcessView:
        """The view once `check` holds (timers and activities run in the background)."""
        deadline = asyncio.get_running_loop().time() + SETTLE_SECONDS
        while True:
            view = await self.view()
            if check(view):
                return view
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"the process did not settle: {view.state}")
            await asyncio.sleep(0.05)
