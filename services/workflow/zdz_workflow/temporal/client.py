"""The Temporal client with the data converter every part of the service shares, and the search attributes.

Two clients: the worker's, with the SDK's retries (its calls are retried by Temporal anyway), and the one that
answers requests (`answering=True`), which gives up on an unreachable server within about a second and sets a
deadline on every call, so that a stage command with Temporal down answers UNAVAILABLE ("the process service is
temporarily unavailable; retry") at once, instead of UNKNOWN "tcp connect error" after the SDK's 6–10 s. It also
keeps at most `in_flight` calls at the server at once (ZDZ_WORKFLOW_TEMPORAL_IN_FLIGHT); the rest wait their turn.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest
from temporalio.client import (
    Client,
    Interceptor,
    OutboundInterceptor,
    RPCTimeoutOrCancelledError,
)
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RetryConfig, RPCError, RPCStatusCode

from zdz_common.grpc_server import answer_unavailable_for
from zdz_common.telemetry import tracing_enabled
from zdz_workflow.config import TemporalLimits
from zdz_workflow.temporal import search_attributes

log = logging.getLogger(__name__)

UNAVAILABLE = "流程服务暂时不可用，请稍后重试 (the process service is temporarily unavailable; retry)"
# Retries of a call the server does not answer (connection refused, UNAVAILABLE): about one second in all.
ANSWERING_RETRY = RetryConfig(
    initial_interval_millis=100,
    randomization_factor=0.2,
    multiplier=2.0,
    max_interval_millis=400,
    max_elapsed_time_millis=1000,
    max_retries=4,
)
# Each call's deadline. An update carries a stage command, which may wait for its activities (the sheets read
# from scoring, the findings filed in the registry); the other calls only read or start.
UPDATE_DEADLINE = timedelta(seconds=30)
CALL_DEADLINE = timedelta(seconds=10)
_CALLS = (  # coroutines: each holds a slot of the bound while it runs (an Update until its outcome)
    "start_workflow",
    "describe_workflow",
    "query_workflow",
    "count_workflows",
    "signal_workflow",
    "cancel_workflow",
    "terminate_workflow",
    "start_workflow_update",
    "start_update_with_start_workflow",
)
_PAGED = ("list_workflows", "fetch_workflow_history_events")  # iterators, page by page: a deadline only
_UPDATES = frozenset({"start_workflow_update", "start_update_with_start_workflow"})


def _unavailable(error: BaseException) -> str | None:
    """Temporal out of reach or out of time, in the words of the answer (grpc_server's error mapping)."""
    if isinstance(error, RPCError) and error.status in (
        RPCStatusCode.UNAVAILABLE,
        RPCStatusCode.DEADLINE_EXCEEDED,
    ):
        return UNAVAILABLE
    if (
        isinstance(error, RPCError)
        and error.status is RPCStatusCode.UNKNOWN
        and "transport error" in error.message
    ):
        return (
            UNAVAILABLE  # the connection dropped mid-call (the server killed or restarting): retry, same key
        )
    if isinstance(error, RPCTimeoutOrCancelledError):
        return UNAVAILABLE
    return None


class _Answering(Interceptor):
    """The facade's client calls: each with a deadline when it has none (the SDK's default is to wait for ever),
    and at most `in_flight` of them at the server at once (0: no bound). A call beyond the bound waits for a slot
    instead of failing, so a burst (the whole city opened at once) reaches the server at the pace it can take;
    its deadline starts when it leaves the queue."""

    def __init__(self, in_flight: int) -> None:
        self.slots = asyncio.Semaphore(in_flight) if in_flight > 0 else None

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        return _AnsweringOutbound(next, self.slots)


class _AnsweringOutbound(OutboundInterceptor):
    """Each call of `_CALLS` and `_PAGED` with its deadline (and its slot), then on to the next interceptor (the
    methods are made below, one per call: every input of these calls has its `rpc_timeout`)."""

    def __init__(self, next: OutboundInterceptor, slots: asyncio.Semaphore | None) -> None:
        super().__init__(next)
        self.slots = slots


def _deadline(name: str, input: Any) -> Any:
    if input.rpc_timeout is None:
        input.rpc_timeout = UPDATE_DEADLINE if name in _UPDATES else CALL_DEADLINE
    return input


def _bounded(name: str) -> Any:
    async def call(self: _AnsweringOutbound, input: Any) -> Any:
        if self.slots is None:
            return await getattr(self.next, name)(_deadline(name, input))
        async with self.slots:
            return await getattr(self.next, name)(_deadline(name, input))

    call.__name__ = name
    return call


def _paged(name: str) -> Any:
    def call(self: _AnsweringOutbound, input: Any) -> Any:
        return getattr(self.next, name)(_deadline(name, input))

    call.__name__ = name
    return call


for _name in _CALLS:
    setattr(_AnsweringOutbound, _name, _bounded(_name))
for _name in _PAGED:
    setattr(_AnsweringOutbound, _name, _paged(_name))


def _interceptors(*, answering: bool, in_flight: int) -> list[Interceptor]:
    """Temporal's own OpenTelemetry interceptor while tracing is on: a stage command's update, the workflow task
    and its activities join the command's trace (workers made from this client use it too); the deadlines and
    the bound on calls in flight on the client that answers requests."""
    tracing: list[Interceptor] = [TracingInterceptor()] if tracing_enabled() else []
    return [*tracing, _Answering(in_flight)] if answering else tracing


async def connect(
    address: str,
    *,
    namespace: str = "default",
    wait_seconds: float = 0.0,
    answering: bool = False,
    in_flight: int = TemporalLimits.in_flight,
) -> Client:
    """A client with the pydantic data converter (ProcessState holds dates and Decimals), retrying for
    `wait_seconds` while the server is not up yet. `answering`: the client of the gRPC facade (quick to give up,
    a deadline on every call, at most `in_flight` calls at the server at once); its errors of Temporal out of
    reach answer UNAVAILABLE."""
    if answering:
        answer_unavailable_for(_unavailable)
    delay, waited = 0.5, 0.0
    while True:
        try:
            return await Client.connect(
                address,
                namespace=namespace,
                data_converter=pydantic_data_converter,
                interceptors=_interceptors(answering=answering, in_flight=in_flight),
                retry_config=ANSWERING_RETRY if answering else None,
            )
        except RuntimeError as error:
            if waited >= wait_seconds:
                raise
            log.warning("temporal at %s not reachable (%s); retrying in %.1fs", address, error, delay)
            await asyncio.sleep(delay)
            waited += delay
            delay = min(delay * 2, 5.0)


async def register_search_attributes(client: Client) -> list[str]:
    """Add the search attributes the server lacks (the dev server registers them at start; a fresh cluster
    may not). Returns the names added; where the operator API is not allowed, logs and adds nothing."""
    try:
        listed = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=client.namespace)
        )
        known = set(listed.custom_attributes) | set(listed.system_attributes)
    except RPCError as error:
        if error.status is not RPCStatusCode.UNIMPLEMENTED:  # the time-skipping test server cannot list
            log.warning("cannot list search attributes (%s); register them with the operator", error.message)
            return []
        known = set()
    missing = {
        key.name: IndexedValueType.ValueType(key.indexed_value_type.value)
        for key in search_attributes.ALL
        if key.name not in known
    }
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=client.namespace, search_attributes=missing)
        )
    return sorted(missing)
