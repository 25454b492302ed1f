"""The directory's gRPC API (RegistryService): check the permission, parse the request, build a command, call the
service layer, map the answer.

Permission first, then content (zdz_common.validation): the target is resolved from the request's ids through
`target_id` (a malformed id names nothing), then every field is checked at this edge — ids with `code_id`, free text
bounded and clean, numbers finite and bounded, enum values listed, repeated fields bounded."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from zdz.events.v1 import refs_pb2
from zdz.registry.v1 import ledger_pb2, registry_pb2_grpc
from zdz.registry.v1 import registry_pb2 as pb
from zdz_common.authorisation import Guard, Target
from zdz_common.context import CommandContext
from zdz_common.envelope import to_envelope
from zdz_common.eventstore.store import parse_time
from zdz_common.grpc_server import maps_domain_errors
from zdz_common.idempotency import idempotent
from zdz_common.pb_enums import enum_from_pb, enum_name, enum_to_pb, optional_enum_from_pb
from zdz_common.validation import (
    MAX_EVIDENCE_REF_LENGTH,
    MAX_EVIDENCE_REFS,
    MAX_NOTE_LENGTH,
    MAX_SHORT_TEXT,
    bounded_items,
    bounded_number,
    code_id,
    known_enums,
    optional_text,
    target_id,
)
from zdz_common.vocabulary import UnitKind
from zdz_registry.directory.adapters.orm import DistrictView, UnitView
from zdz_registry.directory.domain.commands import CreateDistrict, CreateUnit, UpdateDistrict, UpdateUnit
from zdz_registry.directory.domain.model import DistrictTargets, ParkLevel, UnitDetails, UnitProfile
from zdz_registry.directory.domain.validation import MAX_NAME_LENGTH
from zdz_registry.directory.service_layer.services import RegistryService, UnitFilter, district_of_unit
from zdz_registry.domain.permissions import REGISTRY_POLICY


def district_to_pb(view: DistrictView) -> pb.District:
    return pb.District(
        code=view.code,
        name=view.name,
        gb_code=view.gb_code,
        town_share_2025=view.town_share_2025,
        town_share_2027=view.town_share_2027,
        ordinal=view.ordinal,
        version=view.version,
    )


def unit_to_pb(view: UnitView) -> pb.Unit:
    created = Timestamp()
    created.FromDatetime(parse_time(view.created_at))
    return pb.Unit(
        id=view.id,
        district_code=view.district_code,
        kind=enum_to_pb(refs_pb2.UnitKind, view.kind),  # type: ignore[arg-type]
        name=view.name,
        along_river=view.along_river,
        target_year=view.target_year,
        park=view.park,
        level=enum_to_pb(pb.ParkLevel, view.level),  # type: ignore[arg-type]
        version=view.version,
        created_at=created,
        official_code=view.official_code,
        out_of_scope=view.out_of_scope,
        note=view.note,
        source=view.source,
        town_id=view.town_id,
        coded_under=view.coded_under,
        profile=pb.UnitProfile(
            built_up_area_km2=view.built_up_area_km2,
            built_up_scope=view.built_up_scope,
            resident_population=view.resident_population,
            lead_organisation=view.lead_organisation,
            contact_person=view.contact_person,
            contact_phone=view.contact_phone,
        ),
        demonstration=pb.VillageDemonstration(
            state=enum_to_pb(ledger_pb2.DemonstrationState, view.demonstration_state)  # type: ignore[arg-type]
            if view.demonstration_state
            else ledger_pb2.DEMONSTRATION_STATE_UNSPECIFIED,
            designated_on=view.designated_on,
            completed_on=view.completed_on,
        ),
    )


MAX_AREA_KM2 = 100_000  # 重庆市 is 82,400 km²
MAX_POPULATION = 100_000_000
MAX_ORDINAL = 10_000
MAX_SOURCE_LENGTH = 500  # where a registration comes from (a document's number and title)


def _targets(district: pb.District) -> DistrictTargets:
    return DistrictTargets(district.town_share_2025, district.town_share_2027)


def _district(district: pb.District) -> pb.District:
    """The district's fields checked at the edge (its code and shares by the aggregate)."""
    code_id(district.code, "district.code")
    optional_text(district.name, "district.name", max_length=MAX_NAME_LENGTH)
    bounded_number(district.ordinal, "district.ordinal", maximum=MAX_ORDINAL)
    return district


