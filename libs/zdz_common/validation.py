"""Checks of what a request carries, at the edge of every service: free text, ids that are codes, repeated fields,
numbers, decimal text and enum values. Each refusal is INVALID_ARGUMENT naming the field and what is allowed, in
Chinese first. One check per kind of value, so what one service produces its consumers never refuse.

Text is refused when it holds control characters (line breaks and tabs only in prose), surrogates, Unicode
non-characters (U+FFFE/U+FFFF and every plane's last two, U+FDD0–U+FDEF) or bidirectional overrides and isolates
(U+202A–U+202E, U+2066–U+2069): each breaks a reader downstream (an XML feed, an HTML page, a spreadsheet) or
disguises what a reader sees.

The order in every method of every servicer: permission first, then content. The permission table needs a target
(the unit, the district); the servicer resolves it from the request's ids through `target_id`, which passes a
well-formed id and turns any other into "" (an id that names nothing). So a caller without permission gets
PERMISSION_DENIED whatever the request holds (no validation message tells them the rules, and the recorded denial
never carries a hostile id); only a permitted caller then gets INVALID_ARGUMENT, field by field.

Digits are ASCII only: Python's `int()` and `Decimal()` take other scripts' digits ("٥٠" is 50), so decimal text
and codes are matched against ASCII patterns before they are parsed.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from zdz_common.errors import InvalidArgument

MAX_REASON_LENGTH = 500
LINE_BREAKS = frozenset("\n\r\t")  # allowed in prose: a reason is often pasted from a document
MAX_EVIDENCE_REFS = 20
MAX_EVIDENCE_REF_LENGTH = 500
# An objection to a 公示 (RaiseObjection): who raised it, as the workflow records it and the 公示栏's form takes it.
MAX_OBJECTOR_NAME = 50
MAX_OBJECTOR_CONTACT = 100
# A short free-text field (a name, a person, an organisation, a note's title) and a long one (a note, a description).
MAX_SHORT_TEXT = 200
MAX_NOTE_LENGTH = 2000
# A ledger row's or problem's free text (a location, a description): the registry's bound, which the workflow applies
# to the findings it files there as problems.
MAX_LEDGER_TEXT = 500
# Repeated fields of a request: at most this many items unless the field says otherwise.
MAX_REPEATED = 1000

# An id that is a code: a unit id (uuid or a caller's code such as "own-unit"), a sheet, plan, draw, problem or
# endpoint id, a district code. ASCII letters and digits, then also . _ : -; no "/", space, quote or control.
MAX_ID_LENGTH = 64
CODE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
_CODE_ID_RULE = "1–64 位字母、数字或 . _ : -，以字母或数字开头 (an id: ASCII letters, digits and . _ : -)"

BIDI_CONTROLS = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))
_DECIMAL_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
MAX_DECIMAL_TEXT = 32


def is_noncharacter(ch: str) -> bool:
    """U+FDD0–U+FDEF and the last two code points of every plane (U+FFFE, U+FFFF, U+1FFFE, …)."""
    code = ord(ch)
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def refused_character(text: str, *, prose: bool = False) -> str | None:
    """The first character of `text` no field may hold (see the module's docstring), or None."""
    allowed = LINE_BREAKS if prose else frozenset()
    for ch in text:
        if ch in allowed:
            continue
        category = unicodedata.category(ch)
        if category in ("Cc", "Cs") or ch in BIDI_CONTROLS or is_noncharacter(ch):
            return ch
    return None


def without_refused_characters(text: str, *, prose: bool = False) -> str:
    """`text` less the characters no field may hold: for a consumer applying what a producer recorded under older,
    looser rules (the current producer refuses them, so new events never lose anything here)."""
    return "".join(ch for ch in text if refused_character(ch, prose=prose) is None)


def check_characters(text: str, field: str, *, prose: bool = False) -> str:
    """`text` unchanged; refused when it holds a character no field may hold."""
    ch = refused_character(text, prose=prose)
    if ch is not None:
        raise InvalidArgument(
            f"不能包含控制字符、非字符或双向控制符 U+{ord(ch):04X} "
            "(control characters, non-characters and bidi controls are not allowed)",
            field=field,
        )
    return text


def require_text(
    value: str, field: str, *, max_length: int, required: bool = True, prose: bool = False
) -> str:
    """`value` stripped; refused when empty (if required), longer than `max_length`, or holding characters no field
    may hold (control characters other than line breaks and tabs in `prose`, surrogates, non-characters, bidi
    controls)."""
    text = value.strip()
    if required and not text:
        raise InvalidArgument("必填 (required)", field=field)
    if len(text) > max_length:
        raise InvalidArgument(f"不能超过 {max_length} 个字符 (at most {max_length} characters)", field=field)
    return check_characters(text, field, prose=prose)


def optional_text(value: str, field: str, *, max_length: int = MAX_SHORT_TEXT, prose: bool = False) -> str:
    """`require_text` for a field that may be empty."""
    return require_text(value, field, max_length=max_length, required=False, prose=prose)


def code_id(value: str, field: str, *, required: bool = True) -> str:
    """An id that is a code (CODE_ID), unchanged; "" only when not `required`. Refused, naming the field: "/",
    spaces, quotes, control characters, other scripts' digits, more than MAX_ID_LENGTH characters."""
    if not value and not required:
        return ""
    if not value:
        raise InvalidArgument("必填 (required)", field=field)
    if len(value) > MAX_ID_LENGTH or not CODE_ID.fullmatch(value):
        raise InvalidArgument(f"编号须为 {_CODE_ID_RULE}", field=field)
    return value


def label_code(value: str, field: str, *, required: bool = True) -> str:
    """A code people write in their own script, unchanged: a campaign ("2026-重新验收"), a ledger row's code
    ("解放路-YS-03", "1#泵站"). Letters of any script, ASCII digits and . _ : - # ( ) （ ） ·, at most MAX_ID_LENGTH
    characters, not beginning with punctuation; refused: "/", spaces, quotes, control characters, other scripts'
    digits."""
    if not value and not required:
        return ""
    if not value:
        raise InvalidArgument("必填 (required)", field=field)
    if (
        len(value) > MAX_ID_LENGTH
        or not all(_label_character(ch) for ch in value)
        or value[0] in "._:-#()（）·"
    ):
        raise InvalidArgument(
            "编号须为 1–64 位文字、阿拉伯数字或 . _ : - # ( ) （ ） · (letters, ASCII digits and . _ : - # ( ))",
            field=field,
        )
    return value


def _label_character(ch: str) -> bool:
    return (
        (ch.isascii() and (ch.isalnum() or ch in "._:-#()"))
        or ch in "（）·"
        or unicodedata.category(ch) in ("Lo", "Lu", "Ll")
    )


def target_id(value: str) -> str:
    """An id as the permission check's target: `value` when it is a well-formed code, "" (names nothing) otherwise.
    The content is checked after the permission (`code_id`)."""
    return value if len(value) <= MAX_ID_LENGTH and CODE_ID.fullmatch(value) else ""


def bounded_items(values: Sequence[Any], field: str, *, max_items: int = MAX_REPEATED) -> Sequence[Any]:
    """A repeated field, unchanged; refused with more than `max_items` items."""
    if len(values) > max_items:
        raise InvalidArgument(f"最多 {max_items} 项 (at most {max_items} items)", field=field)
    return values


def bounded_number(value: float, field: str, *, minimum: float = 0, maximum: float) -> float:
    """A finite number from `minimum` to `maximum` (NaN, infinities and 1e308 are refused)."""
    if not math.isfinite(value) or not minimum <= value <= maximum:
        raise InvalidArgument(
            f"须在 {_plain(minimum)}–{_plain(maximum)} 之间，收到 {value} "
            f"(a finite number from {_plain(minimum)} to {_plain(maximum)})",
            field=field,
        )
    return value


def decimal_text(
    text: str, field: str, *, minimum: Decimal | None = None, maximum: Decimal | None = None
) -> Decimal | None:
    """Decimal text in ASCII digits ("7.75", "-2"), "" → None; refused: other scripts' digits ("٥٠"), exponents,
    NaN and infinities, more than MAX_DECIMAL_TEXT characters, and a value outside `minimum`–`maximum`."""
    text = text.strip()
    if not text:
        return None
    if len(text) > MAX_DECIMAL_TEXT or not _DECIMAL_TEXT.fullmatch(text):
        raise InvalidArgument(
            f"须为阿拉伯数字书写的数值，如 7.75 (a number in ASCII digits), 收到 {text[:MAX_DECIMAL_TEXT]!r}",
            field=field,
        )
    value = Decimal(text)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        low = "" if minimum is None else _plain(minimum)
        high = "" if maximum is None else _plain(maximum)
        raise InvalidArgument(f"须在 {low}–{high} 之间，收到 {text} (from {low} to {high})", field=field)
    return value


def instant(stamp: Any, field: str) -> datetime:
    """A request's google.protobuf.Timestamp as an aware UTC datetime; INVALID_ARGUMENT for one outside
    0001-01-01..9999-12-31 or with nanos out of range (protobuf's own check raises ValueError)."""
    try:
        return stamp.ToDatetime(tzinfo=UTC)
    except (ValueError, OverflowError):
        raise InvalidArgument(
            "时间须在 0001-01-01 至 9999-12-31 之间 (a valid timestamp)", field=field
        ) from None


def known_enum(descriptor: Any, number: int, field: str) -> int:
    """A wire enum number, unchanged, when `descriptor` (an EnumDescriptor or its wrapper) lists it."""
    enum_descriptor = getattr(descriptor, "DESCRIPTOR", descriptor)
    if number not in enum_descriptor.values_by_number:
        raise InvalidArgument(f"未知取值 {number} (not in the list)", field=field)
    return number


def known_enums(
    descriptor: Any, numbers: Sequence[int], field: str, *, max_items: int = MAX_REPEATED
) -> tuple[int, ...]:
    """A repeated enum field (a list filter): bounded, and each number listed."""
    bounded_items(numbers, field, max_items=max_items)
    return tuple(known_enum(descriptor, number, f"{field}[{i}]") for i, number in enumerate(numbers))


def _plain(value: float | Decimal) -> str:
    return format(Decimal(str(value)).normalize(), "f")


def command_reason(value: str, field: str = "reason") -> str:
    """A command's reason, as every service checks it: the producer on each command (services/workflow) and each
    consumer on what it receives (the registry's follower of stage events), so text one accepts the other never
    refuses. Optional; stripped; at most MAX_REASON_LENGTH characters; prose (line breaks and tabs allowed)."""
    return require_text(value, field, max_length=MAX_REASON_LENGTH, required=False, prose=True)


def command_evidence(
    refs: Sequence[str], field: str = "evidence", *, required: bool = False
) -> tuple[str, ...]:
    """A command's evidence references (document numbers, sheet ids, photo URIs; the files live elsewhere): at most
    MAX_EVIDENCE_REFS, each a non-empty text of at most MAX_EVIDENCE_REF_LENGTH characters."""
    if required and not refs:
        raise InvalidArgument("须附至少一项佐证材料 (at least one evidence reference)", field=field)
    if len(refs) > MAX_EVIDENCE_REFS:
        raise InvalidArgument(
            f"佐证材料最多 {MAX_EVIDENCE_REFS} 项 (at most {MAX_EVIDENCE_REFS})", field=field
        )
    return tuple(
        require_text(ref, f"{field}[{i}]", max_length=MAX_EVIDENCE_REF_LENGTH) for i, ref in enumerate(refs)
    )
