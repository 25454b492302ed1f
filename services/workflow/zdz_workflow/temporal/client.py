"""The Temporal client with the data converter every part of the service shares, and the search attributes."""

from __future__ import annotations

import asyncio
import logging

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest
from temporalio.client import Client
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RPCError, RPCStatusCode

from zdz_common.telemetry import tracing_enabled
from zdz_workflow.temporal import search_attributes

log = logging.getLogger(__name__)


def _interceptors() -> list[TracingInterceptor]:
    """Temporal's own OpenTelemetry interceptor while tracing is on: a stage command's update, the workflow task
    and its activities join the command's trace (workers made from this client use it too)."""
    return [TracingInterceptor()] if tracing_enabled() else []


async def connect(address: str, *, namespace: str = "default", wait_seconds: float = 0.0) -> Client:
    """A client with the pydantic data converter (ProcessState holds dates and Decimals), retrying for
    `wait_seconds` while the server is not up yet."""
    delay, waited = 0.5, 0.0
    while True:
        try:
            return await Client.connect(
                address,
                namespace=namespace,
                data_converter=pydantic_data_converter,
                interceptors=_interceptors(),
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
