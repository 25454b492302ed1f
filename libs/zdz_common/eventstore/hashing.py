"""The hash chain: hash = SHA-256(prev_hash, event), over a canonical encoding of every stored field."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any


def event_hash(
    *,
    prev_hash: str,
    event_id: str,
    stream_id: str,
    version: int,
    type: str,
    source: str,
    subject: str,
    recorded_at: str,
    data_type: str,
    data: bytes,
    actor: tuple[str, str, str],
    request_id: str,
    traceparent: str,
) -> str:
    """The hex SHA-256 of the event chained to its predecessor's hash."""
    fields: list[Any] = [
        prev_hash,
        event_id,
        stream_id,
        version,
        type,
        source,
        subject,
        recorded_at,
        data_type,
        base64.b64encode(data).decode("ascii"),
        list(actor),
        request_id,
        traceparent,
    ]
    canonical = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
