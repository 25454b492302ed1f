"""Workflow metrics (issue 14): running processes per stage, counted through Temporal visibility by the worker's
background counter (a gauge reads the last counts), and missed deadlines by kind, counted where the publishing
activity appends them. The scenario runs in its own process (metrics_probe.py) against a real Temporal dev server:
the meter provider is process-global."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from zdz_common.vocabulary import Stage

ROOT = Path(__file__).resolve().parents[3]

Points = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def _points(exported: dict[str, Any]) -> Points:
    return {
        (metric["name"], tuple(sorted(point["attributes"].items()))): point["value"]
        for resource in exported["resource_metrics"]
        for scope in resource["scope_metrics"]
        for metric in scope["metrics"]
        for point in metric["data"]["data_points"]
    }


@pytest.fixture(scope="module")
def probe() -> tuple[Points, Points]:
    done = subprocess.run(
        [sys.executable, "-m", "tests.integration.workflow.metrics_probe"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    running, stopped = [
        _points(json.loads(line.removeprefix("METRICS ")))
        for line in done.stdout.splitlines()
        if line.startswith("METRICS ")
    ]
    return running, stopped


def test_the_running_processes_are_counted_per_stage_through_temporal_visibility(probe) -> None:  # type: ignore[no-untyped-def]
    running, _ = probe
    by_stage = {
        dict(attrs)["zdz.stage"]: v
        for (name, attrs), v in running.items()
        if name == "zdz.workflows.by_stage"
    }
    # Every stage is shown, the empty ones as 0: one town still in its survey, one park group in its plan.
    assert by_stage == {stage.value: 1 if stage in (Stage.SURVEY, Stage.PLAN) else 0 for stage in Stage}


def test_a_missed_deadline_is_counted_once_by_its_kind(probe) -> None:  # type: ignore[no-untyped-def]
    _, stopped = probe
    missed = {attrs: v for (name, attrs), v in stopped.items() if name == "zdz.deadlines.missed"}
    assert missed == {(("zdz.deadline.kind", "SURVEY"), ("zdz.unit.kind", "TOWN")): 1}


def test_the_stage_gauge_is_gone_once_its_counter_stops(probe) -> None:  # type: ignore[no-untyped-def]
    _, stopped = probe
    assert not [key for key in stopped if key[0] == "zdz.workflows.by_stage"]