def _details(unit: pb.Unit) -> UnitDetails:
    return UnitDetails(
        name=optional_text(unit.name, "unit.name", max_length=MAX_NAME_LENGTH),
        along_river=unit.along_river,
        target_year=unit.target_year,
        park=optional_text(unit.park, "unit.park", max_length=MAX_NAME_LENGTH),
        level=optional_enum_from_pb(pb.ParkLevel, unit.level, ParkLevel, "unit.level"),
        official_code=optional_text(unit.official_code, "unit.official_code", max_length=12),
        out_of_scope=unit.out_of_scope,
        note=optional_text(unit.note, "unit.note", max_length=MAX_NOTE_LENGTH, prose=True),
    )


def _profile(profile: pb.UnitProfile) -> UnitProfile:
    return UnitProfile(
        built_up_area_km2=bounded_number(
            profile.built_up_area_km2, "profile.built_up_area_km2", maximum=MAX_AREA_KM2
        ),
        built_up_scope=optional_text(
            profile.built_up_scope, "profile.built_up_scope", max_length=MAX_NOTE_LENGTH, prose=True
        ),
        resident_population=int(
            bounded_number(profile.resident_population, "profile.resident_population", maximum=MAX_POPULATION)
        ),
        lead_organisation=optional_text(profile.lead_organisation, "profile.lead_organisation"),
        contact_person=optional_text(profile.contact_person, "profile.contact_person"),
        contact_phone=optional_text(profile.contact_phone, "profile.contact_phone", max_length=40),
    )


def _evidence(refs: Sequence[str]) -> tuple[str, ...]:
    """A completion's evidence references: bounded and clean (the aggregate drops blank ones and needs one)."""
    bounded_items(refs, "evidence", max_items=MAX_EVIDENCE_REFS)
    return tuple(
        optional_text(ref, f"evidence[{i}]", max_length=MAX_EVIDENCE_REF_LENGTH) for i, ref in enumerate(refs)
    )


def _acceptance_states(states: Iterable[int]) -> frozenset[str]:
    listed = known_enums(ledger_pb2.AcceptanceState, list(states), "acceptance_states", max_items=20)
    return frozenset(
        enum_name(ledger_pb2.AcceptanceState, state, "acceptance_states")
        for state in listed
        if state != ledger_pb2.ACCEPTANCE_STATE_UNSPECIFIED
    )


