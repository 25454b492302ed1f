"""The facade's Temporal client puts a deadline on every call that has none (the SDK waits for ever by default):
the updates that carry a stage command get longer, the reads and starts less; a deadline given is kept."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from zdz_workflow.temporal.client import _CALLS, _PAGED, CALL_DEADLINE, UPDATE_DEADLINE, _Answering


class Recording:
    def __init__(self) -> None:
        self.seen: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        def call(input: Any) -> str:
            self.seen[name] = input.rpc_timeout
            return name

        async def coroutine(input: Any) -> str:
            return call(input)

        return call if name in _PAGED else coroutine


async def called(outbound: Any, name: str, input: Any) -> Any:
    answer = getattr(outbound, name)(input)
    return answer if name in _PAGED else await answer


@pytest.mark.parametrize("name", _CALLS + _PAGED)
async def test_every_client_call_gets_a_deadline_unless_it_has_one(name: str) -> None:
    recording = Recording()
    outbound = _Answering(in_flight=4).intercept_client(recording)  # type: ignore[arg-type]
    assert await called(outbound, name, SimpleNamespace(rpc_timeout=None)) == name
    assert recording.seen[name] == (UPDATE_DEADLINE if "update" in name else CALL_DEADLINE)
    await called(outbound, name, SimpleNamespace(rpc_timeout=timedelta(seconds=2)))
    assert recording.seen[name] == timedelta(seconds=2)
