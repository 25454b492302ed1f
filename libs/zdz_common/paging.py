"""Paging for list RPCs: bounded page sizes and opaque page tokens carrying an integer position."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Generic, TypeVar

from zdz_common.errors import InvalidArgument

MAX_PAGE_SIZE = 1000
T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_page_token: str
    total_size: int


def checked_page_size(requested: int, default: int) -> int:
    """`requested`, or `default` when 0; refused outside 0..MAX_PAGE_SIZE."""
    if requested < 0 or requested > MAX_PAGE_SIZE:
        raise InvalidArgument(
            f"每页条数须在 1–{MAX_PAGE_SIZE} 之间 (page size 1 to {MAX_PAGE_SIZE})", field="page_size"
        )
    return requested or default


def encode_token(position: int) -> str:
    return base64.urlsafe_b64encode(str(position).encode()).decode()


def decode_token(token: str) -> int:
    """The position in a token from a previous page; 0 for the first page."""
    if not token:
        return 0
    try:
        position = int(base64.urlsafe_b64decode(token.encode()).decode())
    except ValueError as exc:
        raise InvalidArgument(
            "无效的分页标记 (not a page token from a previous page)", field="page_token"
        ) from exc
    if position < 0:
        raise InvalidArgument("无效的分页标记 (not a page token from a previous page)", field="page_token")
    return position


def next_token(offset: int, size: int, total: int) -> str:
    """The token of the page after an offset page, or "" on the last page."""
    return encode_token(offset + size) if offset + size < total else ""
