"""The ledger's events on the wire: CloudEvents types (= NATS subjects) and protobuf messages."""

from __future__ import annotations

from collections.abc import Sequence

from google.protobuf.message import Message

from zdz.events.v1 import refs_pb2
from zdz.registry.v1 import ledger_events_pb2 as pb
from zdz_registry.domain import ledger_events as ev

LEDGER_WIRE: dict[type, tuple[str, type[Message]]] = {
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


def domain_value(value: object) -> object:
    """A field read from a protobuf message as the domain event holds it."""
    if isinstance(value, refs_pb2.UnitRef):
        return ev.UnitRef(id=value.id, district_code=value.district_code, kind=value.kind, name=value.name)
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return tuple(value)
    return value
