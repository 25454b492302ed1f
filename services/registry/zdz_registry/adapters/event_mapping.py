"""Domain events to and from their protobuf wire form, with their CloudEvents types (= NATS subjects)."""

from __future__ import annotations

import dataclasses
from typing import Any

from google.protobuf.message import Message

from zdz.registry.v1 import events_pb2
from zdz_common.eventstore import NewEvent, RecordedEvent
from zdz_registry.adapters.ledger_event_mapping import LEDGER_WIRE, domain_value
from zdz_registry.domain.events import DistrictRegistered, DistrictUpdated, Event, UnitRegistered, UnitUpdated

_WIRE: dict[type, tuple[str, type[Message]]] = {
    DistrictRegistered: ("zdz.registry.district.registered", events_pb2.DistrictRegistered),
    DistrictUpdated: ("zdz.registry.district.updated", events_pb2.DistrictUpdated),
    UnitRegistered: ("zdz.registry.unit.registered", events_pb2.UnitRegistered),
    UnitUpdated: ("zdz.registry.unit.updated", events_pb2.UnitUpdated),
    **LEDGER_WIRE,
}
_DOMAIN_OF_TYPE: dict[str, type] = {event_type: cls for cls, (event_type, _) in _WIRE.items()}


def to_new_event(event: Event) -> NewEvent:
    event_type, message_class = _WIRE[type(event)]
    return NewEvent(type=event_type, data=message_class(**dataclasses.asdict(event)))


def to_domain(recorded: RecordedEvent) -> Event:
    cls = _DOMAIN_OF_TYPE[recorded.type]
    message = recorded.payload(_WIRE[cls][1])
    values: dict[str, Any] = {f.name: domain_value(getattr(message, f.name)) for f in dataclasses.fields(cls)}
    return cls(**values)  # type: ignore[no-any-return]
