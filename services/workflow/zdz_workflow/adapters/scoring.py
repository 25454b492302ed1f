"""The scoring service over gRPC: the signed sheet a verdict rests on (DESIGN, rulings: "Verdicts are sheets").

GetSheet gives the sheet; GetSamplingPlan when its plan was drawn (district acceptance); GetRubric the marks of the
rubric that scored it, so pass and grade come from the rubric, in one place.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from zdz.events.v1 import refs_pb2
from zdz.scoring.v1 import scoring_pb2, scoring_pb2_grpc
from zdz_common.errors import FailedPrecondition, NotFound
from zdz_common.pb_enums import enum_from_pb, enum_to_pb
from zdz_common.vocabulary import Grade, UnitKind
from zdz_workflow.adapters.registry import CALL_TIMEOUT_SECONDS, service_metadata, unavailable
from zdz_workflow.domain.sheets import SheetKind, SignedSheet


class ScoringSheets:
    """SheetSource over ScoringService: NotFound for an unknown sheet, plan or rubric; scoring out of reach is
    Unavailable (the activity retries; a request answers UNAVAILABLE)."""

    def __init__(self, channel: grpc.aio.Channel, *, token: str = "") -> None:
        self._stub = scoring_pb2_grpc.ScoringServiceStub(channel)
        self._metadata = service_metadata(token)

    async def sheet(self, sheet_id: str) -> SignedSheet:
        found = await self._call(
            self._stub.GetSheet,
            scoring_pb2.GetSheetRequest(sheet_id=sheet_id),
            f"评分服务中没有评分表「{sheet_id}」",
        )
        message = found.sheet
        signed = message.state == scoring_pb2.SHEET_STATE_SIGNED
        unit_kind = enum_from_pb(refs_pb2.UnitKind, message.unit.kind, UnitKind, "sheet.unit.kind")
        rubric = await self._rubric(unit_kind, message.rubric_version)
        return SignedSheet(
            sheet_id=message.id,
            unit_id=message.unit.id,
            kind=enum_from_pb(scoring_pb2.SheetKind, message.sheet_kind, SheetKind, "sheet.sheet_kind"),
            signed=signed,
            # A draft has no result yet; it is refused as unsigned before its total matters.
            total=_decimal(message.result.total or "0", "result.total"),
            grade=Grade.FAIL
            if not message.result.grade
            else enum_from_pb(scoring_pb2.Grade, message.result.grade, Grade, "result.grade"),
            assessed_on=date.fromisoformat(message.assessed_on),
            signer_organisation=message.signer_organisation,
            signer_role=message.signer_role,
            signer_person=message.signer_person,
            signed_at=_instant(message.signed_at) if message.HasField("signed_at") else None,
            pass_mark=_decimal(rubric.pass_from, "rubric.pass_from"),
            excellent_mark=_decimal(rubric.excellent_from, "rubric.excellent_from"),
            summary_report_from=(
                _decimal(rubric.summary_report_from, "rubric.summary_report_from")
                if rubric.summary_report_from
                else None
            ),
            replaces_sheet_id=message.replaces_sheet_id,
            superseded_by_sheet_id=message.superseded_by_sheet_id,
            sampling_plan_id=message.sampling_plan_id,
            sampling_plan_drawn_at=await self._drawn_at(message.sampling_plan_id),
            imported=message.imported,
        )

    async def _drawn_at(self, plan_id: str) -> datetime | None:
        if not plan_id:
            return None
        found = await self._call(
            self._stub.GetSamplingPlan,
            scoring_pb2.GetSamplingPlanRequest(plan_id=plan_id),
            f"评分服务中没有抽样方案「{plan_id}」",
        )
        return _instant(found.plan.drawn_at) if found.plan.HasField("drawn_at") else None

    async def _rubric(self, unit_kind: UnitKind, version: str) -> Any:
        request = scoring_pb2.GetRubricRequest(
            unit_kind=enum_to_pb(refs_pb2.UnitKind, unit_kind.value), version=version
        )
        found = await self._call(
            self._stub.GetRubric, request, f"评分服务中没有评分细则「{unit_kind.value}/{version}」"
        )
        return found.rubric

    async def _call(self, method: grpc.aio.UnaryUnaryMultiCallable, request: object, missing: str) -> Any:
        try:
            return await method(request, timeout=CALL_TIMEOUT_SECONDS, metadata=self._metadata)
        except grpc.aio.AioRpcError as error:
            if error.code() is grpc.StatusCode.NOT_FOUND:
                raise NotFound(missing, field="sheet_id") from error
            transient = unavailable(error, "评分服务")
            if transient is None:
                raise
            raise transient from error  # the caller may retry (an activity does)


def _instant(stamp: Timestamp) -> datetime:
    return stamp.ToDatetime(tzinfo=UTC)


def _decimal(text: str, field: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation as error:
        raise FailedPrecondition(f"评分服务返回的「{field}」不是数：{text!r}", field="sheet_id") from error
