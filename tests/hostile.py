"""What an attacker sends, as hypothesis strategies and as a seeded builder over any request message (issue 16).

The classes: oversized text, control characters, Unicode non-characters, surrogate-like and bidi text, huge
integers, NaN/inf/1e308, unknown enum numbers, other scripts' digits, hostile ids and hostile URLs. One pool of
each, used by both `message_strategy` (hypothesis, for the sweep across every RPC) and `random_request` (a seeded
builder, for the volume test: hypothesis is too slow to make 10 MB of requests)."""

from __future__ import annotations

import random
from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from hypothesis import strategies as st

CONTROL = [chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, 0x85, 0x9F)]
NONCHARACTERS = ["\ufffe", "\uffff", "\ufdd0", "\ufdef", "\U0001fffe", "\U0010ffff"]
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
FOREIGN_DIGITS = [
    "٥٠",
    "٧.٧٥",
    "۹۹",
    "५०",
    "๕๐",
    "５０",
    "١٠٠",
]  # Arabic-Indic, Persian, Devanagari, Thai, full-width
HOSTILE_IDS = [
    "a/b",
    "../../etc/passwd",
    "own-unit ",
    "own unit",
    "own'unit",
    'own"unit',
    "own-unit\x00",
    "own-unit\n",
    "x" * 5000,
    "own-unit\u202e",
    "٥٠٠١٠١٠٠١",
    "'; DROP TABLE x;--",
]
HOSTILE_URLS = [
    "http://127.0.0.1:1/hook",
    "http://localhost/hook",
    "http://2130706433/hook",  # 127.0.0.1, decimal-encoded
    "http://0x7f.0.0.1/hook",
    "http://[::1]/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1/hook",
    "file:///etc/passwd",
    "gopher://127.0.0.1:25/",
    "javascript:alert(1)",
    "http://example.com\x00.evil/",
    "https://" + "a" * 5000 + ".example/",
]
HOSTILE_NUMBER_TEXT = ["1e308", "-1e308", "NaN", "Infinity", "-0", "9" * 400, "0x10", "1_000", " 7.5 "]
KNOWN = ["own-unit", "other-unit", "wanzhou", "fuling", "2024"]  # real ids, so some requests go deep
HOSTILE_PIECES = (
    CONTROL + NONCHARACTERS + BIDI + FOREIGN_DIGITS + HOSTILE_IDS + HOSTILE_URLS + HOSTILE_NUMBER_TEXT
)
HUGE_INTEGERS = [2**31 - 1, -(2**31), 2**53 + 1, 2**63 - 1, -(2**63), 2**64 - 1]
HOSTILE_FLOATS = [float("nan"), float("inf"), float("-inf"), 1e308, -1e308, 5e-324, -0.0]
UNKNOWN_ENUMS = [-1, 99, 1000, 2**31 - 1, -(2**31)]


def _bounded_for(field: FieldDescriptor) -> tuple[int, int]:
    if field.type in (FieldDescriptor.TYPE_UINT32, FieldDescriptor.TYPE_FIXED32):
        return 0, 2**32 - 1
    if field.type in (FieldDescriptor.TYPE_UINT64, FieldDescriptor.TYPE_FIXED64):
        return 0, 2**64 - 1
    if field.type in (FieldDescriptor.TYPE_INT64, FieldDescriptor.TYPE_SINT64, FieldDescriptor.TYPE_SFIXED64):
        return -(2**63), 2**63 - 1
    return -(2**31), 2**31 - 1


# --- hypothesis strategies -----------------------------------------------------------------------------------

OVERSIZED_TEXT = st.integers(600, 100_000).map(lambda n: "界" * n)  # past every bound (the longest is 5,000)
HOSTILE_TEXT = st.one_of(
    st.text(max_size=40),
    st.binary(max_size=40).map(lambda b: b.decode("utf-8", "replace")),
    st.sampled_from(HOSTILE_PIECES + KNOWN),
    st.tuples(st.sampled_from([*KNOWN, "正常文本"]), st.sampled_from(HOSTILE_PIECES)).map("".join),
    OVERSIZED_TEXT,
)


def integers_for(field: FieldDescriptor) -> st.SearchStrategy[int]:
    low, high = _bounded_for(field)
    return st.one_of(
        st.integers(low, high), st.sampled_from([v for v in HUGE_INTEGERS if low <= v <= high] + [0])
    )


def enums_for(field: FieldDescriptor) -> st.SearchStrategy[int]:
    listed = [value.number for value in field.enum_type.values]
    return st.sampled_from(listed + UNKNOWN_ENUMS)


FLOATS = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(HOSTILE_FLOATS))


