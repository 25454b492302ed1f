"""Input checks shared by the registry's aggregates; each names the field and says what is allowed."""

from __future__ import annotations

import re
import unicodedata

from zdz_common.errors import InvalidArgument

MAX_NAME_LENGTH = 120
_CODE = re.compile(r"^[a-z][a-z0-9-]{1,39}$")


def require_text(value: str, field: str, *, max_length: int = MAX_NAME_LENGTH) -> str:
    text = value.strip()
    if not text:
        raise InvalidArgument("必填 (required)", field=field)
    if len(text) > max_length:
        raise InvalidArgument(f"不能超过 {max_length} 个字符 (at most {max_length} characters)", field=field)
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        raise InvalidArgument("不能包含控制字符 (control characters are not allowed)", field=field)
    return text


def require_code(value: str, field: str) -> str:
    if not _CODE.match(value):
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
