"""What other systems ask of the processes, carried to Temporal: start or import, commands, reads, lists.

Commands become Updates of the unit's workflow, which refuses what the rules forbid; the refusal comes back here
as the domain error it was, for the transport to map to a status code. Starting a process checks the command
against the pure domain first, so a malformed start is refused before any workflow exists.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from temporalio.client import (
    Client,
    WorkflowHandle,
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
)
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from zdz_common.context import CommandContext
from zdz_common.errors import DomainError, FailedPrecondition, InvalidArgument, NotFound, Unavailable
from zdz_common.vocabulary import Stage, UnitKind
from zdz_workflow.domain.commands import (
    AcknowledgeFiling,
    ApplySheetCorrection,
    Command,
    CompleteSurvey,
    DeclareRectificationDone,
    FileResult,
    ImportProcess,
    ListAsDemonstration,
    OpenProcess,
    OrderReacceptance,
    PublishNotice,
    RaiseObjection,
    RecordDemonstrationCheck,
    RecordDistrictVerdict,
    RecordLookBackVerdict,
    RecordReReviewVerdict,
    RecordSpotCheckVerdict,
    RefreshCalendar,
    ReportLookBackRectified,
    ResolveObjection,
    StartLookBack,
    StartReacceptance,
    SubmitDemonstrationReport,
    SubmitPlan,
    SubmitSelfCheck,
    VerifyLookBackRectification,
)
from zdz_workflow.domain.demonstration import DemonstrationList
from zdz_workflow.domain.errors import ProcessAlreadyOpen
from zdz_workflow.domain.ports import HolidayScheduleSource, ListAnnouncer, SheetSource, UnitDirectory
from zdz_workflow.domain.process import decide
from zdz_workflow.domain.settings import ProcessSettings
from zdz_workflow.domain.units import UnitInfo
from zdz_workflow.domain.values import HistoryEntry
from zdz_workflow.temporal import search_attributes
from zdz_workflow.temporal.payloads import ProcessInput, ProcessView, process_id, unit_process_id
from zdz_workflow.temporal.refusals import domain_error_of
from zdz_workflow.temporal.summaries import static_details, static_summary
from zdz_workflow.temporal.workflows import ProcessWorkflow

log = logging.getLogger(__name__)

_PAGE_TOKEN_MARK = b"zdz1"


def wrap_page_token(temporal_token: bytes) -> str:
    """Temporal's opaque visibility token with a mark and a checksum: a token that is not one of ours is refused
    at once (Temporal answers a garbage token UNKNOWN, which its client retries for seconds)."""
    digest = hashlib.sha256(temporal_token).digest()[:8]
    return base64.urlsafe_b64encode(_PAGE_TOKEN_MARK + digest + temporal_token).decode()


def unwrap_page_token(page_token: str) -> bytes | None:
    if not page_token:
        return None
    refused = InvalidArgument(
        "不是上一页给出的 next_page_token (not a page token from a previous page)", field="page_token"
    )
    if len(page_token) > 4096:
        raise refused
    try:
        raw = base64.urlsafe_b64decode(page_token.encode("ascii"))
    except (binascii.Error, ValueError, UnicodeError) as error:
        raise refused from error
    mark, digest, token = raw[:4], raw[4:12], raw[12:]
    if mark != _PAGE_TOKEN_MARK or not token or hashlib.sha256(token).digest()[:8] != digest:
        raise refused
    return token


# Each command and the update that carries it.
_UPDATES: dict[type[Command], Callable[..., Any]] = {
    CompleteSurvey: ProcessWorkflow.complete_survey,
    SubmitPlan: ProcessWorkflow.submit_plan,
    DeclareRectificationDone: ProcessWorkflow.declare_rectification_done,
    SubmitSelfCheck: ProcessWorkflow.submit_self_check,
    RecordDistrictVerdict: ProcessWorkflow.record_district_verdict,
    PublishNotice: ProcessWorkflow.publish_notice,
    RaiseObjection: ProcessWorkflow.raise_objection,
    ResolveObjection: ProcessWorkflow.resolve_objection,
    FileResult: ProcessWorkflow.file_result,
    AcknowledgeFiling: ProcessWorkflow.acknowledge_filing,
    SubmitDemonstrationReport: ProcessWorkflow.submit_demonstration_report,
    RecordDemonstrationCheck: ProcessWorkflow.record_demonstration_check,
    ListAsDemonstration: ProcessWorkflow.list_as_demonstration,
    RecordSpotCheckVerdict: ProcessWorkflow.record_spot_check_verdict,
    RecordReReviewVerdict: ProcessWorkflow.record_re_review_verdict,
    StartLookBack: ProcessWorkflow.start_look_back,
    RecordLookBackVerdict: ProcessWorkflow.record_look_back_verdict,
    ReportLookBackRectified: ProcessWorkflow.report_look_back_rectified,
    VerifyLookBackRectification: ProcessWorkflow.verify_look_back_rectification,
    OrderReacceptance: ProcessWorkflow.order_reacceptance,
    StartReacceptance: ProcessWorkflow.start_reacceptance,
    ApplySheetCorrection: ProcessWorkflow.apply_sheet_correction,
}
_CODE = re.compile(r"^[A-Za-z0-9_.\-]{1,80}$")
MAX_PAGE_SIZE = 1000
_KINDS = frozenset(kind.value for kind in UnitKind)


def _sheet_id(value: str) -> str:
    if not value.strip():
        raise InvalidArgument("须填写评分表编号", field="sheet_ids")
    return value


def _code(value: str, field: str) -> str:
    """A part of a workflow id: district code, unit id or campaign name."""
    if not _CODE.match(value):
        raise InvalidArgument("须为 1–80 位字母、数字、点、下划线或连字符", field=field)
    return value


@dataclass(frozen=True)
class ProcessRef:
    district_code: str
    unit_id: str
    campaign: str

    @property
    def workflow_id(self) -> str:
        """The id the ref names in the form processes had before issue 13 (validated; see `ProcessService.handle`
        for the id a look-up uses)."""
        return process_id(
            _code(self.district_code, "process.district_code"),
            _code(self.unit_id, "process.unit_id"),
            _code(self.campaign, "process.campaign"),
        )


@dataclass(frozen=True)
class ProcessSummary:
    """A process as the visibility store lists it, from its search attributes."""

    process_id: str
    ref: ProcessRef
    unit_kind: UnitKind | None
    stage: Stage | None
    along_river: bool
    target_year: int
    latest_score: float | None
    grade: str
    next_deadline: datetime | None


@dataclass(frozen=True)
class ProcessPage:
    processes: list[ProcessSummary]
    next_page_token: str


class ProcessService:
    def __init__(
        self,
        client: Client,
        *,
        units: UnitDirectory,
        sheets: SheetSource,
        schedules: HolidayScheduleSource,
        task_queue: str,
        settings: ProcessSettings,
        announcer: ListAnnouncer | None = None,
    ) -> None:
        self._client = client
        self._units = units
        self._sheets = sheets
        self._schedules = schedules
        self._task_queue = task_queue
        self._settings = settings
        self._announcer = announcer  # None: tests of single processes, without the service's event store
        self._located: dict[str, str] = {}  # ProcessRef.workflow_id → the id the process runs under

    async def unit(self, unit_id: str) -> UnitInfo:
        """The unit as the registry knows it (NotFound when it does not)."""
        return await self._units.unit(_code(unit_id, "unit_id"))

    async def start(self, unit: UnitInfo, command: OpenProcess | ImportProcess) -> ProcessView:
        """Open (or import) the unit's process for the campaign; the same request again answers the same."""
        if isinstance(command, ImportProcess) and command.sheet_ids:
            # The imported unit's signed sheets, read once here: the workflow's start input records them.
            sheets = tuple([await self._sheets.sheet(_sheet_id(i)) for i in command.sheet_ids])
            command = replace(command, sheets=sheets)
        # The pure domain refuses a malformed start before any workflow exists.
        decide(None, command, self._settings.rules(self._schedules.load()))
        is_open = isinstance(command, OpenProcess)
        campaign = _code(command.campaign.name, "campaign.name")
        workflow_id = unit_process_id(unit, campaign)
        legacy_id = process_id(unit.district_code, unit.unit_id, campaign)
        try:
            if await self._exists(legacy_id):  # opened before issue 13: the unit has its process already
                workflow_id = legacy_id
                raise WorkflowAlreadyStartedError(legacy_id, "ZdzProcess")
            handle = await self._client.start_workflow(
                ProcessWorkflow.run,
                ProcessInput(
                    unit=unit,
                    open=command if is_open else None,
                    imported=None if is_open else command,
                    settings=self._settings,
                ),
                id=workflow_id,
                task_queue=self._task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                static_summary=static_summary(unit, command.campaign.name),
                static_details=static_details(unit),
                search_attributes=search_attributes.at_start(unit, campaign),
            )
        except WorkflowAlreadyStartedError:
            started = self._client.get_workflow_handle(workflow_id)
            existing = await self._view(started)
            if existing.state is None:  # started by an attempt whose answer a fault cut off, not opened yet
                existing = await self._call(
                    started.execute_update(ProcessWorkflow.opened, id=f"opened/{command.request_id}")
                )
            state = existing.state
            if state is not None and state.history and state.history[0].request_id == command.request_id:
                return existing
            stage = f"，当前阶段为「{state.stage.label}」" if state else ""
            raise ProcessAlreadyOpen(
                f"该单元已有「{command.campaign.name}」批次的流程{stage}", field="unit_id"
            ) from None
        return await self._call(
            handle.execute_update(ProcessWorkflow.opened, id=f"opened/{command.request_id}")
        )

    async def send(self, ref: ProcessRef, command: Command) -> ProcessView:
        """Carry a stage command to the unit's workflow; the request id makes a retry harmless."""
        handle = await self.handle(ref)
        if isinstance(command, StartReacceptance):
            _code(command.campaign.name, "campaign")  # it names the process that continues this one
        update = _UPDATES[type(command)]
        try:
            return await self._call(handle.execute_update(update, command, id=command.request_id))
        except _NoWorkflow:
            # Temporal answers NOT_FOUND for a closed workflow too: say which it is.
            view = await self._view(handle)
            successor = f"，已由流程 {view.continued_by} 继续" if view.continued_by else ""
            raise FailedPrecondition(f"该流程已结束{successor}", field="process") from None

    async def apply_sheet_correction(self, unit_id: str, command: ApplySheetCorrection) -> list[str]:
        """Send a signed correction to each of the unit's running processes (one per campaign); a process records
        it when it replaces one of its verdict sheets. Returns the processes that recorded it; one that refuses it
        (a correction of another kind, a process still being opened) does not keep it from the others."""
        query = (
            f"WorkflowType='ZdzProcess' AND ExecutionStatus='Running' AND "
            f"{search_attributes.UNIT_ID.name}='{_code(unit_id, 'unit_id')}'"
        )
        recorded = []
        async for execution in self._client.list_workflows(query):
            handle = self._client.get_workflow_handle(execution.id)
            update = handle.execute_update(
                ProcessWorkflow.apply_sheet_correction, command, id=command.request_id
            )
            try:
                view = await self._call(update)
            except DomainError as refused:
                log.warning(
                    "process %s did not take correction %s: %s", execution.id, command.sheet.sheet_id, refused
                )
                continue
            if view.state is not None and view.state.handled(command.request_id):
                recorded.append(execution.id)
        return recorded

    async def publish_demonstration_list(
        self, refs: list[ProcessRef], command: ListAsDemonstration
    ) -> list[ProcessView]:
        """001 四（一）5: list every park group, or none. Each process is checked against its state first; one that
        may not be listed refuses the whole list, naming every unit refused. Then one update per process (its
        request id makes a retry harmless) and one DemonstrationListPublished for the list."""
        if not refs:
            raise InvalidArgument("须列出至少一个示范园区 (at least one park group)", field="processes")
        if len({ref.workflow_id for ref in refs}) != len(refs):
            raise InvalidArgument(
                "同一园区组团在清单中出现了两次 (a park group listed twice)", field="processes"
            )
        rules = self._settings.rules(self._schedules.load())
        refused = []
        for ref in refs:
            try:
                view = await self.get(ref)
                if view.state is None:
                    raise FailedPrecondition("流程正在建立，请稍后再试")
                decide(view.state, command, rules)
            except DomainError as error:
                refused.append(f"{ref.workflow_id}：{error}")
        if refused:
            raise FailedPrecondition(
                f"以下 {len(refused)} 个流程不能列入示范园区清单（001 四（一）5），清单未发布："
                + "；".join(refused),
                field="processes",
            )
        listed = [await self.send(ref, command) for ref in refs]
        if self._announcer is not None:
            listing = DemonstrationList(
                title=command.list_title,
                commendation=command.commendation,
                units=tuple(view.unit for view in listed),
                at=command.at,
            )
            await self._announcer.demonstration_list_published(
                listing, actor=command.actor, request_id=command.request_id
            )
        return listed

    async def get(self, ref: ProcessRef) -> ProcessView:
        return await self._view(await self.handle(ref))

    async def handle(self, ref: ProcessRef) -> WorkflowHandle[Any, Any]:
        """The handle of the process `ref` names, under whichever id it runs: since issue 13 a new process's id
        carries the unit's official code (`unit_process_id`); one started before keeps the id it has
        (`process_id`). Found once per service run, then remembered (a process never changes its id)."""
        legacy_id = ref.workflow_id  # validates the ref's parts
        known = self._located.get(legacy_id)
        if known is None:
            known = legacy_id
            try:
                unit = await self._units.unit(ref.unit_id)
            except NotFound:
                unit = None  # not in the registry (any more): only the old form can name it
            except Exception as error:  # the registry is down: the visibility store knows the id too
                log.warning(
                    "registry unreachable (%s); looking %s up in the visibility store", error, legacy_id
                )
                found = await self._listed(ref)
                return self._client.get_workflow_handle(found or legacy_id)
            if unit is not None and unit.district_code == ref.district_code:
                current = unit_process_id(unit, ref.campaign)
                if await self._exists(current):
                    known = current
                elif not await self._exists(legacy_id):
                    return self._client.get_workflow_handle(current)  # neither yet: not remembered
            self._located[legacy_id] = known
        return self._client.get_workflow_handle(known)

    async def _listed(self, ref: ProcessRef) -> str | None:
        """The id of the unit's process in the campaign as the visibility store lists it (None: not listed)."""
        query = (
            f"WorkflowType='ZdzProcess' AND {search_attributes.UNIT_ID.name}='{ref.unit_id}' AND "
            f"{search_attributes.CAMPAIGN.name}='{ref.campaign}'"
        )
        async for execution in self._client.list_workflows(query, limit=1):
            return str(execution.id)
        return None

    async def _exists(self, workflow_id: str) -> bool:
        """Whether Temporal knows a workflow of that id (running or closed)."""
        try:
            await self._client.get_workflow_handle(workflow_id).describe()
        except RPCError as error:
            if error.status is RPCStatusCode.NOT_FOUND:
                return False
            raise
        return True

    async def history(self, ref: ProcessRef) -> tuple[HistoryEntry, ...]:
        view = await self.get(ref)
        return view.state.history if view.state else ()

    async def list(
        self,
        *,
        district_code: str = "",
        stage: Stage | None = None,
        unit_kind: UnitKind | None = None,
        page_size: int = 100,
        page_token: str = "",
    ) -> ProcessPage:
        """Running processes by district, stage and kind, from the search attributes the workflows keep."""
        clauses = ["WorkflowType='ZdzProcess'", "ExecutionStatus='Running'"]
        if district_code:
            clauses.append(f"{search_attributes.DISTRICT.name}='{_code(district_code, 'district_code')}'")
        if stage is not None:
            clauses.append(f"{search_attributes.STAGE.name}='{stage.value}'")
        if unit_kind is not None:
            clauses.append(f"{search_attributes.UNIT_KIND.name}='{unit_kind.value}'")
        if not 0 <= page_size <= MAX_PAGE_SIZE:
            raise InvalidArgument(f"须在 1–{MAX_PAGE_SIZE} 之间", field="page_size")
        token = unwrap_page_token(page_token)
        listing = self._client.list_workflows(
            " AND ".join(clauses), page_size=page_size or 100, next_page_token=token
        )
        await listing.fetch_next_page()
        processes = [_summary(execution) for execution in listing.current_page or ()]
        next_token = listing.next_page_token
        return ProcessPage(processes, wrap_page_token(next_token) if next_token else "")

    async def refresh_calendars(
        self, context: CommandContext, *, at: datetime, district_code: str = "", reason: str = ""
    ) -> tuple[int, str]:
        """Ask every running process (of a district) to recompute with the schedule now loaded."""
        version = self._schedules.load().version
        count, token = 0, ""
        while True:
            page = await self.list(district_code=district_code, page_size=MAX_PAGE_SIZE, page_token=token)
            for summary in page.processes:
                command = RefreshCalendar(
                    actor=context.actor,
                    request_id=f"{context.request_id}/{summary.process_id}",
                    at=at,
                    reason=reason or f"节假日安排更新为 {version}",
                )
                handle = self._client.get_workflow_handle(summary.process_id)
                await self._call(
                    handle.execute_update(ProcessWorkflow.refresh_calendar, command, id=command.request_id)
                )
                count += 1
            token = page.next_page_token
            if not token:
                return count, version

    async def _view(self, handle: WorkflowHandle[Any, Any]) -> ProcessView:
        try:
            view: ProcessView = await handle.query(ProcessWorkflow.view)
        except RPCError as error:
            if error.status is RPCStatusCode.NOT_FOUND:
                raise NotFound("没有该单元该批次的流程", field="process") from None
            raise
        except (
            WorkflowQueryFailedError
        ) as error:  # its workflow task failed or timed out (a busy worker): transient
            log.warning("process %s could not be read: %s", handle.id, error.message)
            raise Unavailable(
                "流程暂时无法读取，请稍后重试 (the process cannot be read right now; retry)"
            ) from error
        return view

    async def _call(self, call: Any) -> ProcessView:
        """Await an update, turning its refusal back into the domain error it was."""
        try:
            view: ProcessView = await call
        except WorkflowUpdateFailedError as error:
            cause = error.cause
            refused = domain_error_of(cause) if isinstance(cause, ApplicationError) else None
            if refused is not None:
                raise refused from None
            raise
        except RPCError as error:
            if error.status is RPCStatusCode.NOT_FOUND:
                raise _NoWorkflow("没有该单元该批次的流程", field="process") from None
            raise
        return view


class _NoWorkflow(NotFound):
    """Temporal knows no running workflow of that id (a refusal's NotFound, e.g. an unknown sheet, is another)."""


def _summary(execution: Any) -> ProcessSummary:
    attributes = execution.typed_search_attributes
    stage = attributes.get(search_attributes.STAGE)
    kind = attributes.get(search_attributes.UNIT_KIND)
    return ProcessSummary(
        process_id=execution.id,
        ref=ProcessRef(
            district_code=attributes.get(search_attributes.DISTRICT) or "",
            unit_id=attributes.get(search_attributes.UNIT_ID) or "",
            campaign=attributes.get(search_attributes.CAMPAIGN) or "",
        ),
        unit_kind=UnitKind(kind) if kind in _KINDS else None,  # a kind this version does not know: unset
        stage=Stage(stage) if stage else None,
        along_river=bool(attributes.get(search_attributes.ALONG_RIVER)),
        target_year=attributes.get(search_attributes.TARGET_YEAR) or 0,
        latest_score=attributes.get(search_attributes.LATEST_SCORE),
        grade=attributes.get(search_attributes.GRADE) or "",
        next_deadline=attributes.get(search_attributes.NEXT_DEADLINE),
    )
