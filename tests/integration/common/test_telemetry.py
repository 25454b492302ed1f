"""Telemetry (issue 14, first steps). One trace from a command to the consumer of its event: gRPC client → gRPC
server → SQL → the outbox's publish over a real nats-server → the consumer → its SQL, each span the child of the
one before. And the metrics, read through the SDK's in-memory reader. The scenario runs in its own process
(tracing_probe.py): tracer and meter providers are process-global."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def probe() -> tuple[list[dict[str, Any]], dict[tuple[str, tuple[tuple[str, str], ...]], float]]:
    done = subprocess.run(
        [sys.executable, "-m", "tests.integration.common.tracing_probe"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    spans = [json.loads(line) for line in lines if line.startswith("{")]
    [exported] = [json.loads(line.removeprefix("METRICS ")) for line in lines if line.startswith("METRICS ")]
    points = {
        (metric["name"], tuple(sorted(point["attributes"].items()))): point.get("value", point.get("count"))
        for resource in exported["resource_metrics"]
        for scope in resource["scope_metrics"]
        for metric in scope["metrics"]
        for point in metric["data"]["data_points"]
    }
    return spans, points


@pytest.fixture(scope="module")
def spans(probe) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    return probe[0]


@pytest.fixture(scope="module")
def points(probe) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:  # type: ignore[no-untyped-def]
    return probe[1]


def _one(spans: list[dict[str, Any]], name: str, kind: str) -> dict[str, Any]:
    [span] = [
        s
        for s in spans
        if s["name"] == name
        and s["kind"] == f"SpanKind.{kind}"
        and s["attributes"].get("rpc.grpc.status_code", 0) == 0  # the call that succeeded
    ]
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
    refused = [s for s in spans if s["name"] == rpc and s["attributes"]["rpc.grpc.status_code"] == 6]
    assert {s["kind"] for s in refused} == {
        "SpanKind.CLIENT",
        "SpanKind.SERVER",
    }  # ALREADY_EXISTS, the second
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


def _value(points, name: str, **attributes: str) -> float:  # type: ignore[no-untyped-def]
    return points[(name, tuple(sorted(attributes.items())))]  # type: ignore[no-any-return]


def test_rpcs_are_counted_and_timed_by_method_and_status(points) -> None:  # type: ignore[no-untyped-def]
    create = "/zdz.registry.v1.RegistryService/CreateDistrict"
    assert _value(points, "rpc.server.requests", **{"rpc.method": create, "rpc.grpc.status_code": "OK"}) == 1
    assert (
        _value(
            points, "rpc.server.requests", **{"rpc.method": create, "rpc.grpc.status_code": "ALREADY_EXISTS"}
        )
        == 1
    )
    assert _value(points, "rpc.server.duration", **{"rpc.method": create, "rpc.grpc.status_code": "OK"}) == 1


def test_events_are_counted_appended_published_consumed_retried_and_dead_lettered(points) -> None:  # type: ignore[no-untyped-def]
    group = {"messaging.consumer.group.name": "probe-ZDZ_REGISTRY"}
    assert _value(points, "zdz.events.appended", **{"zdz.source": "zdz/registry"}) == 2
    for subject in ("zdz.registry.district.registered", "zdz.registry.district.updated"):
        assert _value(points, "zdz.events.published", **{"messaging.destination.name": subject}) == 1
    assert _value(points, "zdz.events.consumed", **group) == 1  # the update was refused, twice
    assert _value(points, "zdz.consumer.redeliveries", **group) == 1
    assert _value(points, "zdz.consumer.dead_letters", **group) == 1


def test_the_outbox_backlog_and_consumer_lag_are_gauges_read_at_collection(points) -> None:  # type: ignore[no-untyped-def]
    backlog = [v for (name, _), v in points.items() if name == "zdz.outbox.backlog"]
    oldest = [v for (name, _), v in points.items() if name == "zdz.outbox.oldest_age"]
    assert backlog == [0.0] and oldest == [0.0]  # everything relayed by then
    assert _value(points, "zdz.consumer.lag", **{"messaging.consumer.group.name": "probe-ZDZ_REGISTRY"}) == 0


def test_blocking_channels_and_the_consoles_pages_are_traced_too(spans: list[dict[str, Any]]) -> None:
    # The console and the CLI call over blocking channels (zdz_common.tls.channel, zdz_cli.connection).
    rpc = "/zdz.registry.v1.RegistryService/GetDistrict"
    client, server = _one(spans, rpc, "CLIENT"), _one(spans, rpc, "SERVER")
    assert server["parent_id"] == client["context"]["span_id"]
    page = [s for s in spans if s["name"] == "GET /healthz" and s["kind"] == "SpanKind.SERVER"]
    assert page and page[0]["attributes"]["http.route"] == "/healthz"
