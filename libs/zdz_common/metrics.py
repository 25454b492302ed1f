"""Metrics through OpenTelemetry, configured by the standard variables (`OTEL_METRICS_EXPORTER=otlp|console|none`,
off by default), under one meter. The instruments are made once here and recorded where the thing happens:

- RPCs: `rpc.server.requests` and `rpc.server.duration` (ms) by method and status code (the interceptor below);
- events: `zdz.events.appended` (the event store), `zdz.events.published` (the outbox relay),
  `zdz.events.consumed`, `zdz.consumer.redeliveries` and `zdz.consumer.dead_letters` (each consumer);
- gauges read at collection time: `zdz.outbox.backlog` and `zdz.outbox.oldest_age` (s) per store,
  `zdz.outbox.parked` (events that can never be published, parked with their streams' later events: alert on
  any above 0; zdz_common.outbox),
  `zdz.consumer.lag` (messages pending) per durable consumer, `zdz.workflows.by_stage` (running processes per
  `zdz.stage`, counted through Temporal visibility by the workflow worker and cached between refreshes);
- `zdz.deadlines.missed` by `zdz.deadline.kind` and `zdz.unit.kind` (the workflow's publishing activity, once
  per DeadlineMissed appended to the store);
- `zdz.webhooks.deliveries` (every attempt, by `zdz.channel` webhook|email and `zdz.outcome` delivered|failed)
  and `zdz.webhooks.failures` (the failed ones, by `zdz.channel` and `zdz.outcome` retry|dead) (notify's
  delivery worker).

Instruments made before a provider is installed are the API's proxies and start recording once it is.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import grpc
from opentelemetry import metrics
from opentelemetry.metrics import CallbackOptions, Observation
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    ConsoleMetricExporter,
    MetricReader,
    PeriodicExportingMetricReader,
)
from opentelemetry.sdk.resources import Resource

from zdz_common.config import env_flag, env_str
from zdz_common.interceptors import Behaviour, wrap_unary

METER = metrics.get_meter("zdz")

RPC_REQUESTS = METER.create_counter(
    "rpc.server.requests", description="gRPC calls served, by method and status"
)
RPC_DURATION = METER.create_histogram("rpc.server.duration", unit="ms", description="gRPC call latency")
EVENTS_APPENDED = METER.create_counter("zdz.events.appended", description="events appended to a store")
EVENTS_PUBLISHED = METER.create_counter("zdz.events.published", description="events relayed to JetStream")
EVENTS_CONSUMED = METER.create_counter("zdz.events.consumed", description="events applied by a consumer")
REDELIVERIES = METER.create_counter("zdz.consumer.redeliveries", description="messages delivered again")
DEAD_LETTERS = METER.create_counter("zdz.consumer.dead_letters", description="messages given up on")
DEADLINES_MISSED = METER.create_counter("zdz.deadlines.missed", description="process deadlines that passed")
WEBHOOK_DELIVERIES = METER.create_counter(
    "zdz.webhooks.deliveries", description="webhook and e-mail delivery attempts, by channel and outcome"
)
WEBHOOK_FAILURES = METER.create_counter(
    "zdz.webhooks.failures", description="failed delivery attempts, by channel and whether retried or dead"
)

Gauge = Callable[[], Iterable[tuple[float, dict[str, str]]]]
_gauges: dict[str, list[Gauge]] = {
    "zdz.outbox.backlog": [],
    "zdz.outbox.oldest_age": [],
    "zdz.outbox.parked": [],
    "zdz.consumer.lag": [],
    "zdz.workflows.by_stage": [],
}


def _observe(name: str) -> Callable[[CallbackOptions], Iterable[Observation]]:
    def callback(_options: CallbackOptions) -> Iterable[Observation]:
        for gauge in list(_gauges[name]):
            for value, attributes in gauge():
                yield Observation(value, attributes)

    return callback


METER.create_observable_gauge(
    "zdz.outbox.backlog", [_observe("zdz.outbox.backlog")], description="events appended, not yet relayed"
)
METER.create_observable_gauge(
    "zdz.outbox.oldest_age", [_observe("zdz.outbox.oldest_age")], unit="s", description="age of the oldest"
)
METER.create_observable_gauge(
    "zdz.outbox.parked",
    [_observe("zdz.outbox.parked")],
    description="events parked unpublished (never publishable, or held behind one of their stream)",
)
METER.create_observable_gauge(
    "zdz.consumer.lag", [_observe("zdz.consumer.lag")], description="messages pending for a durable consumer"
)
METER.create_observable_gauge(
    "zdz.workflows.by_stage", [_observe("zdz.workflows.by_stage")], description="running processes per stage"
)


def add_gauge(name: str, gauge: Gauge) -> None:
    """Read `gauge` (values with their attributes) whenever metrics are collected."""
    _gauges[name].append(gauge)


def remove_gauge(name: str, gauge: Gauge) -> None:
    """Stop reading `gauge` (its relay or consumer has stopped)."""
    if gauge in _gauges[name]:
        _gauges[name].remove(gauge)


def metrics_enabled() -> bool:
    return isinstance(metrics.get_meter_provider(), MeterProvider)


def configure_metrics(service_name: str, *, reader: MetricReader | None = None) -> bool:
    """Install the process's meter provider once, from the environment (or with `reader`, for tests)."""
    if metrics_enabled():
        return True
    if reader is None:
        if env_flag("OTEL_SDK_DISABLED"):
            return False
        match env_str("OTEL_METRICS_EXPORTER", "none").lower():
            case "otlp":
                from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter

                reader = PeriodicExportingMetricReader(OTLPMetricExporter())
            case "console":
                reader = PeriodicExportingMetricReader(ConsoleMetricExporter())
            case "none" | "":
                return False
            case other:
                raise SystemExit(
                    f"OTEL_METRICS_EXPORTER={other!r} is not supported here: use otlp, console or none"
                )
    resource = Resource.create({"service.name": env_str("OTEL_SERVICE_NAME", f"zdz-{service_name}")})
    metrics.set_meter_provider(MeterProvider(resource=resource, metric_readers=[reader]))
    return True


class RpcMetricsInterceptor(grpc.aio.ServerInterceptor):
    """Counts and times every unary call (the streaming ones by their opening) by method and status code."""

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        method = handler_call_details.method

        def measuring(inner: Behaviour) -> Behaviour:
            async def measured(request: Any, context: grpc.aio.ServicerContext) -> Any:
                started = time.perf_counter()
                code = "OK"
                try:
                    return await inner(request, context)
                except BaseException:
                    code = _code_name(context) or "UNKNOWN"
                    raise
                finally:
                    attributes = {"rpc.method": method, "rpc.grpc.status_code": code}
                    RPC_REQUESTS.add(1, attributes)
                    RPC_DURATION.record((time.perf_counter() - started) * 1000, attributes)

            return measured

        return wrap_unary(await continuation(handler_call_details), measuring)  # type: ignore[return-value]


def _code_name(context: grpc.aio.ServicerContext) -> str:
    code = context.code()
    if isinstance(code, grpc.StatusCode):
        return code.name
    return ""
