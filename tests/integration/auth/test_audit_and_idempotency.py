"""A refused call is itself in the audit trail; a retried command with the same idempotency key is applied once."""

from __future__ import annotations

import grpc
import pytest
from sqlmodel import Session, func, select

from tests.integration.auth.harness import System, bearer
from zdz.events.v1.access_pb2 import AccessDenied
from zdz.registry.v1 import registry_pb2 as rpb
from zdz_common.eventstore import EventRecord


def _events(system: System, service: str) -> int:
    with Session(system.engines[service]) as session:  # type: ignore[arg-type]
        return session.exec(select(func.count()).select_from(EventRecord)).one()


async def test_a_refused_attempt_is_recorded_in_the_audit_trail_and_the_chain_verifies(
    system: System,
) -> None:
    # A unit tries to add a district: refused, and the refusal is an event on stream access/unit:own-unit.
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await system.registry.CreateDistrict(
            rpb.CreateDistrictRequest(district=rpb.District(code="sneaky", name="冒名区")),
            metadata=(*bearer("unit"), ("x-request-id", "req-denied-1")),
        )
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    trail = await system.registry.GetAuditTrail(
        rpb.GetAuditTrailRequest(stream_id="access/unit:own-unit"), metadata=bearer("municipal")
    )
    denied = [e for e in trail.events if e.type == "zdz.registry.access.denied"]
    payload = AccessDenied()
    denied[-1].data.Unpack(payload)
    assert (payload.method, payload.organisation, payload.role, payload.request_id) == (
        "CreateDistrict",
        "unit:own-unit",
        "UNIT",
        "req-denied-1",
    )
    assert payload.rule.startswith("issue7.directory-write")
    verified = await system.registry.VerifyChain(rpb.VerifyChainRequest(), metadata=bearer("municipal"))
    assert verified.ok


async def test_a_retried_command_with_the_same_idempotency_key_changes_nothing_the_second_time(
    system: System,
) -> None:
    # The city creates a district with key K; the retry with K gets the very same answer and no new event.
    request = rpb.CreateDistrictRequest(
        district=rpb.District(code="retry", name="重试区", town_share_2027=80)
    )
    metadata = (*bearer("municipal"), ("x-idempotency-key", "create-retry-1"))
    first = await system.registry.CreateDistrict(request, metadata=metadata)
    events_after_first = _events(system, "registry")
    again = await system.registry.CreateDistrict(request, metadata=metadata)
    assert again == first
    assert _events(system, "registry") == events_after_first
    # The same key for a different request is refused, and nothing is written either.
    other = rpb.CreateDistrictRequest(district=rpb.District(code="retry2", name="另一区"))
    with pytest.raises(grpc.aio.AioRpcError) as reused:
        await system.registry.CreateDistrict(other, metadata=metadata)
    assert reused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "create-retry-1" in (reused.value.details() or "")
    assert _events(system, "registry") == events_after_first
    # Without a key, the retry is a new command: the district exists already.
    with pytest.raises(grpc.aio.AioRpcError) as exists:
        await system.registry.CreateDistrict(request, metadata=bearer("municipal"))
    assert exists.value.code() == grpc.StatusCode.ALREADY_EXISTS
