"""The facade's Temporal client keeps at most ZDZ_WORKFLOW_TEMPORAL_IN_FLIGHT calls at the server at once: the
dev server (one shard, one SQLite connection) times out past about a thousand workflows driven at once
(temporal/temporal#9686). A call beyond the bound waits for a slot and then completes; it never fails for
want of one. 0 turns the bound off."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest

from zdz_workflow.config import TemporalLimits
from zdz_workflow.temporal.client import _Answering


class SlowServer:
    """Every call takes a turn of the loop or so; the most calls seen at once are counted."""

    def __init__(self) -> None:
        self.now = 0
        self.most = 0
        self.done = 0

    def __getattr__(self, name: str) -> Any:
        async def call(input: Any) -> str:
            self.now += 1
            self.most = max(self.most, self.now)
            await asyncio.sleep(0.005)
            self.now -= 1
            self.done += 1
            return name

        return call


async def burst(in_flight: int, calls: int) -> SlowServer:
    server = SlowServer()
    outbound: Any = _Answering(in_flight).intercept_client(server)  # type: ignore[arg-type]
    names = ["start_workflow", "start_workflow_update", "query_workflow", "describe_workflow"]
    answers = await asyncio.gather(
        *(getattr(outbound, names[n % 4])(SimpleNamespace(rpc_timeout=None)) for n in range(calls))
    )
    assert answers == [
        names[n % 4] for n in range(calls)
    ]  # every call beyond the bound waited, then completed
    return server


async def test_no_more_calls_than_the_bound_reach_temporal_at_once_and_the_rest_wait() -> None:
    server = await burst(in_flight=3, calls=40)
    assert server.most == 3
    assert server.done == 40


async def test_the_embedded_bound_holds_and_zero_turns_it_off() -> None:
    embedded = TemporalLimits().in_flight
    assert (await burst(in_flight=embedded, calls=4 * embedded)).most == embedded
    assert (await burst(in_flight=0, calls=40)).most == 40


def test_the_limits_come_from_the_environment_and_default_to_the_embedded_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("IN_FLIGHT", "WORKFLOW_TASKS", "ACTIVITIES", "CACHED_WORKFLOWS"):
        monkeypatch.delenv(f"ZDZ_WORKFLOW_TEMPORAL_{name}", raising=False)
    assert TemporalLimits.from_env() == TemporalLimits()
    monkeypatch.setenv("ZDZ_WORKFLOW_TEMPORAL_IN_FLIGHT", "256")
    monkeypatch.setenv("ZDZ_WORKFLOW_TEMPORAL_WORKFLOW_TASKS", "100")
    monkeypatch.setenv("ZDZ_WORKFLOW_TEMPORAL_ACTIVITIES", "90")
    monkeypatch.setenv("ZDZ_WORKFLOW_TEMPORAL_CACHED_WORKFLOWS", "2000")
    assert TemporalLimits.from_env() == TemporalLimits(
        in_flight=256, workflow_tasks=100, activities=90, cached_workflows=2000
    )
