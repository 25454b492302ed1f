"""Event payloads, decoded generically: the Any's type URL names a message in the protobuf descriptor pool,
filled by importing every generated `zdz.*_pb2` module. Nothing here knows an event type by name."""

from __future__ import annotations

import functools
import importlib
import json
import pkgutil
from collections.abc import Callable
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from google.protobuf import any_pb2, descriptor_pool, json_format, message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from zdz.events.v1.envelope_pb2 import Envelope
from zdz_common.errors import InvalidArgument
from zdz_common.pb_enums import enum_name
from zdz_notify.domain.messages import Moment, Term
from zdz_notify.domain.routing import PayloadShape, UnitRef

TIMESTAMP = "google.protobuf.Timestamp"
UNIT_REF = "zdz.events.v1.UnitRef"


class UnknownPayload(ValueError):
    """The event's payload type is not in the descriptor pool: the contracts were not regenerated."""


def import_event_contracts() -> None:
    """Import every generated message module under `zdz`, so decoding finds any event payload."""
    import zdz

    for module in pkgutil.walk_packages(zdz.__path__, "zdz."):
        if module.name.endswith("_pb2"):
            importlib.import_module(module.name)


def message_class(full_name: str) -> type[Message] | None:
    try:
        descriptor = descriptor_pool.Default().FindMessageTypeByName(full_name)
    except KeyError:
        return None
    return message_factory.GetMessageClass(descriptor)


def decode(data: any_pb2.Any) -> Message:
    """The payload of an envelope as its own message type."""
    name = data.TypeName()
    cls = message_class(name)
    if cls is None:
        raise UnknownPayload(f"unknown payload type {name!r}: regenerate the contracts (make proto)")
    message = cls()
    message.ParseFromString(data.value)
    return message


def _moment(timestamp: Any) -> datetime | None:
    if not timestamp.seconds and not timestamp.nanos:
        return None
    return timestamp.ToDatetime(tzinfo=UTC)  # type: ignore[no-any-return]


def _enum_name(field: FieldDescriptor, number: int) -> str:
    """The domain name of an enum value ("TOWN" for UNIT_KIND_TOWN, "" for UNSPECIFIED); a number this build
    does not list (a newer producer) as its digits, so the event is still told rather than dead-lettered."""
    try:
        return enum_name(field.enum_type, number, field.name)
    except InvalidArgument:
        return str(number)


def _is_map(field: FieldDescriptor) -> bool:
    return field.type == FieldDescriptor.TYPE_MESSAGE and field.message_type.GetOptions().map_entry


Convert = Callable[[Any, dict[str, str]], Any]
"""A field's value as a template field, given the vocabulary."""


def _converter(field: FieldDescriptor) -> Convert:
    """What turns one value of the field into its template field (by the field's type, chosen once)."""
    match field.type:
        case FieldDescriptor.TYPE_MESSAGE if field.message_type.full_name == TIMESTAMP:
            return lambda value, _vocabulary: Moment(_moment(value))
        case FieldDescriptor.TYPE_MESSAGE:
            return lambda value, vocabulary: SimpleNamespace(**template_fields(value, vocabulary))
        case FieldDescriptor.TYPE_ENUM:
            return lambda value, vocabulary: _term(_enum_name(field, value), vocabulary)
        case FieldDescriptor.TYPE_DOUBLE | FieldDescriptor.TYPE_FLOAT:
            return lambda value, _vocabulary: f"{value:.2f}"  # scores to two decimals (DESIGN ruling)
        case FieldDescriptor.TYPE_BOOL:
            return lambda value, _vocabulary: Term("true" if value else "false", "是" if value else "否")
        case FieldDescriptor.TYPE_STRING:
            return _term
        case FieldDescriptor.TYPE_BYTES:
            return lambda value, _vocabulary: value.hex()
        case _:
            return lambda value, _vocabulary: value


def _term(code: str, vocabulary: dict[str, str]) -> Term:
    return Term(code, vocabulary.get(code))


@functools.cache
def _plan(descriptor: Descriptor) -> tuple[tuple[str, Convert], ...]:
    """Each field of a message type with what turns its value into a template field, worked out once per type
    (not once per event): maps as dicts, repeated fields as lists."""
    plan = []
    for field in descriptor.fields:
        # a map is repeated entries on the wire, but its container yields keys, not entries
        if _is_map(field):
            value = _converter(field.message_type.fields_by_name["value"])
            plan.append((field.name, _each_entry(value)))
        elif field.is_repeated:
            plan.append((field.name, _each_item(_converter(field))))
        else:
            plan.append((field.name, _converter(field)))
    return tuple(plan)


