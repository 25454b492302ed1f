"""The notify service's own events to their protobuf wire form, with their CloudEvents types."""

from __future__ import annotations

import dataclasses

from google.protobuf.message import Message

from zdz.notify.v1 import events_pb2
from zdz_common.eventstore import NewEvent, RecordedEvent
from zdz_notify.domain.events import (
    DeadLettersReplayed,
    EmailAddressRegistered,
    EmailAddressRemoved,
    Event,
    IntegrationRegistered,
    WebhookRegistered,
    WebhookRemoved,
)

_WIRE: dict[type, tuple[str, type[Message]]] = {
    IntegrationRegistered: ("zdz.notify.integration.registered", events_pb2.IntegrationRegistered),
    WebhookRegistered: ("zdz.notify.webhook.registered", events_pb2.WebhookRegistered),
    WebhookRemoved: ("zdz.notify.webhook.removed", events_pb2.WebhookRemoved),
    EmailAddressRegistered: ("zdz.notify.email_address.registered", events_pb2.EmailAddressRegistered),
    EmailAddressRemoved: ("zdz.notify.email_address.removed", events_pb2.EmailAddressRemoved),
    DeadLettersReplayed: ("zdz.notify.dead_letters.replayed", events_pb2.DeadLettersReplayed),
}


def to_new_event(event: Event) -> NewEvent:
    event_type, message_class = _WIRE[type(event)]
    return NewEvent(type=event_type, data=message_class(**dataclasses.asdict(event)))


class AuditCodec:
    """The notify store's codec for the shared unit of work: audit events are written, never loaded back."""

    encode = staticmethod(to_new_event)

    @staticmethod
    def decode(recorded: RecordedEvent) -> Event:
        raise NotImplementedError("notify's audit streams are not loaded back into aggregates")
