"""Recipients are organisations named by id; malformed ids and addresses are refused with the accepted forms."""

from __future__ import annotations

import pytest

from zdz_common.errors import InvalidArgument
from zdz_notify.domain.recipients import RecipientKind, parse_recipient, require_email_address


@pytest.mark.parametrize(
    ("text", "kind", "key"),
    [
        (
            "unit:6f1c1d0e-8a3c-5b7e-9d42-0a5e2c7b1f00",
            RecipientKind.UNIT,
            "6f1c1d0e-8a3c-5b7e-9d42-0a5e2c7b1f00",
        ),
        ("district:wanzhou", RecipientKind.DISTRICT, "wanzhou"),
        ("municipal", RecipientKind.MUNICIPAL, ""),
        ("integration:bayu", RecipientKind.INTEGRATION, "bayu"),
        ("public", RecipientKind.PUBLIC, ""),
    ],
)
def test_the_five_recipient_forms_parse_and_print_back(text: str, kind: RecipientKind, key: str) -> None:
    recipient = parse_recipient(text)
    assert (recipient.kind, recipient.key, str(recipient)) == (kind, key, text)


@pytest.mark.parametrize(
    "text", ["", "unit", "unit:", "town:x", "municipal:chongqing", "district:万州", "unit:a b"]
)
def test_a_malformed_recipient_is_refused_naming_the_field(text: str) -> None:
    with pytest.raises(InvalidArgument) as error:
        parse_recipient(text)
    assert error.value.field == "recipient"


@pytest.mark.parametrize(
    "address", ["zbz", "zbz@", "@wanzhou.gov.cn", "zbz@wanzhou", "a b@wanzhou.gov.cn", "x@-a.cn"]
)
def test_a_malformed_email_address_is_refused(address: str) -> None:
    with pytest.raises(InvalidArgument, match="电子邮件地址"):
        require_email_address(address)


def test_a_well_formed_email_address_is_kept_trimmed() -> None:
    assert require_email_address(" zbz@wanzhou.gov.cn ") == "zbz@wanzhou.gov.cn"
