"""Malformed and hostile requests at every RPC of registry, scoring and notify (hypothesis): never UNKNOWN or
INTERNAL, no partial write (a refused call adds no event but its own access.denied record, and the chains
verify), and the servers stay up."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc
import pytest
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, func, select

from tests.integration.auth.harness import System, bearer
from zdz.notify.v1 import notify_pb2
from zdz.registry.v1 import ledger_pb2, registry_pb2
from zdz.scoring.v1 import scoring_pb2
from zdz_common.eventstore import EventRecord

HOSTILE_TEXT = st.one_of(
    st.text(max_size=40),
    st.binary(max_size=40).map(lambda b: b.decode("utf-8", "replace")),
    st.sampled_from(
        ["\x00", "a\nb", "\u202e", "../../etc/passwd", "'; DROP TABLE x;--", "own-unit", "wanzhou"]
    ),
    st.integers(10_000, 200_000).map(lambda n: "界" * n),
)
NUMBERS = st.one_of(st.integers(-(2**31), 2**31 - 1), st.sampled_from([0, -1, 2**31 - 1, -(2**31)]))


def message_strategy(descriptor: Any, depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for field in descriptor.fields:
        if field.type == FieldDescriptor.TYPE_STRING:
            value: st.SearchStrategy[Any] = HOSTILE_TEXT
        elif field.type in (
            FieldDescriptor.TYPE_INT32,
            FieldDescriptor.TYPE_SINT32,
            FieldDescriptor.TYPE_ENUM,
        ):
            value = NUMBERS
        elif field.type in (FieldDescriptor.TYPE_INT64, FieldDescriptor.TYPE_SINT64):
            value = st.integers(-(2**63), 2**63 - 1)
        elif field.type in (FieldDescriptor.TYPE_UINT32, FieldDescriptor.TYPE_UINT64):
            value = st.integers(0, 2**32 - 1)
        elif field.type == FieldDescriptor.TYPE_BOOL:
            value = st.booleans()
        elif field.type in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
            value = st.floats(allow_nan=True, allow_infinity=True, width=32)
        elif field.type == FieldDescriptor.TYPE_BYTES:
            value = st.binary(max_size=64)
        elif (
            field.type == FieldDescriptor.TYPE_MESSAGE
            and depth < 2
            and not field.message_type.GetOptions().map_entry
        ):
            value = message_strategy(field.message_type, depth + 1)
        else:
            continue
        if field.is_repeated:
            value = st.lists(value, max_size=3)
        fields[field.name] = st.none() | value
    return st.fixed_dictionaries({}, optional=fields)


def build(message_class: type[Message], values: dict[str, Any]) -> Message:
    message = message_class()
    _fill(message, values)
    return message


def _fill(message: Message, values: dict[str, Any]) -> None:
    for name, value in values.items():
        if value is None:
            continue
        field = message.DESCRIPTOR.fields_by_name[name]
        try:
            if field.type == FieldDescriptor.TYPE_MESSAGE:
                if field.is_repeated:
                    for item in value:
                        _fill(getattr(message, name).add(), item)
                else:
                    _fill(getattr(message, name), value)
            elif field.is_repeated:
                getattr(message, name).extend(value)
            else:
                setattr(message, name, value)
        except (ValueError, TypeError):
            continue  # a value the field cannot hold (e.g. a well-known type's range): leave it unset


SERVICES = [
    ("registry", registry_pb2.DESCRIPTOR.services_by_name["RegistryService"], registry_pb2),
    ("registry", ledger_pb2.DESCRIPTOR.services_by_name["LedgerService"], ledger_pb2),
    ("scoring", scoring_pb2.DESCRIPTOR.services_by_name["ScoringService"], scoring_pb2),
    ("notify", notify_pb2.DESCRIPTOR.services_by_name["NotifyService"], notify_pb2),
]
RPCS = [(owner, service, method, module) for owner, service, module in SERVICES for method in service.methods]


def _counts(system: System, owner: str) -> tuple[int, int]:
    """(events outside the access/ streams, all events)."""
    with Session(system.engines[owner]) as session:  # type: ignore[arg-type]
        total = session.exec(select(func.count()).select_from(EventRecord)).one()
        access = session.exec(
            select(func.count()).select_from(EventRecord).where(EventRecord.stream_id.startswith("access/"))  # type: ignore[union-attr]
        ).one()
    return total - access, total


async def _call(
    channel: grpc.aio.Channel, service: Any, method: Any, request: Message, role: str
) -> grpc.StatusCode:
    path = f"/{service.full_name}/{method.name}"
    response_class = getattr(
        {"registry": registry_pb2, "ledger": ledger_pb2}.get("", None) or _module_of(method),
        method.output_type.name,
    )
    kwargs = {
        "request_serializer": type(request).SerializeToString,
        "response_deserializer": response_class.FromString,
    }
    metadata = bearer(role)
    try:
        if method.client_streaming:
            await channel.stream_unary(path, **kwargs)(iter([request]), metadata=metadata, timeout=20)
        elif method.server_streaming:
            call = channel.unary_stream(path, **kwargs)(request, metadata=metadata, timeout=0.5)
            async for _ in call:
                pass
        else:
            await channel.unary_unary(path, **kwargs)(request, metadata=metadata, timeout=20)
    except grpc.aio.AioRpcError as error:
        return error.code()
    return grpc.StatusCode.OK


def _module_of(method: Any) -> Any:
    return {
        "zdz.registry.v1.RegistryService": registry_pb2,
        "zdz.registry.v1.LedgerService": ledger_pb2,
        "zdz.scoring.v1.ScoringService": scoring_pb2,
        "zdz.notify.v1.NotifyService": notify_pb2,
    }[method.containing_service.full_name]


@pytest.mark.parametrize(
    ("owner", "service", "method", "module"), RPCS, ids=[f"{r[1].name}.{r[2].name}" for r in RPCS]
)
async def test_hostile_requests_never_break_a_server(
    system: System, owner: str, service: Any, method: Any, module: Any
) -> None:
    channel = system.channels[owner]
    request_class = getattr(_module_of(method), method.input_type.name)
    loop = asyncio.get_running_loop()

    def on_loop(coroutine: Any) -> Any:  # hypothesis runs in a worker thread; the servers on this loop
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result()

    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(
        values=message_strategy(request_class.DESCRIPTOR),
        role=st.sampled_from(["municipal", "unit", "district", "public"]),
    )
    def hostile(values: dict[str, Any], role: str) -> None:
        request = build(request_class, values)
        before, _ = _counts(system, owner)
        code = on_loop(_call(channel, service, method, request, role))
        assert code not in (grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL), (method.name, request)
        if code != grpc.StatusCode.OK:
            assert _counts(system, owner)[0] == before, f"{method.name} wrote events but answered {code}"

    await asyncio.to_thread(hostile)
    status = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
    assert status.status == health_pb2.HealthCheckResponse.SERVING
    with Session(system.engines[owner]) as session:  # type: ignore[arg-type]
        assert system.stores[owner].verify(session).ok  # type: ignore[attr-defined]
