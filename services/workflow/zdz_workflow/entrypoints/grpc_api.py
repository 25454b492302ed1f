"""The workflow service's gRPC API: parse the request, build the command, hand it to the service layer, map back.

Who asks comes from the call's metadata (zdz_common.grpc_server.command_context); a refusal of the rules arrives
as a domain error and leaves as its status code with the clerk's message (maps_domain_errors).

Permission first, then content (zdz_common.validation): the target comes from the request's ids through
`target_id` (a malformed id names nothing, so only a caller who may make the call learns it is malformed), and
nothing else of the request is parsed before the check (`_permission_on_process`, `_unit_allowed`).
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import grpc
from google.protobuf.message import Message
from sqlalchemy.engine import Engine

from zdz.workflow.v1 import workflow_pb2 as pb
from zdz.workflow.v1 import workflow_pb2_grpc
from zdz_common.authorisation import Guard, Target
from zdz_common.errors import DomainError, InvalidArgument
from zdz_common.grpc_server import command_context, maps_domain_errors
from zdz_common.idempotency import METADATA_KEY as IDEMPOTENCY_KEY
from zdz_common.idempotency import claim_key, release_key
from zdz_common.validation import (
    MAX_REPEATED,
    bounded_items,
    bounded_number,
    code_id,
    command_evidence,
    command_reason,
    instant,
    label_code,
    require_text,
    target_id,
)
from zdz_workflow.domain.commands import (
    AcknowledgeFiling,
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
    ReportLookBackRectified,
    ResolveObjection,
    StartLookBack,
    StartReacceptance,
    SubmitDemonstrationReport,
    SubmitPlan,
    SubmitSelfCheck,
    VerifyLookBackRectification,
)
from zdz_workflow.domain.permissions import objection_action
from zdz_workflow.domain.units import UnitInfo
from zdz_workflow.domain.values import Campaign, ObjectionSource
from zdz_workflow.entrypoints.pb_mapping import (
    campaign_of,
    channel_of,
    date_of,
    findings_of,
    flag_rule_of,
    history_pb,
    objection_source_of,
    objector_of,
    process_pb,
    ref_of,
    required_date,
    round_pb,
    sheet_id_of,
    stage_of,
    summary_pb,
    unit_kind_of,
    verifications_of,
)
from zdz_workflow.temporal.payloads import ProcessView
from zdz_workflow.temporal.processes import ProcessService
from zdz_workflow.temporal.rounds import SpotCheckRounds
from zdz_workflow.temporal.workflows import CLOCK_TOLERANCE

Context = grpc.aio.ServicerContext


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _idempotency_key(context: Context) -> str:
    metadata = {k: v for k, v in (context.invocation_metadata() or ()) if isinstance(v, str)}
    return metadata.get(IDEMPOTENCY_KEY, "").strip()


def _request_id(context: Context, request: Message) -> str:
    """The command's id, which is also its Temporal update id: an `x-idempotency-key` (scoped to the caller) makes
    a retried command the same update, which Temporal answers with the first result and never applies twice.
    The id ends with a fingerprint of the request (its type and bytes): the same key on another command or
    request is another id, which `_keyed` refuses before it reaches Temporal, instead of letting Temporal answer
    the first command's result for it."""
    who = command_context(context)
    key = _idempotency_key(context)
    if not key:
        return who.request_id
    body = request.DESCRIPTOR.full_name.encode() + b"\0" + request.SerializeToString(deterministic=True)
    return f"idem/{who.actor.organisation}/{who.actor.person}/{key}#{hashlib.sha256(body).hexdigest()[:16]}"


def _keyed(method: Any) -> Any:
    """Every command method: an `x-idempotency-key` names one request of its caller's. The key is claimed with
    the method and the request's fingerprint in the service's store (zdz_common.idempotency.claim_key) before
    the command runs, whatever process, unit or round it names; the same key with another method or request is
    refused FAILED_PRECONDITION naming the key, and nothing of it is applied. A refused command frees its key."""

    @functools.wraps(method)
    async def keyed(self: WorkflowServicer, request: Any, context: Context) -> Any:
        key = _idempotency_key(context)
        if not key:
            return await method(self, request, context)
        actor = command_context(context).actor
        caller = f"{actor.organisation}/{actor.person}"
        claim = await asyncio.to_thread(claim_key, self._keys, caller, key, method.__name__, request)
        try:
            return await method(self, request, context)
        except DomainError:  # refused, by this attempt or by a retry of one a fault cut short: no trace
            await asyncio.to_thread(release_key, self._keys, claim)
            raise

    keyed.keyed = True  # type: ignore[attr-defined]  # copied onto the outer decorators' wrappers
    return keyed


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


