"""Input checks for ledger rows; each names the field and says, in Chinese and English, what is allowed."""

from __future__ import annotations

import enum
import math
from datetime import date
from typing import TypeVar

from zdz_common.errors import InvalidArgument
from zdz_common.validation import MAX_LEDGER_TEXT, command_evidence
from zdz_registry.directory.domain.validation import require_text

MAX_CODE_LENGTH = 64
MAX_TEXT_LENGTH = MAX_LEDGER_TEXT

E = TypeVar("E", bound=enum.Enum)


def as_enum(enum_class: type[E], value: E | str | None, field: str) -> E | None:
    """`value` as a member of `enum_class`; "" and None mean "not given"."""
    if value is None or value == "":
        return None
    if isinstance(value, enum_class):
        return value
    try:
        return enum_class(value)
    except ValueError:
        allowed = ", ".join(str(member.value) for member in enum_class)
        raise InvalidArgument(
            f"取值须为 {allowed} 之一，收到 {value!r} (not in the list)", field=field
        ) from None


def as_date(value: date | str | None, field: str) -> date | None:
    """`value` as a date; accepts ISO "YYYY-MM-DD"; "" and None mean "not given"."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidArgument(f"日期格式须为 YYYY-MM-DD，收到 {value!r} (a date)", field=field) from None


def require(value: E | date | None, field: str) -> E | date:
    if value is None:
        raise InvalidArgument("必填 (required)", field=field)
    return value


def require_absent(value: object, field: str, why: str) -> None:
    if value not in (None, "", 0, False):
        raise InvalidArgument(f"{why}，此项须留空 (must be empty)", field=field)


def require_amount(value: float, field: str, *, positive: bool = False) -> float:
    """A length, area, capacity or flow: a finite number, not negative (and above zero when `positive`)."""
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        bound = "大于 0 (above zero)" if positive else "不能为负数 (not negative)"
        raise InvalidArgument(f"{bound}，收到 {value}", field=field)
    return value


def require_rate(value: float, field: str) -> float:
    """A percentage: 0 to 100."""
    if not math.isfinite(value) or not 0 <= value <= 100:
        raise InvalidArgument(f"比例须在 0–100 之间，收到 {value} (a percentage, 0 to 100)", field=field)
    return value


def optional_text(value: str, field: str, *, max_length: int = MAX_TEXT_LENGTH) -> str:
    return require_text(value, field, max_length=max_length) if value.strip() else ""


def require_code(value: str, field: str) -> str:
    """A row's code, unique within the unit's ledger (e.g. "WS-0001" or "解放路-YS-03")."""
    code = require_text(value, field, max_length=MAX_CODE_LENGTH)
    if "/" in code:
        raise InvalidArgument("编号不能包含 “/” (a code may not contain '/')", field=field)
    return code


def require_evidence(refs: tuple[str, ...], field: str, *, required: bool) -> tuple[str, ...]:
    """Evidence references (document numbers, photo URIs); the files themselves live elsewhere."""
    return command_evidence(refs, field, required=required)
