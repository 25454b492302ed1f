"""Traces through OpenTelemetry, configured by the standard OTEL_* variables, so that an operator follows one
command from its gRPC call through the events it appends to every consumer that handles them.

Off unless asked (the embedded set-up stays light):
- `OTEL_TRACES_EXPORTER=otlp` (production: `OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_*` as the SDK reads
  them), or `console`;
- `ZDZ_TRACES_FILE=<path>`: spans as JSON lines in a file (e.g. `data/traces/{service}.jsonl`, one per process);
- `OTEL_SDK_DISABLED=true` turns everything off. `OTEL_SERVICE_NAME` / `OTEL_RESOURCE_ATTRIBUTES` name the process.

Where spans come from: gRPC servers and clients (the kept `opentelemetry-instrumentation-grpc` interceptors),
SQL (`opentelemetry-instrumentation-sqlalchemy` on each store engine), the outbox relay (a PRODUCER span per event,
child of the command that appended it, its context sent in the NATS `traceparent` header) and each consumer (a
CONSUMER span, child of that header). Events keep the command's own traceparent in the store (it is hashed into
the chain); the header carries the publish span's.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import grpc
from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.trace import SpanKind
from sqlalchemy.engine import Engine

from zdz_common.config import env_flag, env_str
from zdz_common.metrics import RpcMetricsInterceptor, configure_metrics, metrics_enabled

TRACER_NAME = "zdz"


def tracing_enabled() -> bool:
    return isinstance(trace.get_tracer_provider(), TracerProvider)


def _file_exporter(path: Path) -> SpanExporter:
    path.parent.mkdir(parents=True, exist_ok=True)
    out: IO[str] = path.open("a", encoding="utf-8")
    return ConsoleSpanExporter(out=out, formatter=lambda span: span.to_json(indent=None) + "\n")


def _exporter_from_environment(service_name: str) -> tuple[SpanExporter, bool] | None:
    """The exporter the environment asks for, and whether to batch; None when tracing stays off."""
    if env_flag("OTEL_SDK_DISABLED"):
        return None
    traces_file = env_str("ZDZ_TRACES_FILE", "")
    if traces_file:  # "{service}" in the path: one file per process, e.g. data/traces/{service}.jsonl
        return _file_exporter(Path(traces_file.replace("{service}", service_name))), False
    match env_str("OTEL_TRACES_EXPORTER", "none").lower():
        case "otlp":
            from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

            return OTLPSpanExporter(), True
        case "console":
            return ConsoleSpanExporter(), False
        case "none" | "":
            return None
        case other:
            raise SystemExit(
                f"OTEL_TRACES_EXPORTER={other!r} is not supported here: use otlp, console or none"
            )


def configure_tracing(service_name: str, *, exporter: SpanExporter | None = None) -> bool:
    """Install the process's tracer provider once, from the environment (or with `exporter`, for tests). A provider
    already installed (several services in one test process) is kept. True when tracing is on."""
    if tracing_enabled():
        return True
    chosen = (exporter, False) if exporter is not None else _exporter_from_environment(service_name)
    if chosen is None:
        return False
    span_exporter, batched = chosen
    os.environ.setdefault("OTEL_SERVICE_NAME", f"zdz-{service_name}")
    provider = TracerProvider(resource=Resource.create())
    processor = BatchSpanProcessor(span_exporter) if batched else SimpleSpanProcessor(span_exporter)
    provider.add_span_processor(processor)
    trace.set_tracer_provider(provider)
    return True


def configure_telemetry(service_name: str) -> None:
    """Traces and metrics for a service process, from the environment (both off by default)."""
    configure_tracing(service_name)
    configure_metrics(service_name)


def grpc_server_interceptors() -> list[grpc.aio.ServerInterceptor]:
    """A server span per call, child of the caller's traceparent, and the call's count and latency; none of
    either while it is off."""
    interceptors: list[grpc.aio.ServerInterceptor] = []
    if tracing_enabled():
        from opentelemetry.instrumentation.grpc import aio_server_interceptor

        interceptors.append(aio_server_interceptor())
    if metrics_enabled():
        interceptors.append(RpcMetricsInterceptor())
    return interceptors


def grpc_client_interceptors() -> list[grpc.aio.ClientInterceptor]:
    """A client span per call, its traceparent sent in the metadata; none while tracing is off."""
    if not tracing_enabled():
        return []
    from opentelemetry.instrumentation.grpc import aio_client_interceptors

    return list(aio_client_interceptors())


def traced_channel(channel: grpc.Channel) -> grpc.Channel:
    """A blocking channel with a client span per call (the console, the CLI), while tracing is on."""
    if not tracing_enabled():
        return channel
    from opentelemetry.instrumentation.grpc import client_interceptor
    from opentelemetry.instrumentation.grpc.grpcext import intercept_channel

    return intercept_channel(channel, client_interceptor())  # type: ignore[no-any-return]


def instrument_web_app(app: object) -> None:
    """HTTP server spans for the console's FastAPI app (the kept FastAPI instrumentation), while tracing is on."""
    if tracing_enabled():
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

        FastAPIInstrumentor.instrument_app(app)  # type: ignore[arg-type]


