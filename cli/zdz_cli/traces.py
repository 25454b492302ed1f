"""One command's span tree, read from the spans the services write as JSON lines (`ZDZ_TRACES_FILE`, e.g.
`data/traces/{service}.jsonl`: the embedded set-up; in production the same trace id is looked up in the OTLP
back end). The command's server span names its request id (`zdz.request_id`); Temporal links a workflow's update
handler to the caller's update span, so the process's spans that those links lead to are shown under it."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any


@dataclass
class SpanNode:
    name: str
    span_id: str
    trace_id: str
    service: str
    start: str
    duration_ms: float
    status: str
    children: list[SpanNode] = field(default_factory=list)


def read_spans(files: Iterable[Path]) -> list[dict[str, Any]]:
    spans = []
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("{"):
                span = json.loads(line)
                span["_service"] = path.stem
                spans.append(span)
    return spans


def _node(span: dict[str, Any]) -> SpanNode:
    start, end = (datetime.fromisoformat(span[k].replace("Z", "+00:00")) for k in ("start_time", "end_time"))
    return SpanNode(
        name=span["name"],
        span_id=span["context"]["span_id"],
        trace_id=span["context"]["trace_id"],
        service=span["_service"],
        start=span["start_time"],
        duration_ms=(end - start).total_seconds() * 1000,
        status=span.get("status", {}).get("status_code", "UNSET"),
    )


def command_tree(spans: list[dict[str, Any]], request_id: str) -> SpanNode | None:
    """The tree under the server span of the command with `request_id`, None when no span names it."""
    roots = [s for s in spans if s.get("attributes", {}).get("zdz.request_id") == request_id]
    if not roots:
        return None
    root = min(roots, key=lambda s: s["start_time"])
    nodes = {s["context"]["span_id"]: _node(s) for s in spans}
    for span in spans:
        parent = nodes.get(span.get("parent_id") or "")
        if parent is not None:
            parent.children.append(nodes[span["context"]["span_id"]])
    # A span linked to one in the tree (Temporal's update handler) hangs under the span it links to. Temporal
    # parents a workflow's activities to the workflow itself, so the handler gets the activities the workflow
    # started from it until the next update's handler began.
    handlers = sorted(
        (s for s in spans if s["name"].startswith("HandleUpdate:")), key=lambda s: s["start_time"]
    )
    for span in spans:
        for link in span.get("links") or ():
            linked = nodes.get(link["context"]["span_id"])
            handler = nodes[span["context"]["span_id"]]
            if linked is None or linked is handler:
                continue
            linked.children.append(handler)
            if not span["name"].startswith("HandleUpdate:"):
                continue
            later = [
                h["start_time"]
                for h in handlers
                if h["context"]["trace_id"] == span["context"]["trace_id"]
                and h["start_time"] > span["start_time"]
            ]
            until = later[0] if later else "9999"
            handler.children.extend(
                nodes[s["context"]["span_id"]]
                for s in spans
                if s["name"].startswith("StartActivity:")
                and s.get("parent_id") == span.get("parent_id")
                and span["start_time"] <= s["start_time"] < until
            )
    for node in nodes.values():
        node.children.sort(key=lambda n: n.start)
    return nodes[root["context"]["span_id"]]


def as_document(node: SpanNode, seen: frozenset[str] = frozenset()) -> dict[str, Any]:
    seen = seen | {node.span_id}
    return {
        "name": node.name,
        "service": node.service,
        "trace_id": node.trace_id,
        "span_id": node.span_id,
        "start": node.start,
        "duration_ms": round(node.duration_ms, 3),
        "status": node.status,
        "children": [as_document(c, seen) for c in node.children if c.span_id not in seen],
    }
