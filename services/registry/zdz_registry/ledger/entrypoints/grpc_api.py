"""The ledger's gRPC API: check the permission, parse the request, build a command, call the service layer, map
the answer. Permission first, then content (zdz_common.validation): the target comes from the request's ids
through `target_id`, and a method parses nothing of the request before its check."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import grpc
from sqlmodel import Session, select

from zdz.registry.v1 import ledger_pb2 as pb
from zdz.registry.v1 import ledger_pb2_grpc
from zdz_common.authorisation import Guard, Target
from zdz_common.context import CommandContext
from zdz_common.errors import DomainError, InvalidArgument
from zdz_common.grpc_server import command_context, maps_domain_errors, status_of
from zdz_common.idempotency import idempotent
from zdz_common.validation import code_id, command_reason, optional_text, target_id
from zdz_registry.directory.service_layer.services import district_of_unit
from zdz_registry.domain.permissions import LEDGER_POLICY
from zdz_registry.ledger.adapters import report_files
from zdz_registry.ledger.adapters.event_mapping import unit_ref_to_pb
from zdz_registry.ledger.adapters.orm import ProblemView
from zdz_registry.ledger.domain.checks import as_date
from zdz_registry.ledger.domain.commands import (
    AssignTask,
    OpenTask,
    RectifyTask,
    RowCommand,
    SetAcceptanceState,
    TaskCommand,
    VerifyTask,
)
from zdz_registry.ledger.domain.problems import TaskState
from zdz_registry.ledger.domain.progress import ProgressReport
from zdz_registry.ledger.domain.rows import EntityClass
from zdz_registry.ledger.entrypoints.messages import (
    enum_arg,
    facts_to_pb,
    ledger_row,
    problem_to_pb,
    progress_to_pb,
    report_to_pb,
    row_command,
    standing_to_pb,
    step_of,
)
from zdz_registry.ledger.service_layer.services import MAX_IMPORT_ROWS, ImportReport, LedgerService

# ReportFormat → (writer, file extension, media type)
REPORT_FILES: dict[int, tuple[Callable[[ProgressReport], bytes], str, str]] = {
    pb.REPORT_FORMAT_XLSX: (report_files.to_xlsx, "xlsx", report_files.XLSX_MEDIA_TYPE),
    pb.REPORT_FORMAT_CSV: (report_files.to_csv, "csv", report_files.CSV_MEDIA_TYPE),
}


def _parsed(unit_id: str, row: pb.LedgerRow) -> RowCommand | DomainError:
    try:
        return row_command(unit_id, row)
    except DomainError as error:
        return error


def _report_to_pb(report: ImportReport) -> pb.ImportLedgerRowsResponse:
    results = []
    for result in report.results:
        if result.error is not None:
            results.append(
                pb.RowResult(
                    row=result.row,
                    outcome=pb.ROW_OUTCOME_REJECTED,
                    code=status_of(result.error).name,
                    field=result.error.field or "",
                    reason=result.error.message,
                )
            )
        else:
            outcome = pb.ROW_OUTCOME_ACCEPTED if report.written else pb.ROW_OUTCOME_NOT_WRITTEN
            results.append(pb.RowResult(row=result.row, outcome=outcome, id=result.id))
    return pb.ImportLedgerRowsResponse(
        results=results, accepted=report.accepted, rejected=report.rejected, written=report.written
    )


class LedgerServicer(ledger_pb2_grpc.LedgerServiceServicer):
    def __init__(self, service: LedgerService, *, max_import_rows: int = MAX_IMPORT_ROWS) -> None:
        self._service = service
        self._max_import_rows = max_import_rows
        self._guard = Guard(LEDGER_POLICY, service="registry", engine=service.engine, store=service.store)

    async def _allowed(self, action: str, context: grpc.aio.ServicerContext, unit_id: str) -> CommandContext:
        """Who asks, once the permission table lets them act on this unit (PERMISSION_DENIED, recorded, otherwise);
        then the unit id is checked like any other field."""
        target = target_id(unit_id)
        district = await asyncio.to_thread(district_of_unit, self._service.engine, target) if target else ""
        ctx = await self._guard.admit(action, Target(unit_id=target, district_code=district), context)
        code_id(unit_id, "unit_id")
        return ctx

    async def _verifies_allowed(
        self, context: grpc.aio.ServicerContext, unit_id: str, rows: list[RowCommand | DomainError]
    ) -> None:
        """A VERIFY task step sent as a ledger row is a verification too: the VerifyTask rule applies to it
        (nobody accepts their own work, issue 11)."""
        if any(isinstance(row, VerifyTask) for row in rows):
            await self._allowed("VerifyTask", context, unit_id)

    def _unit_of_problem(self, problem_id: str) -> str:
        with Session(self._service.engine) as session:
            return session.exec(select(ProblemView.unit_id).where(ProblemView.id == problem_id)).first() or ""

    @maps_domain_errors
    @idempotent(pb.RecordLedgerRowResponse)
    async def RecordLedgerRow(self, request: pb.RecordLedgerRowRequest, context: grpc.aio.ServicerContext):
        ctx = await self._allowed("RecordLedgerRow", context, request.unit_id)
        command = row_command(request.unit_id, request.row)
        await self._verifies_allowed(context, request.unit_id, [command])
        row_id, changed = await asyncio.to_thread(self._service.record_row, request.unit_id, command, ctx)
        return pb.RecordLedgerRowResponse(id=row_id, changed=changed)

    @maps_domain_errors
    @idempotent(pb.ImportLedgerRowsResponse)
    async def ImportLedgerRows(
        self, requests: AsyncIterator[pb.ImportLedgerRowsRequest], context: grpc.aio.ServicerContext
    ):
        # Rows are parsed as they arrive but written only once the batch is complete, in one transaction: an
        # oversized batch is refused before anything is written, and nothing holds the database while rows travel.
        unit_id, all_or_nothing = "", False
        rows: list[RowCommand | DomainError] = []
        ctx = command_context(context)
        async for request in requests:
            if not unit_id:
                unit_id, all_or_nothing = request.options.unit_id, request.options.all_or_nothing
                if not unit_id:
                    raise InvalidArgument(
                        "第一条消息须带 options.unit_id (the first message names the unit)",
                        field="options.unit_id",
                    )
                ctx = await self._allowed("ImportLedgerRows", context, unit_id)
            if len(rows) + len(request.rows) > self._max_import_rows:
                raise InvalidArgument(
                    f"每批最多 {self._max_import_rows} 行，请分批导入；本批未写入任何数据 "
                    f"(at most {self._max_import_rows} rows per batch; nothing was written)",
                    field="rows",
                )
            rows.extend(_parsed(unit_id, row) for row in request.rows)
        if not unit_id:
            raise InvalidArgument("空的导入请求 (no options, no rows)", field="options.unit_id")
        await self._verifies_allowed(context, unit_id, rows)
        report = await asyncio.to_thread(
            self._service.import_rows,
            unit_id,
            rows,
            all_or_nothing=all_or_nothing,
            context=ctx,
        )
        return _report_to_pb(report)

    @maps_domain_errors
    async def ListLedgerRows(self, request: pb.ListLedgerRowsRequest, context: grpc.aio.ServicerContext):
        await self._allowed("ListLedgerRows", context, request.unit_id)
        name = enum_arg(request, "entity_class", "entity_class")
        entity_class = EntityClass(name) if name else None
        page = await asyncio.to_thread(
            self._service.list_rows, request.unit_id, entity_class, request.page_size, request.page_token
        )
        return pb.ListLedgerRowsResponse(
            rows=[ledger_row(entity_class, view) for view in page.items],  # type: ignore[arg-type]
            next_page_token=page.next_page_token,
            total_size=page.total_size,
        )

    @maps_domain_errors
    async def GetProblem(self, request: pb.GetProblemRequest, context: grpc.aio.ServicerContext):
        problem_id = target_id(request.id)
        unit_id = await asyncio.to_thread(self._unit_of_problem, problem_id) if problem_id else ""
        await self._allowed("GetProblem", context, unit_id)
        code_id(request.id, "id")
        listing = await asyncio.to_thread(self._service.get_problem, request.id)
        return pb.GetProblemResponse(problem=problem_to_pb(listing))

    @maps_domain_errors
    async def ListProblems(self, request: pb.ListProblemsRequest, context: grpc.aio.ServicerContext):
        await self._allowed("ListProblems", context, request.unit_id)
        name = enum_arg(request, "task_state", "task_state")
        page = await asyncio.to_thread(
            self._service.list_problems,
            request.unit_id,
            TaskState(name) if name else None,
            request.page_size,
            request.page_token,
        )
        return pb.ListProblemsResponse(
            problems=[problem_to_pb(listing) for listing in page.items],
            next_page_token=page.next_page_token,
            total_size=page.total_size,
        )

    async def _move(
        self,
        action: type[TaskCommand],
        request: pb.OpenTaskRequest | pb.AssignTaskRequest | pb.RectifyTaskRequest | pb.VerifyTaskRequest,
        context: grpc.aio.ServicerContext,
        *detail: str,
    ) -> pb.Problem:
        """A task step: the permission on the request's unit first, then the request parsed into `action`."""
        ctx = await self._allowed(action.__name__, context, request.unit_id)
        problem_id = code_id(request.problem_id, "problem_id")
        command = action(request.unit_id, problem_id, *detail, step_of(request.step))  # type: ignore[call-arg]
        listing = await asyncio.to_thread(self._service.move_task, command, ctx)
        return problem_to_pb(listing)

    @maps_domain_errors
    @idempotent(pb.OpenTaskResponse)
    async def OpenTask(self, request: pb.OpenTaskRequest, context: grpc.aio.ServicerContext):
        owner, deadline = request.owner, request.deadline
        return pb.OpenTaskResponse(problem=await self._move(OpenTask, request, context, owner, deadline))

    @maps_domain_errors
    @idempotent(pb.AssignTaskResponse)
    async def AssignTask(self, request: pb.AssignTaskRequest, context: grpc.aio.ServicerContext):
        return pb.AssignTaskResponse(problem=await self._move(AssignTask, request, context, request.assignee))

    @maps_domain_errors
    @idempotent(pb.RectifyTaskResponse)
    async def RectifyTask(self, request: pb.RectifyTaskRequest, context: grpc.aio.ServicerContext):
        return pb.RectifyTaskResponse(problem=await self._move(RectifyTask, request, context))

    @maps_domain_errors
    @idempotent(pb.VerifyTaskResponse)
    async def VerifyTask(self, request: pb.VerifyTaskRequest, context: grpc.aio.ServicerContext):
        return pb.VerifyTaskResponse(problem=await self._move(VerifyTask, request, context))

    @maps_domain_errors
    async def GetUnitFacts(self, request: pb.GetUnitFactsRequest, context: grpc.aio.ServicerContext):
        await self._allowed("GetUnitFacts", context, request.unit_id)
        found_since = as_date(request.found_since, "found_since") if request.found_since else None
        answer = await asyncio.to_thread(self._service.unit_facts, request.unit_id, found_since=found_since)
        return pb.GetUnitFactsResponse(
            facts=facts_to_pb(request.unit_id, answer.facts),
            unit=unit_ref_to_pb(answer.unit),
            district_name=answer.district_name,
        )

    @maps_domain_errors
    @idempotent(pb.SetAcceptanceStateResponse)
    async def SetAcceptanceState(
        self, request: pb.SetAcceptanceStateRequest, context: grpc.aio.ServicerContext
    ):
        ctx = await self._allowed("SetAcceptanceState", context, request.unit_id)
        command = SetAcceptanceState(
            unit_id=request.unit_id,
            state=enum_arg(request, "state", "acceptance.state"),
            on=optional_text(request.on, "on", max_length=10),
            reason=command_reason(request.reason),
        )
        view = await asyncio.to_thread(self._service.set_acceptance_state, command, ctx)
        return pb.SetAcceptanceStateResponse(standing=standing_to_pb(view))

    @maps_domain_errors
    async def GetDistrictProgress(
        self, request: pb.GetDistrictProgressRequest, context: grpc.aio.ServicerContext
    ):
        ctx = command_context(context)
        await self._guard.check(
            "GetDistrictProgress", Target(district_code=target_id(request.district_code)), ctx
        )
        code_id(request.district_code, "district_code", required=False)
        as_of = as_date(request.as_of, "as_of")
        progress = await asyncio.to_thread(self._service.district_progress, request.district_code, as_of)
        return pb.GetDistrictProgressResponse(progress=progress_to_pb(progress))

    @maps_domain_errors
    async def GetProgressReport(
        self, request: pb.GetProgressReportRequest, context: grpc.aio.ServicerContext
    ):
        ctx = command_context(context)
        await self._guard.check(
            "GetProgressReport", Target(district_code=target_id(request.district_code)), ctx
        )
        code_id(request.district_code, "district_code", required=False)
        as_of = as_date(request.as_of, "as_of")
        report_format = request.format
        if report_format not in REPORT_FILES and report_format != pb.REPORT_FORMAT_UNSPECIFIED:
            raise InvalidArgument(f"未知的导出格式 {report_format} (unknown report format)", field="format")
        report = await asyncio.to_thread(self._service.progress_report, request.district_code, as_of)
        response = pb.GetProgressReportResponse(report=report_to_pb(report))
        if report_format in REPORT_FILES:
            write, extension, media_type = REPORT_FILES[report_format]
            response.content = await asyncio.to_thread(write, report)
            response.filename = report_files.filename(report, extension)
            response.media_type = media_type
        return response
