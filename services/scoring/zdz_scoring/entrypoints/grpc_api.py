"""The scoring service's gRPC API: check the permission, parse the request, build a command, call the service
layer, map the answer.

Permission first, then content (zdz_common.validation): the target is resolved from the request's ids through
`target_id` (a malformed id names nothing, so the check refuses it like any stranger's), and the request is parsed
(`score_unit`, `import_signed_sheet`, wire.py) only once the caller may make it. SignSheet's rule depends on the
kind of the sheet its id names, so the sheet is read first: an id that names none is NOT_FOUND, a malformed one
INVALID_ARGUMENT (an id's shape is no secret).

Domain errors become status codes through `maps_domain_errors`; the registry being out of reach becomes
UNAVAILABLE (the caller may retry).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any, TypeVar

import grpc

from zdz.scoring.v1 import scoring_pb2 as pb
from zdz.scoring.v1 import scoring_pb2_grpc
from zdz_common.authorisation import Guard, Target
from zdz_common.context import CommandContext
from zdz_common.eventstore.store import parse_time
from zdz_common.grpc_server import maps_domain_errors
from zdz_common.idempotency import idempotent
from zdz_common.pb_enums import enum_to_pb
from zdz_common.validation import bounded_items, command_evidence, target_id
from zdz_common.vocabulary import UnitKind
from zdz_scoring.adapters.orm import SheetView
from zdz_scoring.adapters.registry import RegistryUnavailable
from zdz_scoring.adapters.wire import (
    MAX_CANDIDATES,
    MAX_VERDICTS,
    comparison_to_pb,
    content_to_pb,
    entries_from_pb,
    enum_from_pb,
    id_of,
    panel_from_pb,
    parse_date,
    plan_to_pb,
    rubric_to_pb,
    text_of,
    timestamp,
    unit_from_pb,
    unit_kind_from_pb,
    unit_to_pb,
    verdict_from_pb,
)
from zdz_scoring.domain.commands import (
    ApproveSamplingPlanRedraw,
    ApproveSpotCheckRedraw,
    DrawSamplingPlan,
    DrawSpotCheck,
    ImportSignedSheet,
    RecordSampleVerdicts,
    SaveSheetDraft,
    ScoreUnit,
    SignSheet,
)
from zdz_scoring.domain.errors import InvalidInput
from zdz_scoring.domain.permissions import SCORING_POLICY, SIGNER_ROLES, sheet_action
from zdz_scoring.domain.records import MAX_REDRAW_REASON, SheetState, Signer, UnitRef
from zdz_scoring.domain.sheet import SheetKind
from zdz_scoring.domain.spot_check import DEFAULT_PARKS, DEFAULT_TOWNS
from zdz_scoring.service_layer.services import ScoringService, SheetFilter

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])
_FORMATS = {pb.DOCUMENT_FORMAT_HTML: "html", pb.DOCUMENT_FORMAT_XLSX: "xlsx"}


def maps_errors(method: F) -> F:
    """Domain errors to their status codes; the registry out of reach to UNAVAILABLE."""

    @functools.wraps(method)
    async def wrapper(self: Any, request: Any, context: grpc.aio.ServicerContext) -> Any:
        try:
            return await method(self, request, context)
        except RegistryUnavailable as error:
            await context.abort(grpc.StatusCode.UNAVAILABLE, str(error))

    return maps_domain_errors(wrapper)  # type: ignore[return-value]


def score_unit(message: pb.SheetInput) -> ScoreUnit:
    assessed_on = parse_date(message.assessed_on, "input.assessed_on")
    if assessed_on is None:
        raise InvalidInput("须填写评分日期 (the assessment date is required)", field="input.assessed_on")
    for name in ("residential_self_check_pass_rate", "non_residential_self_check_pass_rate"):
        if getattr(message.entries, name):
            raise InvalidInput(
                "自查合格率取自台账中各排水户的自查结果，不得填写（附件3 附表第6–7项：自查合格率按建设单元计）"
                " (the self-check pass rate comes from the ledger's per-household results)",
                field=f"input.entries.{name}",
            )
    return ScoreUnit(
        unit_id=id_of(message.unit_id, "input.unit_id"),
        sheet_kind=enum_from_pb(pb.SheetKind, message.sheet_kind, SheetKind, "input.sheet_kind"),
        rubric_version=text_of(message.rubric_version, "input.rubric_version", max_length=64),
        assessor=text_of(message.assessor, "input.assessor"),
        assessed_on=assessed_on,
        entries=entries_from_pb(message.entries),
        replaces_sheet_id=id_of(message.replaces_sheet_id, "input.replaces_sheet_id"),
        sampling_plan_id=id_of(message.sampling_plan_id, "input.sampling_plan_id"),
        panel_members=panel_from_pb(message.panel_members, "input.panel_members"),
    )


def import_signed_sheet(request: pb.ImportSignedSheetRequest) -> ImportSignedSheet:
    sheet = score_unit(request.input)
    required = SIGNER_ROLES[sheet.sheet_kind.value]
    if request.signer_role.strip() != required.value:
        raise InvalidInput(
            f"{sheet.sheet_kind.label}评分表由 {required.value} 签署，导入时签署人角色须为 {required.value}"
            "（附件3/附件4 三（二））(the signer's role must be the one that signs this kind)",
            field="signer_role",
        )
    for name in ("signer_organisation", "signer_person"):
        if not text_of(getattr(request, name), name):
            raise InvalidInput("须填写签署单位及签署人 (the signer is required)", field=name)
    signed_on = parse_date(request.signed_on, "signed_on")
    if signed_on is None:
        raise InvalidInput("须填写签署日期 (the signing date is required)", field="signed_on")
    return ImportSignedSheet(
        sheet_id=id_of(request.sheet_id, "sheet_id"),
        sheet=sheet,
        signer=Signer(request.signer_organisation.strip(), required.value, request.signer_person.strip()),
        signed_on=signed_on,
        evidence=command_evidence(request.evidence),
    )


def _kind_name(number: int) -> str:
    """A sheet kind's name for the permission table's key, "" for a number not listed (no rule: refused)."""
    value = pb.SheetKind.DESCRIPTOR.values_by_number.get(number)
    return value.name.removeprefix("SHEET_KIND_") if value and number else ""


def sheet_to_pb(view: SheetView) -> pb.ScoreSheet:
    sheet = pb.ScoreSheet.FromString(view.body)
    sheet.id = view.id
    sheet.state = enum_to_pb(pb.SheetState, view.state)
    sheet.version = view.version
    sheet.superseded_by_sheet_id = view.superseded_by
    if view.signed_at:
        sheet.signed_at.CopyFrom(timestamp(parse_time(view.signed_at)))
        sheet.signed_by = view.signed_by
        if not sheet.signer_role:  # signed before the signer was written on the sheet: the call's actor
            sheet.signer_organisation, sheet.signer_role, sheet.signer_person = view.signed_by.split("/", 2)
    return sheet


def summary_to_pb(view: SheetView) -> pb.ScoreSheetSummary:
    summary = pb.ScoreSheetSummary(
        id=view.id,
        state=enum_to_pb(pb.SheetState, view.state),
        unit=unit_to_pb(UnitRef(view.unit_id, view.district_code, UnitKind(view.unit_kind), view.unit_name)),
        sheet_kind=enum_to_pb(pb.SheetKind, view.sheet_kind),
        rubric_version=view.rubric_version,
        assessor=view.assessor,
        assessed_on=view.assessed_on,
        total=view.total,
        grade=enum_to_pb(pb.Grade, view.grade),
        replaces_sheet_id=view.replaces_sheet_id,
        superseded_by_sheet_id=view.superseded_by,
        version=view.version,
    )
    if view.signed_at:
        summary.signed_at.CopyFrom(timestamp(parse_time(view.signed_at)))
    return summary


class ScoringServicer(scoring_pb2_grpc.ScoringServiceServicer):
    def __init__(self, service: ScoringService) -> None:
        self._service = service
        self._guard = Guard(SCORING_POLICY, service="scoring", engine=service.engine, store=service.store)

    async def _allowed(
        self, action: str, context: grpc.aio.ServicerContext, target: Target | None = None
    ) -> CommandContext:
        """Who asks, once the permission table lets them (PERMISSION_DENIED, recorded, otherwise)."""
        return await self._guard.admit(action, target or Target(), context)

    async def _unit_target(self, unit_id: str) -> Target:
        """The unit and its district, as the registry knows them (NOT_FOUND for an unknown unit); nothing for a
        malformed id (checked, for a caller who may ask, after the permission)."""
        unit_id = target_id(unit_id)
        if not unit_id:
            return Target()
        unit = await asyncio.to_thread(self._service.registry.unit, unit_id)
        return Target(unit_id=unit.id, district_code=unit.district_code)

    async def _sheet(self, sheet_id: str) -> SheetView:
        return await asyncio.to_thread(self._service.get_sheet, id_of(sheet_id, "sheet_id", required=True))

    async def _sheet_target(self, sheet_id: str) -> Target:
        if not target_id(sheet_id):
            return Target()
        view = await self._sheet(sheet_id)
        return Target(unit_id=view.unit_id, district_code=view.district_code, sheet_unit_id=view.unit_id)

    async def _plan_target(self, plan_id: str) -> Target:
        if not target_id(plan_id):
            return Target()
        view = await asyncio.to_thread(self._service.get_sampling_plan, plan_id.strip())
        unit = pb.SamplingPlan.FromString(view.body).unit
        return Target(unit_id=unit.id, district_code=unit.district_code)

    @maps_errors
    async def GetRubric(self, request: pb.GetRubricRequest, context: grpc.aio.ServicerContext):
        await self._allowed("GetRubric", context)
        kind = unit_kind_from_pb(request.unit_kind, "unit_kind")
        return pb.GetRubricResponse(rubric=rubric_to_pb(self._service.rubric(kind, request.version.strip())))

    @maps_errors
    async def PreviewSheet(self, request: pb.PreviewSheetRequest, context: grpc.aio.ServicerContext):
        await self._allowed("PreviewSheet", context, await self._unit_target(request.input.unit_id))
        content = await asyncio.to_thread(self._service.preview, score_unit(request.input))
        return pb.PreviewSheetResponse(sheet=content_to_pb(content))

    @maps_errors
    @idempotent(pb.SaveSheetDraftResponse)
    async def SaveSheetDraft(self, request: pb.SaveSheetDraftRequest, context: grpc.aio.ServicerContext):
        target = await self._unit_target(request.input.unit_id)
        action = sheet_action("SaveSheetDraft", _kind_name(request.input.sheet_kind))
        ctx = await self._allowed(action, context, replace(target, sheet_unit_id=target.unit_id))
        command = SaveSheetDraft(
            id_of(request.sheet_id, "sheet_id"), score_unit(request.input), request.expected_version or None
        )
        view = await asyncio.to_thread(self._service.save_draft, command, ctx)
        return pb.SaveSheetDraftResponse(sheet=sheet_to_pb(view))

    @maps_errors
    @idempotent(pb.SignSheetResponse)
    async def SignSheet(self, request: pb.SignSheetRequest, context: grpc.aio.ServicerContext):
        command = SignSheet(request.sheet_id, request.expected_version or None)
        sheet = await self._sheet(command.sheet_id)
        target = Target(unit_id=sheet.unit_id, district_code=sheet.district_code, sheet_unit_id=sheet.unit_id)
        ctx = await self._allowed(sheet_action("SignSheet", sheet.sheet_kind), context, target)
        view = await asyncio.to_thread(self._service.sign, command, ctx)
        return pb.SignSheetResponse(sheet=sheet_to_pb(view))

    @maps_errors
    @idempotent(pb.ImportSignedSheetResponse)
    async def ImportSignedSheet(
        self, request: pb.ImportSignedSheetRequest, context: grpc.aio.ServicerContext
    ):
        ctx = await self._allowed(
            "ImportSignedSheet", context, await self._unit_target(request.input.unit_id)
        )
        command = import_signed_sheet(request)
        view = await asyncio.to_thread(self._service.import_signed, command, ctx)
        return pb.ImportSignedSheetResponse(sheet=sheet_to_pb(view))

    @maps_errors
    async def GetSheet(self, request: pb.GetSheetRequest, context: grpc.aio.ServicerContext):
        await self._allowed("GetSheet", context, await self._sheet_target(request.sheet_id))
        view = await self._sheet(request.sheet_id)
        return pb.GetSheetResponse(sheet=sheet_to_pb(view))

    @maps_errors
    async def ListSheets(self, request: pb.ListSheetsRequest, context: grpc.aio.ServicerContext):
        await self._allowed("ListSheets", context, await self._unit_target(request.unit_id))
        sheet_filter = SheetFilter(
            unit_id=id_of(request.unit_id, "unit_id"),
            sheet_kind=enum_from_pb(pb.SheetKind, request.sheet_kind, SheetKind, "sheet_kind")
            if request.sheet_kind
            else None,
            state=enum_from_pb(pb.SheetState, request.state, SheetState, "state") if request.state else None,
        )
        page = await asyncio.to_thread(
            self._service.list_sheets, sheet_filter, request.page_size, request.page_token
        )
        return pb.ListSheetsResponse(
            sheets=[summary_to_pb(view) for view in page.items],
            next_page_token=page.next_page_token,
            total_size=page.total_size,
        )

    @maps_errors
    async def CompareSheets(self, request: pb.CompareSheetsRequest, context: grpc.aio.ServicerContext):
        for sheet_id in (request.sheet_id_a, request.sheet_id_b):
            await self._allowed("CompareSheets", context, await self._sheet_target(sheet_id))
        comparison, a, b = await asyncio.to_thread(
            self._service.compare,
            id_of(request.sheet_id_a, "sheet_id_a", required=True),
            id_of(request.sheet_id_b, "sheet_id_b", required=True),
        )
        return pb.CompareSheetsResponse(
            comparison=comparison_to_pb(comparison, summary_to_pb(a), summary_to_pb(b))
        )

    @maps_errors
    async def RenderSheet(self, request: pb.RenderSheetRequest, context: grpc.aio.ServicerContext):
        await self._allowed("RenderSheet", context, await self._sheet_target(request.sheet_id))
        if request.format not in _FORMATS:
            raise InvalidInput(
                "须为 DOCUMENT_FORMAT_HTML 或 DOCUMENT_FORMAT_XLSX (format is required)", field="format"
            )
        document = await asyncio.to_thread(
            self._service.render, id_of(request.sheet_id, "sheet_id", required=True), _FORMATS[request.format]
        )
        return pb.RenderSheetResponse(
            content=document.content, content_type=document.content_type, file_name=document.file_name
        )

    @maps_errors
    async def DraftSelfAssessmentReport(
        self, request: pb.DraftSelfAssessmentReportRequest, context: grpc.aio.ServicerContext
    ):
        await self._allowed("DraftSelfAssessmentReport", context, await self._sheet_target(request.sheet_id))
        document = await asyncio.to_thread(
            self._service.self_assessment_report, id_of(request.sheet_id, "sheet_id", required=True)
        )
        return pb.DraftSelfAssessmentReportResponse(
            markdown=document.content.decode(), file_name=document.file_name
        )

    @maps_errors
    @idempotent(pb.DrawSamplingPlanResponse)
    async def DrawSamplingPlan(self, request: pb.DrawSamplingPlanRequest, context: grpc.aio.ServicerContext):
        ctx = await self._allowed("DrawSamplingPlan", context, await self._unit_target(request.unit_id))
        if request.HasField("seed"):
            raise InvalidInput(
                "抽样种子由系统生成并随方案记录，不能指定 (the seed is the system's: leave it unset)",
                field="seed",
            )
        command = DrawSamplingPlan(id_of(request.unit_id, "unit_id", required=True))
        view = await asyncio.to_thread(self._service.draw_sampling_plan, command, ctx)
        return pb.DrawSamplingPlanResponse(plan=pb.SamplingPlan.FromString(view.body))

    @maps_errors
    @idempotent(pb.ApproveSamplingPlanRedrawResponse)
    async def ApproveSamplingPlanRedraw(
        self, request: pb.ApproveSamplingPlanRedrawRequest, context: grpc.aio.ServicerContext
    ):
        ctx = await self._allowed("ApproveSamplingPlanRedraw", context)
        command = ApproveSamplingPlanRedraw(
            id_of(request.plan_id, "plan_id", required=True),
            text_of(request.reason, "reason", max_length=MAX_REDRAW_REASON),
        )
        view = await asyncio.to_thread(self._service.approve_sampling_redraw, command, ctx)
        return pb.ApproveSamplingPlanRedrawResponse(plan=pb.SamplingPlan.FromString(view.body))

    @maps_errors
    async def GetSamplingPlan(self, request: pb.GetSamplingPlanRequest, context: grpc.aio.ServicerContext):
        await self._allowed("GetSamplingPlan", context, await self._plan_target(request.plan_id))
        view = await asyncio.to_thread(
            self._service.get_sampling_plan, id_of(request.plan_id, "plan_id", required=True)
        )
        return pb.GetSamplingPlanResponse(plan=pb.SamplingPlan.FromString(view.body))

    @maps_errors
    @idempotent(pb.RecordSampleVerdictsResponse)
    async def RecordSampleVerdicts(
        self, request: pb.RecordSampleVerdictsRequest, context: grpc.aio.ServicerContext
    ):
        ctx = await self._allowed("RecordSampleVerdicts", context, await self._plan_target(request.plan_id))
        command = RecordSampleVerdicts(
            id_of(request.plan_id, "plan_id", required=True),
            tuple(
                verdict_from_pb(v, f"verdicts[{i}]")
                for i, v in enumerate(bounded_items(request.verdicts, "verdicts", max_items=MAX_VERDICTS))
            ),
        )
        view = await asyncio.to_thread(self._service.record_sample_verdicts, command, ctx)
        return pb.RecordSampleVerdictsResponse(plan=pb.SamplingPlan.FromString(view.body))

    @maps_errors
    async def RedrawSamplingPlan(
        self, request: pb.RedrawSamplingPlanRequest, context: grpc.aio.ServicerContext
    ):
        await self._allowed("RedrawSamplingPlan", context, await self._plan_target(request.plan_id))
        redrawn = await asyncio.to_thread(
            self._service.redraw_sampling_plan, id_of(request.plan_id, "plan_id", required=True)
        )
        plan = plan_to_pb(redrawn.plan_id, redrawn.unit, redrawn.plan, redrawn.population)
        return pb.RedrawSamplingPlanResponse(plan=plan, identical=redrawn.identical)

    @maps_errors
    @idempotent(pb.DrawSpotCheckResponse)
    async def DrawSpotCheck(self, request: pb.DrawSpotCheckRequest, context: grpc.aio.ServicerContext):
        ctx = await self._allowed("DrawSpotCheck", context)
        if request.HasField("seed"):
            raise InvalidInput(
                "抽查种子由系统生成并随抽取记录，不能指定 (the seed is the system's: leave it unset)",
                field="seed",
            )
        command = DrawSpotCheck(
            candidates=tuple(
                unit_from_pb(unit, f"candidates[{i}]")
                for i, unit in enumerate(
                    bounded_items(request.candidates, "candidates", max_items=MAX_CANDIDATES)
                )
            ),
            towns_per_district=request.towns_per_district or DEFAULT_TOWNS,
            parks_per_district=request.parks_per_district or DEFAULT_PARKS,
            round=text_of(request.round, "round", max_length=100),
            closes_on=parse_date(request.closes_on, "closes_on"),
        )
        view = await asyncio.to_thread(self._service.draw_spot_check, command, ctx)
        return pb.DrawSpotCheckResponse(spot_check=pb.SpotCheck.FromString(view.body))

    @maps_errors
    @idempotent(pb.ApproveSpotCheckRedrawResponse)
    async def ApproveSpotCheckRedraw(
        self, request: pb.ApproveSpotCheckRedrawRequest, context: grpc.aio.ServicerContext
    ):
        ctx = await self._allowed("ApproveSpotCheckRedraw", context)
        command = ApproveSpotCheckRedraw(
            id_of(request.draw_id, "draw_id", required=True),
            text_of(request.reason, "reason", max_length=MAX_REDRAW_REASON),
        )
        view = await asyncio.to_thread(self._service.approve_spot_check_redraw, command, ctx)
        return pb.ApproveSpotCheckRedrawResponse(spot_check=pb.SpotCheck.FromString(view.body))

    @maps_errors
    async def GetSpotCheck(self, request: pb.GetSpotCheckRequest, context: grpc.aio.ServicerContext):
        await self._allowed("GetSpotCheck", context)
        view = await asyncio.to_thread(
            self._service.get_spot_check, id_of(request.draw_id, "draw_id", required=True)
        )
        return pb.GetSpotCheckResponse(spot_check=pb.SpotCheck.FromString(view.body))