def _each_entry(convert: Convert) -> Convert:
    return lambda value, vocabulary: {k: convert(v, vocabulary) for k, v in value.items()}


def _each_item(convert: Convert) -> Convert:
    return lambda value, vocabulary: [convert(item, vocabulary) for item in value]


def template_fields(message: Message, vocabulary: dict[str, str]) -> dict[str, Any]:
    """The payload as template fields: nested messages as attributes, timestamps as Moments, codes as Terms
    (enums by their domain name), maps as dicts."""
    return {name: convert(getattr(message, name), vocabulary) for name, convert in _plan(message.DESCRIPTOR)}


def _scalar(field: FieldDescriptor) -> bool:
    return not field.is_repeated and field.type != FieldDescriptor.TYPE_MESSAGE


def scalar_values(message: Message) -> dict[str, str]:
    """Top-level scalar fields as text, for a route's `when`: enums by domain name, booleans as true/false."""
    values: dict[str, str] = {}
    for field in message.DESCRIPTOR.fields:
        if not _scalar(field):
            continue
        value = getattr(message, field.name)
        if field.type == FieldDescriptor.TYPE_ENUM:
            values[field.name] = _enum_name(field, value)
        elif field.type == FieldDescriptor.TYPE_BOOL:
            values[field.name] = "true" if value else "false"
        else:
            values[field.name] = str(value)
    return values


def _unit_ref(ref: Any) -> UnitRef:
    kind = _enum_name(
        ref.DESCRIPTOR.fields_by_name["kind"], ref.kind
    )  # "TOWN", "PARK_GROUP", as routing reads
    return UnitRef(id=ref.id, district_code=ref.district_code, kind=kind, name=ref.name)


def _is_unit_list(field: FieldDescriptor) -> bool:
    return (
        field.is_repeated
        and field.type == FieldDescriptor.TYPE_MESSAGE
        and field.message_type.full_name == UNIT_REF
    )


def units_at(message: Message, name: str) -> list[UnitRef]:
    """The units of a `repeated zdz.events.v1.UnitRef` field (a route's `each`)."""
    return [_unit_ref(ref) for ref in getattr(message, name)]


def listed_units(message: Message) -> list[UnitRef]:
    """Every unit of the message's `repeated zdz.events.v1.UnitRef` fields."""
    return [u for f in message.DESCRIPTOR.fields if _is_unit_list(f) for u in units_at(message, f.name)]


def unit_of(message: Message) -> UnitRef | None:
    """The unit the event is about, from its `unit` field; None when it has none."""
    field = message.DESCRIPTOR.fields_by_name.get("unit")
    if field is None or field.message_type is None or field.message_type.full_name != UNIT_REF:
        return None
    return _unit_ref(getattr(message, "unit"))  # noqa: B009 - the field is found by name, not known statically


def timestamp_field(message: Message, name: str) -> datetime | None:
    return _moment(getattr(message, name))


def shape_of(full_name: str, vocabulary: dict[str, str]) -> PayloadShape | None:
    """What the routing table checks a rule against; None when no such message exists."""
    cls = message_class(full_name)
    if cls is None:
        return None
    descriptor: Descriptor = cls.DESCRIPTOR
    unit = descriptor.fields_by_name.get("unit")
    return PayloadShape(
        name=full_name,
        has_unit=unit is not None
        and unit.message_type is not None
        and unit.message_type.full_name == UNIT_REF,
        scalar_fields=frozenset(f.name for f in descriptor.fields if _scalar(f)),
        timestamp_fields=frozenset(
            f.name
            for f in descriptor.fields
            if not f.is_repeated and f.message_type is not None and f.message_type.full_name == TIMESTAMP
        ),
        sample=template_fields(cls(), vocabulary),
        unit_lists=frozenset(f.name for f in descriptor.fields if _is_unit_list(f)),
    )


def cloudevent_document(envelope: Envelope, payload: Message, *, recipient: str, title: str) -> str:
    """The event in CloudEvents 1.0 structured JSON, the body of a webhook delivery."""
    document: dict[str, Any] = {
        "specversion": "1.0",
        "id": envelope.id,
        "source": envelope.source,
        "type": envelope.type,
        "subject": envelope.subject,
        "time": envelope.time.ToJsonString(),
        "datacontenttype": "application/json",
        "zdzdatatype": payload.DESCRIPTOR.full_name,
        "zdzrecipient": recipient,
        "zdztitle": title,
    }
    if envelope.traceparent:
        document["traceparent"] = envelope.traceparent
    document["data"] = json_format.MessageToDict(
        payload, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))
