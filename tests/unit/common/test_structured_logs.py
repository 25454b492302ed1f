"""Logs are JSON lines carrying the trace and span ids of the current span (issue 14). Run in a child process:
the logging set-up and the tracer provider are process-global."""

from __future__ import annotations

import json
import os
import subprocess
import sys

SCRIPT = """
import logging
from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from zdz_common.logs import configure_logging
from zdz_common.telemetry import configure_tracing

configure_tracing("probe", exporter=InMemorySpanExporter())
configure_logging("probe")
log = logging.getLogger("zdz_probe")
log.info("outside any span")
with trace.get_tracer("t").start_as_current_span("command") as span:
    log.warning("区县 %s 已存在", "wanzhou")
    context = span.get_span_context()
    print(format(context.trace_id, "032x"), format(context.span_id, "016x"))
"""


def _run(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


def test_a_log_line_is_json_with_the_service_and_the_current_trace_and_span_ids() -> None:
    done = _run(ZDZ_LOG_FORMAT="json")
    trace_id, span_id = done.stdout.split()
    outside, inside = (json.loads(line) for line in done.stderr.splitlines())
    assert inside["message"] == "区县 wanzhou 已存在" and inside["level"] == "WARNING"
    assert (inside["trace_id"], inside["span_id"]) == (trace_id, span_id)
    assert inside["service"] == "zdz-probe" and inside["logger"] == "zdz_probe"
    assert outside["trace_id"] == "0"  # no span: the instrumentation's "none"


def test_text_logs_for_a_terminal_still_carry_the_ids() -> None:
    done = _run(ZDZ_LOG_FORMAT="text")
    trace_id, _ = done.stdout.split()
    assert f"trace={trace_id}" in done.stderr.splitlines()[1]
