"""Page tokens (issue 16, malformed requests): anything but a token from a previous page is INVALID_ARGUMENT,
never an error from the database (a huge integer overflowed SQLite and answered UNKNOWN)."""

from __future__ import annotations

import base64

import pytest

from zdz_common.errors import InvalidArgument
from zdz_common.paging import decode_token, encode_token


def _token(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


def test_a_token_from_a_previous_page_decodes_to_its_position() -> None:
    assert decode_token(encode_token(1200)) == 1200 and decode_token("") == 0


@pytest.mark.parametrize(
    "token",
    [
        _token(str(10**30)),  # a huge integer
        _token("-5"),
        _token("١٢٣"),  # Arabic-Indic digits: int() would read them
        _token("12 "),
        "x" * 5000,
        "not base64!",
        _token("\\x00"),
    ],
)
def test_anything_else_is_refused_naming_the_field(token: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        decode_token(token)
    assert refused.value.field == "page_token"
