"""ListProcesses' page tokens (issue 16): Temporal's opaque token travels marked and checksummed, so a token the
service did not give is INVALID_ARGUMENT at once (Temporal answers garbage UNKNOWN, retried for seconds)."""

from __future__ import annotations

import base64

import pytest

from zdz_common.errors import InvalidArgument
from zdz_workflow.temporal.processes import unwrap_page_token, wrap_page_token


def test_a_token_the_service_gave_comes_back_as_temporals_own() -> None:
    assert unwrap_page_token(wrap_page_token(b"\x00temporal\xff")) == b"\x00temporal\xff"
    assert unwrap_page_token("") is None


@pytest.mark.parametrize(
    "token",
    [
        "Z2FyYmFnZQ==",  # "garbage"
        base64.urlsafe_b64encode(b"zdz1" + b"\x00" * 8 + b"forged").decode(),  # a wrong checksum
        "not base64 at all!",
        "A" * 5000,
        "令牌",
    ],
)
def test_any_other_token_is_refused_naming_the_field(token: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        unwrap_page_token(token)
    assert refused.value.field == "page_token"
