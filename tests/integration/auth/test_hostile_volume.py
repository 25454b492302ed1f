"""Volume of hostile requests (issue 16, "must show"): 10 MB of them at each of registry, scoring and notify, every
RPC in turn, from every role, built by tests/hostile.py's seeded builder (texts up to ~0.9 MB, control and bidi
characters, non-characters, huge integers, NaN/inf/1e308, unknown enums, foreign digits, lists past every bound):
0 UNKNOWN and 0 INTERNAL, and each server still serving and its chain intact."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from typing import Any

import grpc
import pytest
from google.protobuf.message_factory import GetMessageClass
from grpc_health.v1 import health_pb2, health_pb2_grpc
from sqlmodel import Session

from tests.hostile import random_request
from tests.integration.auth.harness import System
from tests.integration.auth.test_hostile_requests import SERVICES, _call

TEN_MB = 10 * 1024 * 1024
ROLES = ["municipal", "district", "unit", "public", "service"]
CONCURRENCY = 8


async def hostile_volume(
    rpcs: list[tuple[Any, Any]], send: Any, *, seed: int, total_bytes: int = TEN_MB
) -> tuple[Counter[grpc.StatusCode], int, int]:
    """Send seeded hostile requests over `rpcs` [(service, method)] round-robin until `total_bytes` went out;
    (status counts, bytes sent, requests sent). `send(service, method, request, role)` answers a status code."""
    rng = random.Random(seed)
    codes: Counter[grpc.StatusCode] = Counter()
    sent = requests = 0
    while sent < total_bytes:
        batch = []
        for _ in range(CONCURRENCY):
            service, method = rpcs[requests % len(rpcs)]
            request_class = GetMessageClass(method.input_type)
            request = random_request(request_class, rng, big=requests % 8 == 0)
            sent += request.ByteSize()
            requests += 1
            batch.append(send(service, method, request, rng.choice(ROLES)))
        for code in await asyncio.gather(*batch):
            codes[code] += 1
    return codes, sent, requests


@pytest.mark.parametrize("owner", ["registry", "scoring", "notify"])
async def test_ten_megabytes_of_hostile_requests_answer_no_unknown_and_no_internal(
    system: System, owner: str
) -> None:
    channel = system.channels[owner]
    rpcs = [
        (service, method)
        for name, service, _ in SERVICES
        if name == owner
        for method in service.methods
        if not method.server_streaming  # Subscribe waits for notifications: swept in test_hostile_requests
    ]

    async def send(service: Any, method: Any, request: Any, role: str) -> grpc.StatusCode:
        return await _call(channel, service, method, request, role)

    codes, sent, requests = await hostile_volume(rpcs, send, seed=16)
    assert sent >= TEN_MB
    assert codes[grpc.StatusCode.UNKNOWN] == 0 and codes[grpc.StatusCode.INTERNAL] == 0, (
        requests,
        dict(codes),
    )
    status = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
    assert status.status == health_pb2.HealthCheckResponse.SERVING
    with Session(system.engines[owner]) as session:  # type: ignore[arg-type]
        assert system.stores[owner].verify(session).ok  # type: ignore[attr-defined]