MAX_SHEETS = 50  # sheets an imported process refers to
MAX_WORKING_DAYS = 60  # a 公示 runs 5 working days (000 三（四）); a deployment may set more, never months
MAX_ROUNDS = 100  # look-back rounds: one a year


class WorkflowServicer(workflow_pb2_grpc.WorkflowServiceServicer):
    def __init__(
        self,
        service: ProcessService,
        *,
        rounds: SpotCheckRounds,
        keys: Engine,
        guard: Guard | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._service = service
        self._rounds = rounds
        self._keys = keys  # the service's store: its es_idempotency table remembers the commands' keys
        self._guard = guard  # None: no permission checks (tests that run without authentication)
        self._clock = clock

    async def _allowed(
        self, action: str, context: Context, *, unit_id: str = "", district_code: str = ""
    ) -> None:
        if self._guard is not None:
            target = Target(unit_id=target_id(unit_id), district_code=target_id(district_code))
            await self._guard.admit(action, target, context)

    async def _unit_allowed(self, action: str, unit_id: str, context: Context) -> UnitInfo:
        """The unit a start names, once the caller may start its process (a malformed id is checked against an
        empty target first, then refused as INVALID_ARGUMENT)."""
        if not target_id(unit_id):
            await self._allowed(action, context)
            code_id(unit_id, "unit_id")
        unit = await self._service.unit(unit_id)
        await self._allowed(action, context, unit_id=unit.unit_id, district_code=unit.district_code)
        return unit

    def _envelope(self, request: Any, context: Context) -> dict[str, Any]:
        """Who, which request, when (the request's `at`, else now), why, on what evidence."""
        who = command_context(context)
        at = instant(request.at, "at") if request.HasField("at") else self._clock()
        return {
            "actor": who.actor,
            "request_id": _request_id(context, request),
            "at": at,
            "reason": request.reason,
            "evidence": command_evidence(request.evidence),
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
    @_keyed
    async def StartProcess(
        self, request: pb.StartProcessRequest, context: Context
    ) -> pb.StartProcessResponse:
        who = command_context(context)
        unit = await self._unit_allowed("StartProcess", request.unit_id, context)
        now = self._clock()
        at = instant(request.at, "at") if request.HasField("at") else now
        if at > now + CLOCK_TOLERANCE:
            raise InvalidArgument(
                f"时间 {at.isoformat()} 晚于当前时间 {now.isoformat()}，不能登记尚未发生的事", field="at"
            )
        command = OpenProcess(
            actor=who.actor,
            request_id=_request_id(context, request),
            at=at,
            reason=request.reason,
            evidence=command_evidence(request.evidence),
            unit_id=unit.unit_id,
            unit_kind=unit.kind,
            campaign=campaign_of(request.campaign),
        )
        return pb.StartProcessResponse(process=process_pb(await self._service.start(unit, command)))

    @maps_domain_errors
    @_keyed
    async def ImportProcess(
        self, request: pb.ImportProcessRequest, context: Context
    ) -> pb.ImportProcessResponse:
        who = command_context(context)
        unit = await self._unit_allowed("ImportProcess", request.unit_id, context)
        stage = stage_of(request.stage)
        if stage is None:
            raise InvalidArgument("必填：单元当前所处的阶段", field="stage")
        if not request.HasField("stage_since"):
            raise InvalidArgument("必填：进入该阶段的时间", field="stage_since")
        command = ImportProcess(
            actor=who.actor,
            request_id=_request_id(context, request),
            at=self._clock(),
            reason=request.reason,
            evidence=command_evidence(request.evidence),
            unit_id=unit.unit_id,
            unit_kind=unit.kind,
            campaign=campaign_of(request.campaign),
            stage=stage,
            stage_since=instant(request.stage_since, "stage_since"),
            sheet_ids=tuple(
                sheet_id_of(sheet_id, f"sheet_ids[{i}]")
                for i, sheet_id in enumerate(
                    bounded_items(request.sheet_ids, "sheet_ids", max_items=MAX_SHEETS)
                )
            ),
            filing_number=request.filing_number,
            notice_published_on=date_of(request.notice_published_on, "notice_published_on"),
            notice_working_days=int(
                bounded_number(
                    request.notice_working_days or 5, "notice_working_days", maximum=MAX_WORKING_DAYS
                )
            ),
            rectify_by=date_of(request.rectify_by, "rectify_by"),
            awaiting_re_review=request.awaiting_re_review,
            look_back_round=int(
                bounded_number(request.look_back_round, "look_back_round", maximum=MAX_ROUNDS)
            ),
            consecutive_look_back_failures=int(
                bounded_number(
                    request.consecutive_look_back_failures,
                    "consecutive_look_back_failures",
                    maximum=MAX_ROUNDS,
                )
            ),
        )
        return pb.ImportProcessResponse(process=process_pb(await self._service.start(unit, command)))

    @maps_domain_errors
    @_permission_on_process
    @_keyed
    async def CompleteSurvey(
        self, request: pb.CompleteSurveyRequest, context: Context
    ) -> pb.CompleteSurveyResponse:
        view = await self._send(request, context, CompleteSurvey)
        return pb.CompleteSurveyResponse(process=process_pb(view))

    @maps_domain_errors
    @_permission_on_process
    @_keyed
    async def SubmitPlan(self, request: pb.SubmitPlanRequest, context: Context) -> pb.SubmitPlanResponse:
        view = await self._send(request, context, SubmitPlan)
        return pb.SubmitPlanResponse(process=process_pb(view))

    @maps_domain_errors
    @_permission_on_process
    @_keyed
    async def DeclareRectificationDone(
        self, request: pb.DeclareRectificationDoneRequest, context: Context
    ) -> pb.DeclareRectificationDoneResponse:
        view = await self._send(request, context, DeclareRectificationDone)
        return pb.DeclareRectificationDoneResponse(process=process_pb(view))

    @maps_domain_errors
    @_permission_on_process
    @_keyed
    async def SubmitSelfCheck(
        self, request: pb.SubmitSelfCheckRequest, context: Context
    ) -> pb.SubmitSelfCheckResponse:
        view = await self._send(request, context, SubmitSelfCheck, sheet_id=sheet_id_of(request.sheet_id))
        return pb.SubmitSelfCheckResponse(process=process_pb(view))

    @maps_domain_errors
    @_permission_on_process
    @_keyed
    async def RecordDistrictVerdict(
        self, request: pb.RecordDistrictVerdictRequest, context: Context
    ) -> pb.RecordDistrictVerdictResponse:
        view = await self._send(
            request,
            context,
            RecordDistrictVerdict,
            sheet_id=sheet_id_of(request.sheet_id),
            findings=findings_of(request.findings),
            rectify_by=date_of(request.rectify_by, "rectify_by"),
        )
        return pb.RecordDistrictVerdictResponse(process=process_pb(view))

    @maps_domain_errors
    @_permission_on_process
    @_keyed
    async def PublishNotice(
        self, request: pb.PublishNoticeRequest, context: Context
    ) -> pb.PublishNoticeResponse:
        view = await self._send(
            request,
            context,
            PublishNotice,
            published_on=required_date(request.published_on, "published_on"),
            working_days=int(
                bounded_number(request.working_days or 5, "working_days", maximum=MAX_WORKING_DAYS)
            ),
            channel=channel_of(request.channel) if request.HasField("channel") else None,
        )
        return pb.PublishNoticeResponse(process=process_pb(view))

    @maps_domain_errors
    @_permission_on_process
    @_keyed
    async def RaiseObjection(
        self, request: pb.RaiseObjectionRequest, context: Context
    ) -> pb.RaiseObjectionResponse:
        source = objection_source_of(request.source)
        if source is ObjectionSource.PUBLIC_BOARD:
            ref = request.process
            await self._allowed(
                objection_action(source.value), context, unit_id=ref.unit_id, district_code=ref.district_code
            )
        view = await self._send(
            request,
            context,
            RaiseObjection,
            objection_id=request.objection_id,
            source=source,
            objector=objector_of(request.objector) if request.HasField("objector") else None,
        )
        return pb.RaiseObjectionResponse(process=process_pb(view))

    @maps_domain_errors
    @_permission_on_process
    @_keyed
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
    @_keyed
    async def FileResult(self, request: pb.FileResultRequest, context: Context) -> pb.FileResultResponse:
        view = await self._send(request, context, FileResult, filing_number=request.filing_number)
        return pb.FileResultResponse(process=process_pb(view))

    @maps_domain_errors
    @_permission_on_process
    @_keyed
    async def AcknowledgeFiling(
        self, request: pb.AcknowledgeFilingRequest, context: Context
    ) -> pb.AcknowledgeFilingResponse:
        view = await self._send(request, context, AcknowledgeFiling)
        return pb.AcknowledgeFilingResponse(process=process_pb(view))

    @maps_domain_errors
    @_permission_on_process
    @_keyed
    async def SubmitDemonstrationReport(
        self, request: pb.SubmitDemonstrationReportRequest, context: Context
    ) -> pb.SubmitDemonstrationReportResponse:
        view = await self._send(
            request,
            context,
            SubmitDemonstrationReport,
            typical_practices=request.typical_practices,
            highlights=request.highlights,
            outcomes=request.outcomes,
        )
        return pb.SubmitDemonstrationReportResponse(process=process_pb(view))

    @maps_domain_errors
    @_permission_on_process
    @_keyed
    async def RecordDemonstrationCheck(
        self, request: pb.RecordDemonstrationCheckRequest, context: Context
    ) -> pb.RecordDemonstrationCheckResponse:
        view = await self._send(
            request, context, RecordDemonstrationCheck, passed=request.passed, experts=tuple(request.experts)
        )
        return pb.RecordDemonstrationCheckResponse(process=process_pb(view))

    @maps_domain_errors
    @_keyed
    async def PublishDemonstrationList(
        self, request: pb.PublishDemonstrationListRequest, context: Context
    ) -> pb.PublishDemonstrationListResponse:
        """001 四（一）5: one list, one update per park group; all are checked before any is listed."""
        await self._allowed("PublishDemonstrationList", context)
        who = command_context(context)
        command = ListAsDemonstration(
            actor=who.actor,
            request_id=_request_id(context, request),
            at=self._clock(),
            reason=request.reason,
            evidence=command_evidence(request.evidence),
            list_title=require_text(request.title, "title", max_length=200),
            commendation=require_text(request.commendation, "commendation", max_length=5000),
        )
        views = await self._service.publish_demonstration_list(
            [
                ref_of(p, f"processes[{i}]")
                for i, p in enumerate(bounded_items(request.processes, "processes", max_items=MAX_REPEATED))
            ],
            command,
        )
        return pb.PublishDemonstrationListResponse(processes=[process_pb(v) for v in views])

    @maps_domain_errors
    @_permission_on_process
    @_keyed
    async def RecordSpotCheckVerdict(
        self, request: pb.RecordSpotCheckVerdictRequest, context: Context
    ) -> pb.RecordSpotCheckVerdictResponse:
        view = await self._send(
            request,
            context,
            RecordSpotCheckVerdict,
            sheet_id=sheet_id_of(request.sheet_id),
            findings=findings_of(request.findings),
            rectify_by=date_of(request.rectify_by, "rectify_by"),
        )
        return pb.RecordSpotCheckVerdictResponse(process=process_pb(view))

    @maps_domain_errors
    @_permission_on_process
    @_keyed
    async def RecordReReviewVerdict(
        self, request: pb.RecordReReviewVerdictRequest, context: Context
    ) -> pb.RecordReReviewVerdictResponse:
        view = await self._send(
            request,
            context,
            RecordReReviewVerdict,
            sheet_id=sheet_id_of(request.sheet_id),
            findings=findings_of(request.findings),
            rectify_by=date_of(request.rectify_by, "rectify_by"),
        )
        return pb.RecordReReviewVerdictResponse(process=process_pb(view))

    @maps_domain_errors
    @_permission_on_process
    @_keyed
    async def StartLookBack(
        self, request: pb.StartLookBackRequest, context: Context
    ) -> pb.StartLookBackResponse:
        view = await self._send(request, context, StartLookBack)
        return pb.StartLookBackResponse(process=process_pb(view))

    @maps_domain_errors
    @_permission_on_process
    @_keyed
    async def RecordLookBackVerdict(
        self, request: pb.RecordLookBackVerdictRequest, context: Context
    ) -> pb.RecordLookBackVerdictResponse:
        view = await self._send(
            request,
            context,
            RecordLookBackVerdict,
            sheet_id=code_id(request.sheet_id.strip(), "sheet_id", required=False),
            findings=findings_of(request.findings),
            rectify_by=date_of(request.rectify_by, "rectify_by"),
        )
        return pb.RecordLookBackVerdictResponse(process=process_pb(view))

    @maps_domain_errors
    @_permission_on_process
    @_keyed
    async def ReportLookBackRectified(
        self, request: pb.ReportLookBackRectifiedRequest, context: Context
    ) -> pb.ReportLookBackRectifiedResponse:
        view = await self._send(request, context, ReportLookBackRectified)
        return pb.ReportLookBackRectifiedResponse(process=process_pb(view))

    @maps_domain_errors
    @_permission_on_process
    @_keyed
    async def VerifyLookBackRectification(
        self, request: pb.VerifyLookBackRectificationRequest, context: Context
    ) -> pb.VerifyLookBackRectificationResponse:
        view = await self._send(
            request,
            context,
            VerifyLookBackRectification,
            verifications=verifications_of(request.verifications),
            rectify_by=date_of(request.rectify_by, "rectify_by"),
        )
        return pb.VerifyLookBackRectificationResponse(process=process_pb(view))

    @maps_domain_errors
    @_permission_on_process
    @_keyed
    async def OrderReacceptance(
        self, request: pb.OrderReacceptanceRequest, context: Context
    ) -> pb.OrderReacceptanceResponse:
        view = await self._send(request, context, OrderReacceptance, rule=flag_rule_of(request.rule))
        return pb.OrderReacceptanceResponse(process=process_pb(view))

    @maps_domain_errors
    @_keyed
    async def CloseSpotCheckRound(
        self, request: pb.CloseSpotCheckRoundRequest, context: Context
    ) -> pb.CloseSpotCheckRoundResponse:
        await self._allowed("CloseSpotCheckRound", context)
        closing = replace(command_context(context), request_id=_request_id(context, request))
        round = await self._rounds.close(
            code_id(request.draw_id, "draw_id"), closing, command_reason(request.reason)
        )
        return pb.CloseSpotCheckRoundResponse(round=round_pb(round))

    @maps_domain_errors
    async def GetSpotCheckRound(
        self, request: pb.GetSpotCheckRoundRequest, context: Context
    ) -> pb.GetSpotCheckRoundResponse:
        await self._allowed("GetSpotCheckRound", context)
        round = await self._rounds.get(code_id(request.draw_id, "draw_id"))
        return pb.GetSpotCheckRoundResponse(round=round_pb(round))

    @maps_domain_errors
    @_permission_on_process
    @_keyed
    async def StartReacceptance(
        self, request: pb.StartReacceptanceRequest, context: Context
    ) -> pb.StartReacceptanceResponse:
        view = await self._send(
            request,
            context,
            StartReacceptance,
            campaign=Campaign(name=label_code(request.campaign, "campaign")),
            rectify_by=date_of(request.rectify_by, "rectify_by"),
        )
        return pb.StartReacceptanceResponse(process=process_pb(view))

    @maps_domain_errors
    @_keyed
    async def RefreshCalendars(
        self, request: pb.RefreshCalendarsRequest, context: Context
    ) -> pb.RefreshCalendarsResponse:
        await self._allowed("RefreshCalendars", context, district_code=request.district_code)
        count, version = await self._service.refresh_calendars(
            command_context(context),
            at=self._clock(),
            district_code=code_id(request.district_code, "district_code", required=False),
            reason=command_reason(request.reason),
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
            district_code=code_id(request.district_code, "district_code", required=False),
            stage=stage_of(request.stage),
            unit_kind=unit_kind_of(request.unit_kind),
            page_size=request.page_size,
            page_token=request.page_token,
        )
        return pb.ListProcessesResponse(
            processes=[summary_pb(s) for s in page.processes], next_page_token=page.next_page_token
        )
