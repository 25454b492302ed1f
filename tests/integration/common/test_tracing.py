"""One trace from a command to the consumer of its event (issue 14, first step): gRPC client → gRPC server → SQL →
the outbox's publish over a real nats-server → the consumer → its SQL, all one trace, each span the child of the
one before. The scenario runs in its own process (tracing_probe.py): a tracer provider is process-global."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def spans() -> list[dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, "-m", "tests.integration.common.tracing_probe"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def _one(spans: list[dict[str, Any]], name: str, kind: str) -> dict[str, Any]:
    [span] = [s for s in spans if s["name"] == name and s["kind"] == f"SpanKind.{kind}"]
    return span


def _children(spans: list[dict[str, Any]], parent: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in spans if s.get("parent_id") == parent["context"]["span_id"]]


def test_a_command_its_sql_its_publish_and_its_consumer_are_one_trace_parent_to_child(
    spans: list[dict[str, Any]],
) -> None:
    rpc = "/zdz.registry.v1.RegistryService/CreateDistrict"
    client = _one(spans, rpc, "CLIENT")
    server = _one(spans, rpc, "SERVER")
    publish = _one(spans, "publish zdz.registry.district.registered", "PRODUCER")
    consume = _one(spans, "consume zdz.registry.district.registered", "CONSUMER")
    assert server["parent_id"] == client["context"]["span_id"]
    assert publish["parent_id"] == server["context"]["span_id"]  # from the event's stored traceparent
    assert consume["parent_id"] == publish["context"]["span_id"]  # from the NATS traceparent header
    assert {s["context"]["trace_id"] for s in (client, server, publish, consume)} == {
        client["context"]["trace_id"]
    }
    # SQL spans (the kept SQLAlchemy instrumentation): the command's insert and the consumer's tracking row
    assert any(s["name"].startswith("INSERT") for s in _children(spans, server))
    assert any(s["name"].startswith("INSERT") for s in _children(spans, consume))
    assert publish["attributes"]["messaging.destination.name"] == "zdz.registry.district.registered"


def test_the_outbox_polling_makes_no_spans_of_its_own(spans: list[dict[str, Any]]) -> None:
    statements = [s.get("attributes", {}).get("db.statement", "") for s in spans if not s.get("parent_id")]
    assert not [q for q in statements if "FROM es_outbox" in q or q.startswith("UPDATE es_outbox")]
