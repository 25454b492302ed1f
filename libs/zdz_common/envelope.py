"""The CloudEvents envelope around a stored event, and the NATS headers that go with it."""

from __future__ import annotations

from google.protobuf.any_pb2 import Any as AnyMessage
from google.protobuf.timestamp_pb2 import Timestamp

from zdz.events.v1 import envelope_pb2
from zdz_common.eventstore.store import RecordedEvent

DATA_CONTENT_TYPE = "application/protobuf"
SPEC_VERSION = "1.0"


def to_envelope(event: RecordedEvent) -> envelope_pb2.Envelope:
    """The event in the shared envelope, its payload packed as `google.protobuf.Any`."""
    time = Timestamp()
    time.FromDatetime(event.recorded_at)
    return envelope_pb2.Envelope(
        id=event.event_id,
        source=event.source,
        type=event.type,
        subject=event.subject,
        time=time,
        datacontenttype=DATA_CONTENT_TYPE,
        specversion=SPEC_VERSION,
        traceparent=event.traceparent,
        actor=envelope_pb2.Actor(
            organisation=event.actor.organisation, role=event.actor.role, person=event.actor.person
        ),
        request_id=event.request_id,
        stream_id=event.stream_id,
        stream_version=event.version,
        position=event.position,
        hash=event.hash,
        prev_hash=event.prev_hash,
        data=AnyMessage(type_url=f"type.googleapis.com/{event.data_type}", value=event.data),
    )


def nats_headers(envelope: envelope_pb2.Envelope) -> dict[str, str]:
    """Headers for JetStream: `Nats-Msg-Id` for de-duplication, CloudEvents binary-mode attributes for routing."""
    headers = {
        "Nats-Msg-Id": envelope.id,
        "ce-specversion": envelope.specversion,
        "ce-id": envelope.id,
        "ce-source": envelope.source,
        "ce-type": envelope.type,
        "ce-subject": envelope.subject,
        "ce-time": envelope.time.ToJsonString(),
        "content-type": "application/protobuf; messageType=zdz.events.v1.Envelope",
    }
    if envelope.traceparent:
        headers["traceparent"] = envelope.traceparent
    return headers
