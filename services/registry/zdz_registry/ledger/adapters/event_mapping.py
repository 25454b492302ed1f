"""The ledger's domain events to and from their protobuf wire form, with their CloudEvents types (= NATS
subjects): the codec the unit of work stores them with."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from google.protobuf.message import Message

from zdz.events.v1 import refs_pb2
from zdz.registry.v1 import ledger_events_pb2 as pb
from zdz_common.eventstore import NewEvent, RecordedEvent
from zdz_common.pb_enums import enum_to_pb
from zdz_registry.directory.adapters.event_mapping import unit_kind_of
from zdz_registry.ledger.domain import events as ev

WIRE: dict[type, tuple[str, type[Message]]] = {
    ev.SourceHouseholdRecorded: ("zdz.registry.household.recorded", pb.SourceHouseholdRecorded),
    ev.PipeSegmentRecorded: ("zdz.registry.pipe.recorded", pb.PipeSegmentRecorded),
    ev.InspectionPointRecorded: ("zdz.registry.point.recorded", pb.InspectionPointRecorded),
    ev.FacilityRecorded: ("zdz.registry.facility.recorded", pb.FacilityRecorded),
    ev.OutfallRecorded: ("zdz.registry.outfall.recorded", pb.OutfallRecorded),
    ev.InformationDefectRecorded: (
        "zdz.registry.ledger.information_defect_recorded",
        pb.InformationDefectRecorded,
    ),
    ev.ProblemRecorded: ("zdz.registry.problem.recorded", pb.ProblemRecorded),
    ev.TaskOpened: ("zdz.registry.task.opened", pb.TaskOpened),
    ev.TaskAssigned: ("zdz.registry.task.assigned", pb.TaskAssigned),
    ev.TaskRectified: ("zdz.registry.task.rectified", pb.TaskRectified),
    ev.TaskVerified: ("zdz.registry.task.verified", pb.TaskVerified),
    ev.AcceptanceStateSet: ("zdz.registry.acceptance.state_set", pb.AcceptanceStateSet),
}


_DOMAIN_OF_TYPE: dict[str, type] = {event_type: cls for cls, (event_type, _) in WIRE.items()}


def unit_ref_to_pb(unit: ev.UnitRef) -> refs_pb2.UnitRef:
    return refs_pb2.UnitRef(
        id=unit.id,
        district_code=unit.district_code,
        kind=enum_to_pb(refs_pb2.UnitKind, unit.kind),
        name=unit.name,
    )


def _domain_value(value: object) -> object:
    """A field read from a protobuf message as the domain event holds it."""
    if isinstance(value, refs_pb2.UnitRef):
        kind = unit_kind_of(value, "unit.kind")
        return ev.UnitRef(id=value.id, district_code=value.district_code, kind=kind, name=value.name)
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return tuple(value)
    return value


class LedgerCodec:
    """`zdz_common.unit_of_work.EventCodec` for the ledger's events."""

    def encode(self, event: ev.LedgerEvent) -> NewEvent:
        event_type, message_class = WIRE[type(event)]
        values: dict[str, Any] = {f.name: getattr(event, f.name) for f in dataclasses.fields(event)}
        values["unit"] = unit_ref_to_pb(event.unit)
        return NewEvent(type=event_type, data=message_class(**values))

    def decode(self, recorded: RecordedEvent) -> ev.LedgerEvent:
        cls = _DOMAIN_OF_TYPE[recorded.type]
        message = recorded.payload(WIRE[cls][1])
        values = {f.name: _domain_value(getattr(message, f.name)) for f in dataclasses.fields(cls)}
        return cls(**values)  # type: ignore[no-any-return]


CODEC = LedgerCodec()
