"""Proto enums ↔ domain names, the same way in every service.

Our protos prefix each enum's values with the enum's name (`UNIT_KIND_TOWN`, `STAGE_FILED`), value 0 being
`…_UNSPECIFIED`; the domain uses the bare names (`TOWN`, `FILED`). `enum_from_pb` refuses a number the
enum does not list, so an unknown value from a newer client is an INVALID_ARGUMENT naming the field, never a
silent default.
"""

from __future__ import annotations

import enum
from typing import TypeVar

from google.protobuf.descriptor import EnumDescriptor
from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper

from zdz_common.errors import InvalidArgument

E = TypeVar("E", bound=enum.Enum)

EnumLike = EnumTypeWrapper | EnumDescriptor


def _descriptor(wrapper: EnumLike) -> EnumDescriptor:
    return wrapper if isinstance(wrapper, EnumDescriptor) else wrapper.DESCRIPTOR


def enum_prefix(wrapper: EnumLike) -> str:
    """`UNIT_KIND_` for `UnitKind`: the name of value 0 less its `UNSPECIFIED`."""
    return _descriptor(wrapper).values_by_number[0].name.removesuffix("UNSPECIFIED")


def enum_to_pb(wrapper: EnumLike, name: str | enum.Enum | None) -> int:
    """The wire number of a domain name (or a StrEnum member); 0 for "" or None."""
    if isinstance(name, enum.Enum):
        name = name.value
    if not name:
        return 0
    descriptor = _descriptor(wrapper)
    return descriptor.values_by_name[enum_prefix(descriptor) + name].number


def enum_name(wrapper: EnumLike, number: int, field: str) -> str:
    """The domain name of a wire number; "" for UNSPECIFIED; INVALID_ARGUMENT for a number not in the list."""
    if number == 0:
        return ""
    descriptor = _descriptor(wrapper)
    value = descriptor.values_by_number.get(number)
    if value is None:
        raise InvalidArgument(f"未知取值 {number} (not in the list)", field=field)
    return value.name.removeprefix(enum_prefix(descriptor))


def enum_from_pb(wrapper: EnumLike, number: int, domain: type[E], field: str) -> E:
    """The domain member of a required wire enum; INVALID_ARGUMENT for UNSPECIFIED or an unknown number."""
    name = enum_name(wrapper, number, field)
    if not name:
        descriptor = _descriptor(wrapper)
        allowed = "、".join(v.name for v in descriptor.values[1:])
        raise InvalidArgument(f"须为 {allowed} 之一 (required), 收到 {number}", field=field)
    return domain(name)


def optional_enum_from_pb(wrapper: EnumLike, number: int, domain: type[E], field: str) -> E | None:
    """The domain member of an optional wire enum (a filter): None for UNSPECIFIED."""
    name = enum_name(wrapper, number, field)
    return domain(name) if name else None
