"""The registry over gRPC: its units (RegistryService) and its problem and task lists (LedgerService)."""

from __future__ import annotations

from datetime import date

import grpc
from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper

from zdz.events.v1 import refs_pb2
from zdz.registry.v1 import ledger_pb2, ledger_pb2_grpc, registry_pb2, registry_pb2_grpc
from zdz_common.errors import NotFound, Unavailable
from zdz_common.pb_enums import enum_from_pb, enum_to_pb
from zdz_common.vocabulary import UnitKind
from zdz_workflow.domain.ports import ProblemRefused, ProblemToFile
from zdz_workflow.domain.units import UnitInfo

CALL_TIMEOUT_SECONDS = 10.0  # the deadline of every call to the registry and to scoring
REGISTRY = "登记册服务"
# The registry records who asked; the workflow service files problems in its own name: with its SERVICE token
# when authentication is on, otherwise (local tools, tests) with these headers.
_SYSTEM = (("x-zdz-organisation", "zdz"), ("x-zdz-role", "SYSTEM"), ("x-zdz-person", "zdz-workflow"))


def service_metadata(token: str) -> tuple[tuple[str, str], ...]:
    return (*_SYSTEM, ("authorization", f"Bearer {token}")) if token else _SYSTEM


# The registry is down, restarting or too slow: the caller (a request, an activity) may retry.
_TRANSIENT = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED})


def unavailable(error: grpc.aio.AioRpcError, service: str) -> Unavailable | None:
    """The Unavailable a transport failure of a call to `service` is (None for the service's own answers)."""
    if error.code() not in _TRANSIENT:
        return None
    return Unavailable(f"{service}暂时不可用，请稍后重试 ({service} is temporarily unavailable; retry)")


# The registry refuses these for the request itself: retrying cannot help, the clerk must correct the finding.
_REFUSALS = frozenset(
    {
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.NOT_FOUND,
        grpc.StatusCode.FAILED_PRECONDITION,
        grpc.StatusCode.ALREADY_EXISTS,
    }
)


def _enum_number(enum: EnumTypeWrapper, name: str, what: str) -> int:
    """The wire number of a registry enum value named as the domain names it: "PL" → PROBLEM_TYPE_PL."""
    try:
        number = enum_to_pb(enum, name)
    except KeyError:
        number = 0
    if not number:
        raise ProblemRefused(f"登记册不认识{what}「{name}」")
    return number


class RegistryUnits:
    """UnitDirectory over RegistryService.GetUnit."""

    def __init__(self, channel: grpc.aio.Channel, *, token: str = "") -> None:
        self._stub = registry_pb2_grpc.RegistryServiceStub(channel)
        self._metadata = service_metadata(token)

    async def unit(self, unit_id: str) -> UnitInfo:
        try:
            response = await self._stub.GetUnit(
                registry_pb2.GetUnitRequest(id=unit_id), timeout=CALL_TIMEOUT_SECONDS, metadata=self._metadata
            )
        except grpc.aio.AioRpcError as error:
            if error.code() is grpc.StatusCode.NOT_FOUND:
                raise NotFound(f"登记册中没有单元 {unit_id!r}", field="unit_id") from error
            transient = unavailable(error, REGISTRY)
            if transient is None:
                raise
            raise transient from error  # the caller may retry (an activity does)
        unit = response.unit
        return UnitInfo(
            unit_id=unit.id,
            district_code=unit.district_code,
            kind=enum_from_pb(refs_pb2.UnitKind, unit.kind, UnitKind, "unit.kind"),
            name=unit.name,
            along_river=unit.along_river,
            target_year=unit.target_year,
            official_code=unit.official_code,
        )


class RegistryLedger:
    """ProblemLedger over LedgerService: a finding becomes a problem row, its deadline the problem's task."""

    def __init__(self, channel: grpc.aio.Channel, *, token: str = "") -> None:
        self._stub = ledger_pb2_grpc.LedgerServiceStub(channel)
        self._metadata = service_metadata(token)

    async def record_problem(self, unit_id: str, problem: ProblemToFile) -> str:
        point = problem.point
        message = ledger_pb2.Problem(
            code=problem.code,
            entity_class=_enum_number(ledger_pb2.EntityClass, point.entity_class, "台账行类别"),
            entity_code=point.entity_code,
            type=_enum_number(ledger_pb2.ProblemType, point.problem_type, "问题类型"),
            grade=point.grade,
            location=point.location,
            description=problem.description,
            found_by=_enum_number(ledger_pb2.FoundBy, problem.found_by, "发现环节"),
            found_on=problem.found_on.isoformat(),
            finder=problem.finder,
        )
        request = ledger_pb2.RecordLedgerRowRequest(
            unit_id=unit_id, row=ledger_pb2.LedgerRow(problem=message)
        )
        response = await self._call(self._stub.RecordLedgerRow, request)
        return str(response.id)

    async def open_task(self, unit_id: str, problem_id: str, *, owner: str, deadline: date, on: date) -> None:
        request = ledger_pb2.OpenTaskRequest(
            unit_id=unit_id,
            problem_id=problem_id,
            owner=owner,
            deadline=deadline.isoformat(),
            step=ledger_pb2.Step(on=on.isoformat()),
        )
        await self._call(self._stub.OpenTask, request)

    async def _call(self, method: grpc.aio.UnaryUnaryMultiCallable, request: object) -> object:
        try:
            return await method(request, timeout=CALL_TIMEOUT_SECONDS, metadata=self._metadata)
        except grpc.aio.AioRpcError as error:
            if error.code() in _REFUSALS:
                raise ProblemRefused(error.details() or error.code().name) from error
            transient = unavailable(error, REGISTRY)
            if transient is None:
                raise
            raise transient from error  # the caller may retry (an activity does)
