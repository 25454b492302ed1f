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


MAX_POSITION = (
    2**53
)  # far past any store's row count, inside every database's integer (SQLite's is 2**63 - 1)
MAX_TOKEN_CHARS = 32


def decode_token(token: str) -> int:
    """The position in a token from a previous page; 0 for the first page. Anything else is INVALID_ARGUMENT,
    never a database error: a long or foreign string, other scripts' digits, a negative or huge number."""
    if not token:
        return 0
    refused = InvalidArgument("无效的分页标记 (not a page token from a previous page)", field="page_token")
    if len(token) > MAX_TOKEN_CHARS:
        raise refused
    try:
        text = base64.urlsafe_b64decode(token.encode("ascii")).decode("ascii")
    except (ValueError, UnicodeError) as exc:
        raise refused from exc
    if not (text.isascii() and text.isdigit()):
        raise refused
    position = int(text)
    if position > MAX_POSITION:
        raise refused
    return position


def next_token(offset: int, size: int, total: int) -> str:
    """The token of the page after an offset page, or "" on the last page."""
    return encode_token(offset + size) if offset + size < total else ""
