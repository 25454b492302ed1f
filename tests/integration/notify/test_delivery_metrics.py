"""Webhook delivery metrics (issue 14): every attempt counted by channel and outcome, the failed ones by whether
they are retried or dead-lettered. The scenario runs in its own process (delivery_metrics_probe.py) against a real
notify service, a real nats-server and two real HTTP receivers: the meter provider is process-global."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

Points = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def _probe() -> Points:
    done = subprocess.run(
        [sys.executable, "-m", "tests.integration.notify.delivery_metrics_probe"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    [exported] = [
        json.loads(line.removeprefix("METRICS "))
        for line in done.stdout.splitlines()
        if line.startswith("METRICS ")
    ]
    return {
        (metric["name"], tuple(sorted(point["attributes"].items()))): point["value"]
        for resource in exported["resource_metrics"]
        for scope in resource["scope_metrics"]
        for metric in scope["metrics"]
        for point in metric["data"]["data_points"]
        if metric["name"].startswith("zdz.webhooks.")
    }


def test_webhook_attempts_are_counted_by_outcome_and_failures_by_retry_or_dead_letter() -> None:
    points = _probe()
    webhook = ("zdz.channel", "webhook")
    # One event to two webhooks: one delivered at once; the other refused twice, retried once, then dead.
    assert points == {
        ("zdz.webhooks.deliveries", (webhook, ("zdz.outcome", "delivered"))): 1,
        ("zdz.webhooks.deliveries", (webhook, ("zdz.outcome", "failed"))): 2,
        ("zdz.webhooks.failures", (webhook, ("zdz.outcome", "retry"))): 1,
        ("zdz.webhooks.failures", (webhook, ("zdz.outcome", "dead"))): 1,
    }
