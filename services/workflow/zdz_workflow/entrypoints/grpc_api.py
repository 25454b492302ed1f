"""The workflow service's gRPC API: parse the request, build the command, hand it to the service layer, map back.

Who asks comes from the call's metadata (zdz_common.grpc_server.command_context); a refusal of the rules arrives
as a domain error and leaves as its status code with the clerk's message (maps_domain_errors).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import grpc

from zdz.workflow.v1 import workflow_pb2 as pb
from zdz.workflow.v1 import workflow_pb2_grpc
from zdz_common.authorisation import Guard, Target
from zdz_common.errors import InvalidArgument
from zdz_common.grpc_server import command_context, maps_domain_errors
from zdz_workflow.domain.commands import (
    CloseSpotCheckWindow,
    Command,
    CompleteSurvey,
    DeclareRectificationDone,
    DrawForSpotCheck,
    ImportProcess,
    OpenProcess,
    PublishNotice,
    RaiseObjection,
    RecordDistrictVerdict,
    RecordLookBackVerdict,
    RecordReReviewVerdict,
    RecordSpotCheckVerdict,
    ReportLookBackRectified,
    ResolveObjection,
    StartLookBack,
    StartReacceptance,
    SubmitPlan,
    SubmitSelfCheck,
)
from zdz_workflow.domain.values import Campaign
from zdz_workflow.entrypoints.pb_mapping import (
    campaign_of,
    date_of,
    findings_of,
    history_pb,
    optional_score,
    process_pb,
    ref_of,
    required_date,
    score_of,
    stage_of,
    summary_pb,
    unit_kind_of,
)
from zdz_workflow.temporal.payloads import ProcessView
from zdz_workflow.temporal.processes import ProcessService

Context = grpc.aio.ServicerContext


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _request_id(context: Context) -> str:
    """The command's id, which is also its Temporal update id: an `x-idempotency-key` (scoped to the caller) makes
    a retried command the same update, which Temporal answers with the first result and never applies twice."""
    who = command_context(context)
    metadata = {k: v for k, v in (context.invocation_metadata() or ()) if isinstance(v, str)}
    key = metadata.get("x-idempotency-key", "").strip()
    return f"idem/{who.actor.organisation}/{who.actor.person}/{key}" if key else who.request_id


def _permission_on_process(method: Any) -> Any:
    """Check who may call a stage command on the process it names, before anything of the request is parsed, so a
    caller without the right is refused (and recorded) whatever else is wrong with the request. The one check of
    a stage command: the action is the method's name, which is the command's (`_send` checks nothing again)."""

    @functools.wraps(method)
    async def checked(self: WorkflowServicer, request: Any, context: Context) -> Any:
        ref = request.process
        await self._allowed(method.__name__, context, unit_id=ref.unit_id, district_code=ref.district_code)
        return await method(self, request, context)

    return checked


class WorkflowServicer(workflow_pb2_grpc.WorkflowServiceServicer):
    def __init__(
        self, service: ProcessService, *, guard: Guard | None = None, clock: Callable[[], datetime] = _utc_now
    ) -> None:
        self._service = service
        self._guard = guard  # None: no permission checks (tests that run without authentication)
        self._clock = clock

    async def _allowed(
        self, action: str, context: Context, *, unit_id: str = "", district_code: str = ""
    ) -> None:
        if self._guard is not None:
            await self._guard.admit(action, Target(unit_id=unit_id, district_code=district_code), context)

    def _envelope(self, request: Any, context: Context) -> dict[str, Any]:
        """Who, which request, when (the request's `at`, else now), why, on what evidence."""
        who = command_context(context)
        at = request.at.ToDatetime(tzinfo=UTC) if request.HasField("at") else self._clock()
        return {
            "actor": who.actor,
            "request_id": _request_id(context),
            "at": at,
            "reason": request.reason,
            "evidence": tuple(request.evidence),
        }

    async def _send(
        self, request: Any, context: Context, command_type: type[Command], **fields: Any
    ) -> ProcessView:
        """Build the command and send it; the caller's method is `@_permission_on_process`, checked already."""
        if not request.HasField("process"):
            raise InvalidArgument("必填 (required)", field="process")
        command = command_type(**self._envelope(request, context), **fields)
        return await self._service.send(ref_of(request.process), command)

    @maps_domain_errors
    async def StartProcess(
        self, request: pb.StartProcessRequest, context: Context
    ) -> pb.StartProcessResponse:
        who = command_context(context)
        unit = await self._service.unit(request.unit_id)
        await self._allowed("StartProcess", context, unit_id=unit.unit_id, district_code=unit.district_code)
        command = OpenProcess(
            actor=who.actor,
            request_id=_request_id(context),
            at=self._clock(),
            reason=request.reason,
            evidence=tuple(request.evidence),
            unit_id=unit.unit_id,
            unit_kind=unit.kind,
            campaign=campaign_of(request.campaign),
        )
        return pb.StartProcessResponse(process=process_pb(await self._service.start(unit, command)))

    @maps_domain_errors
    async def ImportProcess(
        self, request: pb.ImportProcessRequest, context: Context
    ) -> pb.ImportProcessResponse:
        who = command_context(context)
        unit = await self._service.unit(request.unit_id)
        await self._allowed("ImportProcess", context, unit_id=unit.unit_id, district_code=unit.district_code)
        stage = stage_of(request.stage)
        if stage is None:
            raise InvalidArgument("必填：单元当前所处的阶段", field="stage")
        if not request.HasField("stage_since"):
            raise InvalidArgument("必填：进入该阶段的时间", field="stage_since")
        command = ImportProcess(
            actor=who.actor,
            request_id=_request_id(context),
            at=self._clock(),
            reason=request.reason,
            evidence=tuple(request.evidence),
            unit_id=unit.unit_id,
            unit_kind=unit.kind,
            campaign=campaign_of(request.campaign),
            stage=stage,
            stage_since=request.stage_since.ToDatetime(tzinfo=UTC),
            latest_score=optional_score(request.latest_score, "latest_score"),
            notice_published_on=date_of(request.notice_published_on, "notice_published_on"),
            notice_working_days=request.notice_working_days or 5,
            rectify_by=date_of(request.rectify_by, "rectify_by"),
            awaiting_re_review=request.awaiting_re_review,
            look_back_round=request.look_back_round,
            consecutive_look_back_failures=request.consecutive_look_back_failures,
        )
        return pb.ImportProcessResponse(process=process_pb(await self._service.start(unit, command)))

    @maps_domain_errors
    @_permission_on_process
    async def CompleteSurvey(
        self, request: pb.CompleteSurveyRequest, context: Context
    ) -> pb.CompleteSurveyResponse:
        view = await self._send(request, context, CompleteSurvey)
        return pb.CompleteSurveyResponse(process=process_pb(view))

    @maps_domain_errors
    @_permission_on_process
    async def SubmitPlan(self, request: pb.SubmitPlanRequest, context: Context) -> pb.SubmitPlanResponse:
        view = await self._send(request, context, SubmitPlan)
        return pb.SubmitPlanResponse(process=process_pb(view))

    @maps_domain_errors
    @_permission_on_process
    async def DeclareRectificationDone(
        self, request: pb.DeclareRectificationDoneRequest, context: Context
    ) -> pb.DeclareRectificationDoneResponse:
        view = await self._send(request, context, DeclareRectificationDone)
        return pb.DeclareRectificationDoneResponse(process=process_pb(view))

    @maps_domain_errors
    @_permission_on_process
    async def SubmitSelfCheck(
        self, request: pb.SubmitSelfCheckRequest, context: Context
    ) -> pb.SubmitSelfCheckResponse:
        view = await self._send(request, context, SubmitSelfCheck, score=score_of(request.score))
        return pb.SubmitSelfCheckResponse(process=process_pb(view))

    @maps_domain_errors
    @_permission_on_process
    async def RecordDistrictVerdict(
        self, request: pb.RecordDistrictVerdictRequest, context: Context
    ) -> pb.RecordDistrictVerdictResponse:
        view = await self._send(
            request,
            context,
            RecordDistrictVerdict,
            score=score_of(request.score),
            findings=findings_of(request.findings),
            rectify_by=date_of(request.rectify_by, "rectify_by"),
        )
        return pb.RecordDistrictVerdictResponse(process=process_pb(view))

    @maps_domain_errors
    @_permission_on_process
    async def PublishNotice(
        self, request: pb.PublishNoticeRequest, context: Context
    ) -> pb.PublishNoticeResponse:
        view = await self._send(
            request,
            context,
            PublishNotice,
            published_on=required_date(request.published_on, "published_on"),
            working_days=request.working_days or 5,
        )
        return pb.PublishNoticeResponse(process=process_pb(view))

    @maps_domain_errors
    @_permission_on_process
    async def RaiseObjection(
        self, request: pb.RaiseObjectionRequest, context: Context
    ) -> pb.RaiseObjectionResponse:
        view = await self._send(request, context, RaiseObjection, objection_id=request.objection_id)
        return pb.RaiseObjectionResponse(process=process_pb(view))

    @maps_domain_errors
    @_permission_on_process
    async def ResolveObjection(
        self, request: pb.ResolveObjectionRequest, context: Context
    ) -> pb.ResolveObjectionResponse:
        view = await self._send(
            request,
            context,
            ResolveObjection,
            objection_id=request.objection_id,
            upheld=request.upheld,
            findings=findings_of(request.findings),
            rectify_by=date_of(request.rectify_by, "rectify_by"),
        )
        return pb.ResolveObjectionResponse(process=process_pb(view))

    @maps_domain_errors
    @_permission_on_process
    async def DrawForSpotCheck(
        self, request: pb.DrawForSpotCheckRequest, context: Context
    ) -> pb.DrawForSpotCheckResponse:
        view = await self._send(request, context, DrawForSpotCheck)
        return pb.DrawForSpotCheckResponse(process=process_pb(view))

    @maps_domain_errors
    @_permission_on_process
    async def CloseSpotCheckWindow(
        self, request: pb.CloseSpotCheckWindowRequest, context: Context
    ) -> pb.CloseSpotCheckWindowResponse:
        view = await self._send(request, context, CloseSpotCheckWindow)
        return pb.CloseSpotCheckWindowResponse(process=process_pb(view))

    @maps_domain_errors
    @_permission_on_process
    async def RecordSpotCheckVerdict(
        self, request: pb.RecordSpotCheckVerdictRequest, context: Context
    ) -> pb.RecordSpotCheckVerdictResponse:
        view = await self._send(
            request,
            context,
            RecordSpotCheckVerdict,
            score=score_of(request.score),
            findings=findings_of(request.findings),
            rectify_by=date_of(request.rectify_by, "rectify_by"),
        )
        return pb.RecordSpotCheckVerdictResponse(process=process_pb(view))

    @maps_domain_errors
    @_permission_on_process
    async def RecordReReviewVerdict(
        self, request: pb.RecordReReviewVerdictRequest, context: Context
    ) -> pb.RecordReReviewVerdictResponse:
        view = await self._send(
            request,
            context,
            RecordReReviewVerdict,
            score=score_of(request.score),
            findings=findings_of(request.findings),
            rectify_by=date_of(request.rectify_by, "rectify_by"),
        )
        return pb.RecordReReviewVerdictResponse(process=process_pb(view))

    @maps_domain_errors
    @_permission_on_process
    async def StartLookBack(
        self, request: pb.StartLookBackRequest, context: Context
    ) -> pb.StartLookBackResponse:
        view = await self._send(request, context, StartLookBack)
        return pb.StartLookBackResponse(process=process_pb(view))

    @maps_domain_errors
    @_permission_on_process
    async def RecordLookBackVerdict(
        self, request: pb.RecordLookBackVerdictRequest, context: Context
    ) -> pb.RecordLookBackVerdictResponse:
        view = await self._send(
            request,
            context,
            RecordLookBackVerdict,
            passed=request.passed,
            findings=findings_of(request.findings),
            rectify_by=date_of(request.rectify_by, "rectify_by"),
            order_reacceptance=request.order_reacceptance,
        )
        return pb.RecordLookBackVerdictResponse(process=process_pb(view))

    @maps_domain_errors
    @_permission_on_process
    async def ReportLookBackRectified(
        self, request: pb.ReportLookBackRectifiedRequest, context: Context
    ) -> pb.ReportLookBackRectifiedResponse:
        view = await self._send(request, context, ReportLookBackRectified)
        return pb.ReportLookBackRectifiedResponse(process=process_pb(view))

    @maps_domain_errors
    @_permission_on_process
    async def StartReacceptance(
        self, request: pb.StartReacceptanceRequest, context: Context
    ) -> pb.StartReacceptanceResponse:
        view = await self._send(
            request,
            context,
            StartReacceptance,
            campaign=Campaign(name=request.campaign),
            rectify_by=date_of(request.rectify_by, "rectify_by"),
        )
        return pb.StartReacceptanceResponse(process=process_pb(view))

    @maps_domain_errors
    async def RefreshCalendars(
        self, request: pb.RefreshCalendarsRequest, context: Context
    ) -> pb.RefreshCalendarsResponse:
        await self._allowed("RefreshCalendars", context, district_code=request.district_code)
        count, version = await self._service.refresh_calendars(
            command_context(context),
            at=self._clock(),
            district_code=request.district_code,
            reason=request.reason,
        )
        return pb.RefreshCalendarsResponse(processes=count, calendar_version=version)

    @maps_domain_errors
    async def GetProcess(self, request: pb.GetProcessRequest, context: Context) -> pb.GetProcessResponse:
        ref = request.process
        await self._allowed("GetProcess", context, unit_id=ref.unit_id, district_code=ref.district_code)
        view = await self._service.get(ref_of(request.process))
        return pb.GetProcessResponse(process=process_pb(view))

    @maps_domain_errors
    async def GetProcessHistory(
        self, request: pb.GetProcessHistoryRequest, context: Context
    ) -> pb.GetProcessHistoryResponse:
        ref = request.process
        await self._allowed(
            "GetProcessHistory", context, unit_id=ref.unit_id, district_code=ref.district_code
        )
        entries = await self._service.history(ref_of(request.process))
        return pb.GetProcessHistoryResponse(entries=[history_pb(e) for e in entries])

    @maps_domain_errors
    async def ListProcesses(
        self, request: pb.ListProcessesRequest, context: Context
    ) -> pb.ListProcessesResponse:
        await self._allowed("ListProcesses", context, district_code=request.district_code)
        page = await self._service.list(
            district_code=request.district_code,
            stage=stage_of(request.stage),
            unit_kind=unit_kind_of(request.unit_kind),
            page_size=request.page_size,
            page_token=request.page_token,
        )
        return pb.ListProcessesResponse(
            processes=[summary_pb(s) for s in page.processes], next_page_token=page.next_page_token
        )