class RegistryServicer(registry_pb2_grpc.RegistryServiceServicer):
    def __init__(self, service: RegistryService) -> None:
        self._service = service
        self._guard = Guard(REGISTRY_POLICY, service="registry", engine=service.engine, store=service.store)

    async def _allowed(
        self, action: str, context: grpc.aio.ServicerContext, target: Target | None = None
    ) -> CommandContext:
        """Who asks, once the permission table lets them (PERMISSION_DENIED, recorded, otherwise)."""
        return await self._guard.admit(action, target or Target(), context)

    async def _unit_target(self, unit_id: str) -> Target:
        """The unit a request names as the permission check's target (nothing, for a malformed id)."""
        unit_id = target_id(unit_id)
        district = await asyncio.to_thread(district_of_unit, self._service.engine, unit_id) if unit_id else ""
        return Target(unit_id=unit_id, district_code=district)

    async def _unit_allowed(
        self, action: str, context: grpc.aio.ServicerContext, unit_id: str
    ) -> CommandContext:
        ctx = await self._allowed(action, context, await self._unit_target(unit_id))
        code_id(unit_id, "unit_id")
        return ctx

    @maps_domain_errors
    @idempotent(pb.CreateDistrictResponse)
    async def CreateDistrict(self, request: pb.CreateDistrictRequest, context: grpc.aio.ServicerContext):
        ctx = await self._allowed(
            "CreateDistrict", context, Target(district_code=target_id(request.district.code))
        )
        d = _district(request.district)
        command = CreateDistrict(
            code=d.code, name=d.name, gb_code=d.gb_code, targets=_targets(d), ordinal=d.ordinal
        )
        view = await asyncio.to_thread(self._service.create_district, command, ctx)
        return pb.CreateDistrictResponse(district=district_to_pb(view))

    @maps_domain_errors
    @idempotent(pb.UpdateDistrictResponse)
    async def UpdateDistrict(self, request: pb.UpdateDistrictRequest, context: grpc.aio.ServicerContext):
        ctx = await self._allowed(
            "UpdateDistrict", context, Target(district_code=target_id(request.district.code))
        )
        d = _district(request.district)
        command = UpdateDistrict(
            code=d.code,
            name=d.name,
            gb_code=d.gb_code,
            targets=_targets(d),
            expected_version=request.expected_version or None,
        )
        view = await asyncio.to_thread(self._service.update_district, command, ctx)
        return pb.UpdateDistrictResponse(district=district_to_pb(view))

    @maps_domain_errors
    async def GetDistrict(self, request: pb.GetDistrictRequest, context: grpc.aio.ServicerContext):
        await self._allowed("GetDistrict", context, Target(district_code=target_id(request.code)))
        code_id(request.code, "code")
        view = await asyncio.to_thread(self._service.get_district, request.code)
        return pb.GetDistrictResponse(district=district_to_pb(view))

    @maps_domain_errors
    async def ListDistricts(self, request: pb.ListDistrictsRequest, context: grpc.aio.ServicerContext):
        await self._allowed("ListDistricts", context)
        page = await asyncio.to_thread(self._service.list_districts, request.page_size, request.page_token)
        return pb.ListDistrictsResponse(
            districts=[district_to_pb(v) for v in page.items],
            next_page_token=page.next_page_token,
            total_size=page.total_size,
        )

    @maps_domain_errors
    @idempotent(pb.CreateUnitResponse)
    async def CreateUnit(self, request: pb.CreateUnitRequest, context: grpc.aio.ServicerContext):
        ctx = await self._allowed(
            "CreateUnit", context, Target(district_code=target_id(request.unit.district_code))
        )
        u = request.unit
        command = CreateUnit(
            district_code=code_id(u.district_code, "unit.district_code"),
            kind=enum_from_pb(refs_pb2.UnitKind, u.kind, UnitKind, "unit.kind"),
            details=_details(u),
            unit_id=code_id(u.id, "unit.id", required=False),
            source=optional_text(u.source, "unit.source", max_length=MAX_SOURCE_LENGTH),
            town_id=code_id(u.town_id.strip(), "unit.town_id", required=False),
        )
        view = await asyncio.to_thread(self._service.create_unit, command, ctx)
        return pb.CreateUnitResponse(unit=unit_to_pb(view))

    @maps_domain_errors
    @idempotent(pb.UpdateUnitResponse)
    async def UpdateUnit(self, request: pb.UpdateUnitRequest, context: grpc.aio.ServicerContext):
        ctx = await self._allowed("UpdateUnit", context, await self._unit_target(request.unit.id))
        u = request.unit
        command = UpdateUnit(
            unit_id=code_id(u.id, "unit.id"),
            details=_details(u),
            expected_version=request.expected_version or None,
            source=optional_text(request.source, "source", max_length=MAX_SOURCE_LENGTH),
        )
        view = await asyncio.to_thread(self._service.update_unit, command, ctx)
        return pb.UpdateUnitResponse(unit=unit_to_pb(view))

    @maps_domain_errors
    @idempotent(pb.MoveUnitResponse)
    async def MoveUnit(self, request: pb.MoveUnitRequest, context: grpc.aio.ServicerContext):
        ctx = await self._unit_allowed("MoveUnit", context, request.unit_id)
        view = await asyncio.to_thread(
            self._service.move_unit,
            request.unit_id,
            code_id(request.district_code.strip(), "district_code"),
            optional_text(request.source, "source", max_length=MAX_SOURCE_LENGTH),
            ctx,
            request.expected_version,
        )
        return pb.MoveUnitResponse(unit=unit_to_pb(view))

    @maps_domain_errors
    @idempotent(pb.UpdateUnitProfileResponse)
    async def UpdateUnitProfile(
        self, request: pb.UpdateUnitProfileRequest, context: grpc.aio.ServicerContext
    ):
        ctx = await self._unit_allowed("UpdateUnitProfile", context, request.unit_id)
        profile = _profile(request.profile)
        view = await asyncio.to_thread(
            self._service.change_unit,
            request.unit_id,
            lambda unit, _today: unit.update_profile(profile),
            ctx,
            request.expected_version,
        )
        return pb.UpdateUnitProfileResponse(unit=unit_to_pb(view))

    @maps_domain_errors
    @idempotent(pb.DesignateDemonstrationVillageResponse)
    async def DesignateDemonstrationVillage(
        self, request: pb.DesignateDemonstrationVillageRequest, context: grpc.aio.ServicerContext
    ):
        ctx = await self._unit_allowed("DesignateDemonstrationVillage", context, request.unit_id)
        view = await asyncio.to_thread(
            self._service.change_unit,
            request.unit_id,
            lambda unit, today: unit.designate(request.designated_on, request.reason, today=today),
            ctx,
        )
        return pb.DesignateDemonstrationVillageResponse(unit=unit_to_pb(view))

    @maps_domain_errors
    @idempotent(pb.WithdrawDemonstrationVillageResponse)
    async def WithdrawDemonstrationVillage(
        self, request: pb.WithdrawDemonstrationVillageRequest, context: grpc.aio.ServicerContext
    ):
        ctx = await self._unit_allowed("WithdrawDemonstrationVillage", context, request.unit_id)
        view = await asyncio.to_thread(
            self._service.change_unit,
            request.unit_id,
            lambda unit, today: unit.withdraw(request.withdrawn_on, request.reason, today=today),
            ctx,
        )
        return pb.WithdrawDemonstrationVillageResponse(unit=unit_to_pb(view))

    @maps_domain_errors
    @idempotent(pb.RecordVillageCompletionResponse)
    async def RecordVillageCompletion(
        self, request: pb.RecordVillageCompletionRequest, context: grpc.aio.ServicerContext
    ):
        ctx = await self._unit_allowed("RecordVillageCompletion", context, request.unit_id)
        view = await asyncio.to_thread(
            self._service.change_unit,
            request.unit_id,
            lambda unit, today: unit.record_completion(
                request.completed_on, _evidence(request.evidence), request.reason, today=today
            ),
            ctx,
        )
        return pb.RecordVillageCompletionResponse(unit=unit_to_pb(view))

    @maps_domain_errors
    async def GetUnit(self, request: pb.GetUnitRequest, context: grpc.aio.ServicerContext):
        await self._allowed("GetUnit", context, await self._unit_target(request.id))
        code_id(request.id, "id")
        view = await asyncio.to_thread(self._service.get_unit, request.id)
        return pb.GetUnitResponse(unit=unit_to_pb(view))

    @maps_domain_errors
    async def ListUnits(self, request: pb.ListUnitsRequest, context: grpc.aio.ServicerContext):
        await self._allowed("ListUnits", context, Target(district_code=target_id(request.district_code)))
        unit_filter = UnitFilter(
            district_code=code_id(request.district_code, "district_code", required=False),
            kind=optional_enum_from_pb(refs_pb2.UnitKind, request.kind, UnitKind, "kind"),
            along_river=request.along_river if request.HasField("along_river") else None,
            target_year=request.target_year,
            acceptance_states=_acceptance_states(request.acceptance_states),
            official_code=optional_text(request.official_code, "official_code", max_length=12),
            town_id=code_id(request.town_id.strip(), "town_id", required=False),
            out_of_scope=request.out_of_scope if request.HasField("out_of_scope") else None,
            demonstration_state=enum_name(
                ledger_pb2.DemonstrationState, request.demonstration_state, "demonstration_state"
            )
            if request.demonstration_state
            else "",
        )
        page = await asyncio.to_thread(
            self._service.list_units, unit_filter, request.page_size, request.page_token
        )
        return pb.ListUnitsResponse(
            units=[unit_to_pb(v) for v in page.items],
            next_page_token=page.next_page_token,
            total_size=page.total_size,
        )

    @maps_domain_errors
    async def GetAuditTrail(self, request: pb.GetAuditTrailRequest, context: grpc.aio.ServicerContext):
        await self._allowed("GetAuditTrail", context)
        stream_id = optional_text(request.stream_id, "stream_id", max_length=MAX_SHORT_TEXT)
        events = await asyncio.to_thread(self._service.audit_trail, stream_id)
        return pb.GetAuditTrailResponse(events=[to_envelope(e) for e in events])

    @maps_domain_errors
    async def VerifyChain(self, request: pb.VerifyChainRequest, context: grpc.aio.ServicerContext):
        await self._allowed("VerifyChain", context)
        stream_id = optional_text(request.stream_id, "stream_id", max_length=MAX_SHORT_TEXT)
        result = await asyncio.to_thread(self._service.verify_chain, stream_id or None)
        response = pb.VerifyChainResponse(ok=result.ok, events_checked=result.events_checked)
        if result.first_broken_link:
            link = result.first_broken_link
            response.first_broken_link.CopyFrom(
                pb.BrokenLink(stream_id=link.stream_id, version=link.version, reason=link.reason)
            )
        return response
