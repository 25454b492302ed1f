"""The directory's domain events to and from their protobuf wire form, with their CloudEvents types (= NATS
subjects): the codec the unit of work stores them with."""

from __future__ import annotations

import dataclasses
from typing import Any

from google.protobuf.message import Message
from google.protobuf.unknown_fields import UnknownFieldSet

from zdz.events.v1 import refs_pb2
from zdz.registry.v1 import events_pb2
from zdz_common.eventstore import NewEvent, RecordedEvent
from zdz_common.pb_enums import enum_from_pb, enum_to_pb
from zdz_common.vocabulary import UnitKind
from zdz_registry.directory.domain.events import (
    DemonstrationVillageCompleted,
    DemonstrationVillageDesignated,
    DemonstrationVillageWithdrawn,
    DistrictRegistered,
    DistrictUpdated,
    Event,
    UnitMoved,
    UnitProfileUpdated,
    UnitRegistered,
    UnitUpdated,
)

WIRE: dict[type, tuple[str, type[Message]]] = {
    DistrictRegistered: ("zdz.registry.district.registered", events_pb2.DistrictRegistered),
    DistrictUpdated: ("zdz.registry.district.updated", events_pb2.DistrictUpdated),
    UnitRegistered: ("zdz.registry.unit.registered", events_pb2.UnitRegistered),
    UnitUpdated: ("zdz.registry.unit.updated", events_pb2.UnitUpdated),
    UnitMoved: ("zdz.registry.unit.moved", events_pb2.UnitMoved),
    UnitProfileUpdated: ("zdz.registry.unit.profile_updated", events_pb2.UnitProfileUpdated),
    DemonstrationVillageDesignated: (
        "zdz.registry.village.designated",
        events_pb2.DemonstrationVillageDesignated,
    ),
    DemonstrationVillageWithdrawn: (
        "zdz.registry.village.withdrawn",
        events_pb2.DemonstrationVillageWithdrawn,
    ),
    DemonstrationVillageCompleted: (
        "zdz.registry.village.completed",
        events_pb2.DemonstrationVillageCompleted,
    ),
}
_VILLAGE_EVENTS = (
    DemonstrationVillageDesignated,
    DemonstrationVillageWithdrawn,
    DemonstrationVillageCompleted,
)
_DOMAIN_OF_TYPE: dict[str, type] = {event_type: cls for cls, (event_type, _) in WIRE.items()}

LEGACY_KIND_FIELD = (
    3  # UnitRegistered and UnitRef carried the kind as text in field 3 before the UnitKind enum
)


def unit_kind_of(message: Message, field: str) -> UnitKind:
    """The kind a stored `UnitRegistered` or `UnitRef` names; one recorded before the enum (the kind as text in
    the now reserved field 3) is read as it was written, so old streams stay readable (an upcaster)."""
    number = message.kind
    if number == 0:
        for unknown in UnknownFieldSet(message):
            if unknown.field_number == LEGACY_KIND_FIELD:
                return UnitKind(unknown.data.decode())
    return enum_from_pb(refs_pb2.UnitKind, number, UnitKind, field)


class DirectoryCodec:
    """`zdz_common.unit_of_work.EventCodec` for the directory's events."""

    def encode(self, event: Event) -> NewEvent:
        event_type, message_class = WIRE[type(event)]
        values: dict[str, Any] = dataclasses.asdict(event)
        if isinstance(event, _VILLAGE_EVENTS):
            values["unit"] = refs_pb2.UnitRef(
                id=values.pop("unit_id"),
                district_code=values.pop("district_code"),
                name=values.pop("name"),
                kind=enum_to_pb(refs_pb2.UnitKind, UnitKind.VILLAGE),
            )
        if isinstance(event, UnitRegistered):
            values["kind"] = enum_to_pb(refs_pb2.UnitKind, event.kind)
        return NewEvent(type=event_type, data=message_class(**values))

    def decode(self, recorded: RecordedEvent) -> Event:
        cls = _DOMAIN_OF_TYPE[recorded.type]
        message = recorded.payload(WIRE[cls][1])
        if cls in _VILLAGE_EVENTS:
            ref = message.unit  # type: ignore[attr-defined]
            values: dict[str, Any] = {"unit_id": ref.id, "district_code": ref.district_code, "name": ref.name}
            values |= {
                f.name: getattr(message, f.name) for f in dataclasses.fields(cls) if f.name not in values
            }
        else:
            values = {f.name: getattr(message, f.name) for f in dataclasses.fields(cls)}
        if "evidence" in values:
            values["evidence"] = tuple(values["evidence"])
        if cls is UnitRegistered:
            values["kind"] = unit_kind_of(message, "unit.kind")
        return cls(**values)  # type: ignore[no-any-return]


CODEC = DirectoryCodec()