def message_strategy(descriptor: Any, depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    """Values for any subset of a message's fields: hostile text in every string, huge and boundary integers,
    NaN/inf/1e308 in floats, listed and unknown numbers in enums, lists of up to 3 (sometimes 1,500) items."""
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for field in descriptor.fields:
        if field.type == FieldDescriptor.TYPE_STRING:
            value: st.SearchStrategy[Any] = HOSTILE_TEXT
        elif field.type == FieldDescriptor.TYPE_ENUM:
            value = enums_for(field)
        elif field.type in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
            value = FLOATS
        elif field.type == FieldDescriptor.TYPE_BOOL:
            value = st.booleans()
        elif field.type == FieldDescriptor.TYPE_BYTES:
            value = st.binary(max_size=64)
        elif field.type == FieldDescriptor.TYPE_MESSAGE:
            if depth >= 2 or field.message_type.GetOptions().map_entry:
                continue
            value = message_strategy(field.message_type, depth + 1)
        else:
            value = integers_for(field)
        if field.is_repeated:  # a few items, or (scalars) a short one repeated past every bound
            few = st.lists(value, max_size=3)
            if field.type == FieldDescriptor.TYPE_MESSAGE:
                value = few
            else:
                item = st.sampled_from(KNOWN) if field.type == FieldDescriptor.TYPE_STRING else value
                many = st.tuples(item, st.integers(1001, 1500)).map(lambda pair: [pair[0]] * pair[1])
                value = st.one_of(few, many)
        fields[field.name] = st.none() | value
    return st.fixed_dictionaries({}, optional=fields)


def build(message_class: type[Message], values: dict[str, Any]) -> Message:
    """A message from `message_strategy`'s values; a value the field cannot hold is left unset."""
    message = message_class()
    _fill(message, values)
    return message


def _fill(message: Message, values: dict[str, Any]) -> None:
    for name, value in values.items():
        if value is None:
            continue
        field = message.DESCRIPTOR.fields_by_name[name]
        try:
            if field.type == FieldDescriptor.TYPE_MESSAGE:
                if field.is_repeated:
                    for item in value:
                        _fill(getattr(message, name).add(), item)
                else:
                    _fill(getattr(message, name), value)
            elif field.is_repeated:
                getattr(message, name).extend(value)
            else:
                setattr(message, name, value)
        except (ValueError, TypeError):
            continue  # e.g. a float a 32-bit field cannot hold, a well-known type's range


# --- a seeded builder, for volume ----------------------------------------------------------------------------


def random_text(rng: random.Random, *, big: bool) -> str:
    if big:
        return rng.choice(KNOWN) + rng.choice(HOSTILE_PIECES) + "界" * rng.randint(100_000, 300_000)
    return rng.choice(
        [
            rng.choice(HOSTILE_PIECES),
            rng.choice(KNOWN),
            rng.choice(KNOWN) + rng.choice(HOSTILE_PIECES),
            "界" * rng.randint(501, 5000),
        ]
    )


def random_request(message_class: type[Message], rng: random.Random, *, big: bool = False) -> Message:
    """A request with hostile values in most of its fields; `big` puts one text of ~0.3–0.9 MB in it."""
    message = message_class()
    _random_fill(message, rng, depth=0)
    if big:
        strings = [
            f
            for f in message.DESCRIPTOR.fields
            if f.type == FieldDescriptor.TYPE_STRING and not f.is_repeated
        ]
        if strings:
            setattr(message, rng.choice(strings).name, random_text(rng, big=True))
    return message


def _random_fill(message: Message, rng: random.Random, depth: int) -> None:
    for field in message.DESCRIPTOR.fields:
        if rng.random() < 0.25:
            continue
        count = rng.choice([1, 2, 3, 1200]) if field.is_repeated else 1
        try:
            if field.type == FieldDescriptor.TYPE_MESSAGE:
                if depth >= 2 or field.message_type.GetOptions().map_entry:
                    continue
                if field.is_repeated:
                    for _ in range(min(count, 3)):
                        _random_fill(getattr(message, field.name).add(), rng, depth + 1)
                else:
                    _random_fill(getattr(message, field.name), rng, depth + 1)
                continue
            if count > 3:  # past every bound, each item short: the list is what is hostile
                values = [rng.choice(KNOWN) if field.type == FieldDescriptor.TYPE_STRING else 1] * count
            else:
                values = [_random_scalar(field, rng) for _ in range(count)]
            if field.is_repeated:
                getattr(message, field.name).extend(values)
            else:
                setattr(message, field.name, values[0])
        except (ValueError, TypeError):
            continue


def _random_scalar(field: FieldDescriptor, rng: random.Random) -> Any:
    if field.type == FieldDescriptor.TYPE_STRING:
        return random_text(rng, big=False)
    if field.type == FieldDescriptor.TYPE_ENUM:
        return rng.choice([v.number for v in field.enum_type.values] + UNKNOWN_ENUMS)
    if field.type in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        return rng.choice([*HOSTILE_FLOATS, rng.uniform(-1000000.0, 1000000.0)])
    if field.type == FieldDescriptor.TYPE_BOOL:
        return rng.random() < 0.5
    if field.type == FieldDescriptor.TYPE_BYTES:
        return rng.randbytes(rng.randint(0, 64))
    low, high = _bounded_for(field)
    return rng.choice([v for v in HUGE_INTEGERS if low <= v <= high] + [0, rng.randint(low, high)])
