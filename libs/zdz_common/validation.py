"""Checks of free text at the edges of every service's domain: each names the field and says what is allowed."""

from __future__ import annotations

import unicodedata

from zdz_common.errors import InvalidArgument


def require_text(value: str, field: str, *, max_length: int, required: bool = True) -> str:
    """`value` stripped; refused when empty (if required), longer than `max_length`, or holding control characters."""
    text = value.strip()
    if required and not text:
        raise InvalidArgument("必填 (required)", field=field)
    if len(text) > max_length:
        raise InvalidArgument(f"不能超过 {max_length} 个字符 (at most {max_length} characters)", field=field)
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        raise InvalidArgument("不能包含控制字符 (control characters are not allowed)", field=field)
    return text
