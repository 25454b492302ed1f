"""Temporal's TracingInterceptor on the workflow service's client and its workers (issue 14): a stage command's
update, the workflow task and the activity it runs join the command's trace. The scenario runs in its own process
(temporal_tracing_probe.py) against a real Temporal dev server: the tracer provider is process-global."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_a_commands_update_and_the_activity_it_runs_are_one_trace() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tests.integration.workflow.temporal_tracing_probe"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    spans = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    [command] = [s for s in spans if s["name"] == "command SubmitSurvey"]
    trace_id = command["context"]["trace_id"]
    names = {s["name"] for s in spans if s["context"]["trace_id"] == trace_id}
    assert {"StartWorkflow:ProbeProcess", "StartWorkflowUpdate:submit", "RunActivity:record_step"} <= names, (
        names
    )
