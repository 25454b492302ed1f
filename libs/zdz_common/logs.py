"""Structured logs: one JSON object per line (python-json-logger) carrying the trace and span ids of the span that
was current (the kept OpenTelemetry logging instrumentation), so that a log line leads to its trace.

`ZDZ_LOG_FORMAT=json` (the default) or `text`; `ZDZ_LOG_LEVEL` (default INFO).
"""

from __future__ import annotations

import logging

from opentelemetry.instrumentation.logging import LoggingInstrumentor
from pythonjsonlogger.json import JsonFormatter

from zdz_common.config import env_str

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [trace=%(otelTraceID)s span=%(otelSpanID)s]: %(message)s"


def configure_logging(service_name: str) -> None:
    LoggingInstrumentor().instrument(
        set_logging_format=False, inject_trace_context=True
    )  # otelTraceID, otelSpanID
    handler = logging.StreamHandler()
    match env_str("ZDZ_LOG_FORMAT", "json").lower():
        case "json":
            handler.setFormatter(
                JsonFormatter(
                    "{asctime}{levelname}{name}{message}{otelTraceID}{otelSpanID}",
                    style="{",
                    rename_fields={
                        "asctime": "time",
                        "levelname": "level",
                        "name": "logger",
                        "otelTraceID": "trace_id",
                        "otelSpanID": "span_id",
                    },
                    static_fields={"service": f"zdz-{service_name}"},
                    json_ensure_ascii=False,
                )
            )
        case "text":
            handler.setFormatter(logging.Formatter(TEXT_FORMAT))
        case other:
            raise SystemExit(f"ZDZ_LOG_FORMAT={other!r}: use json or text")
    logging.basicConfig(level=env_str("ZDZ_LOG_LEVEL", "INFO").upper(), handlers=[handler], force=True)
