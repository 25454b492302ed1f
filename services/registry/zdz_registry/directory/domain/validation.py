"""Input checks shared by the registry's aggregates; each names the field and says what is allowed."""

from __future__ import annotations

import re

from zdz_common.errors import InvalidArgument
from zdz_common.validation import require_text as checked_text

MAX_NAME_LENGTH = 120
_CODE = re.compile(r"[a-z][a-z0-9-]{1,39}")  # matched whole: "$" alone lets a trailing line break through


def require_text(value: str, field: str, *, max_length: int = MAX_NAME_LENGTH) -> str:
    return checked_text(value, field, max_length=max_length)


def require_code(value: str, field: str) -> str:
    if not _CODE.fullmatch(value):
        raise InvalidArgument(
            "代码须为 2–40 位小写字母、数字或连字符，以字母开头 (e.g. 'wanzhou')", field=field
        )
    return value


def require_percent(value: int, field: str) -> int:
    if not 0 <= value <= 100:
        raise InvalidArgument(
            f"比例须在 0–100 之间，收到 {value} (a share is a percentage, 0 to 100)", field=field
        )
    return value


def require_year(value: int, field: str) -> int:
    if not 2024 <= value <= 2035:
        raise InvalidArgument(f"目标年份须在 2024–2035 之间，收到 {value}", field=field)
    return value