def instrument_engine(engine: Engine) -> None:
    """SQL spans for a store's engine, while tracing is on."""
    if tracing_enabled():
        from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

        # The kept instrumentation declares SQLAlchemy < 2.1; its engine events are unchanged in 2.1, so the
        # dependency check is skipped (tests/integration/common/test_tracing.py proves the SQL spans appear).
        SQLAlchemyInstrumentor().instrument(engine=engine, skip_dep_check=True)


@contextmanager
def untraced() -> Iterator[None]:
    """No spans inside (the outbox relay's polling: a root span every half second says nothing)."""
    from opentelemetry.instrumentation.utils import suppress_instrumentation

    with suppress_instrumentation():
        yield


def mark_request(request_id: str) -> None:
    """Name the command's request id on its span, so that an operator finds a command's trace by it."""
    trace.get_current_span().set_attribute("zdz.request_id", request_id)


def current_traceparent(fallback: str = "") -> str:
    """The W3C traceparent of the current span (a command's server span), or `fallback` outside any span."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent", fallback)


def _parent(traceparent: str | Mapping[str, str] | None) -> Context | None:
    if not traceparent:
        return None
    carrier = {"traceparent": traceparent} if isinstance(traceparent, str) else dict(traceparent)
    return propagate.extract(carrier)


@contextmanager
def publishing(subject: str, traceparent: str) -> Iterator[str]:
    """A PRODUCER span for publishing one event, child of the command's `traceparent`; yields the traceparent to
    send in the message's header (the command's own while tracing is off). An event no traced command appended
    (the official load at start-up, say) starts no trace: nothing to follow, and thousands of roots."""
    if not traceparent:
        with untraced():
            yield ""
        return
    tracer = trace.get_tracer(TRACER_NAME)
    with tracer.start_as_current_span(
        f"publish {subject}",
        context=_parent(traceparent),
        kind=SpanKind.PRODUCER,
        attributes={"messaging.system": "nats", "messaging.destination.name": subject},
    ):
        yield current_traceparent(traceparent)


@contextmanager
def consuming(consumer: str, subject: str, headers: Mapping[str, str] | None) -> Iterator[None]:
    """A CONSUMER span for handling one message, child of the publisher's span in its `traceparent` header; none
    (and no SQL spans) for a message without one."""
    parent = (headers or {}).get("traceparent", "")
    if not parent:
        with untraced():
            yield
        return
    tracer = trace.get_tracer(TRACER_NAME)
    with tracer.start_as_current_span(
        f"consume {subject}",
        context=_parent(parent),
        kind=SpanKind.CONSUMER,
        attributes={
            "messaging.system": "nats",
            "messaging.destination.name": subject,
            "messaging.consumer.group.name": consumer,
        },
    ):
        yield
