"""Malformed and hostile requests at every RPC of registry, scoring and notify (hypothesis, the strategies of
tests/hostile.py built from each request's descriptor: oversized and control text, non-characters, bidi, huge
integers, NaN/inf/1e308, unknown enum numbers, foreign digits, hostile ids and URLs, lists past every bound):
never UNKNOWN or INTERNAL, no partial write (a refused call adds no event but its own access.denied record, and
the chains verify), and the servers stay up. The workflow's sweep (test_workflow_hostile) uses the same
strategies."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc
import pytest
from google.protobuf.message import Message
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, func, select

from tests.hostile import build, message_strategy
from tests.integration.auth.harness import System, bearer
from zdz.events.v1.access_pb2 import AccessDenied
from zdz.notify.v1 import notify_pb2
from zdz.registry.v1 import ledger_pb2, registry_pb2
from zdz.scoring.v1 import scoring_pb2
from zdz_common.eventstore import EventRecord
from zdz_common.validation import refused_character

__all__ = ["build", "message_strategy"]  # the workflow's sweep imports them from here

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
        denials = session.exec(select(EventRecord).where(EventRecord.stream_id.startswith("access/"))).all()  # type: ignore[union-attr]
    for denial in denials:  # a refusal's record names a well-formed target or none: never the hostile text
        target = AccessDenied.FromString(denial.data).target
        assert len(target) < 200 and refused_character(target) is None, target[:100]
