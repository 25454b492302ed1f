"""Who can be told: organisations named by id, and the channels each kind of organisation is reached on.

Ids: "unit:<unit id>" (a town/street or park group), "district:<code>" (区县工作专班), "municipal"
(市级工作专班), "integration:<name>" (an integrating system such as 巴渝治水) and "public" (公示栏).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from zdz_common.errors import InvalidArgument
from zdz_common.validation import check_characters
from zdz_common.validation import require_text as checked_text


class RecipientKind(enum.StrEnum):
    UNIT = "unit"
    DISTRICT = "district"
    MUNICIPAL = "municipal"
    INTEGRATION = "integration"
    PUBLIC = "public"


class Channel(enum.StrEnum):
    INBOX = "inbox"
    EMAIL = "email"
    WEBHOOK = "webhook"
    BOARD = "board"  # 公示栏


# What each kind of organisation can be reached on: people read inboxes and e-mail, systems take webhooks,
# the public reads the board.
CHANNELS_OF: dict[RecipientKind, frozenset[Channel]] = {
    RecipientKind.UNIT: frozenset({Channel.INBOX, Channel.EMAIL}),
    RecipientKind.DISTRICT: frozenset({Channel.INBOX, Channel.EMAIL}),
    RecipientKind.MUNICIPAL: frozenset({Channel.INBOX, Channel.EMAIL}),
    RecipientKind.INTEGRATION: frozenset({Channel.WEBHOOK}),
    RecipientKind.PUBLIC: frozenset({Channel.BOARD}),
}

_KEYED = {RecipientKind.UNIT, RecipientKind.DISTRICT, RecipientKind.INTEGRATION}
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_NAME = re.compile(r"^[a-z][a-z0-9-]{1,39}$")
_FORMS = "unit:<单元id>、district:<区县代码>、municipal、integration:<名称> 或 public"
MAX_RECIPIENT_LENGTH = 120


@dataclass(frozen=True)
class RecipientId:
    kind: RecipientKind
    key: str = ""

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.key}" if self.key else self.kind.value


MUNICIPAL = RecipientId(RecipientKind.MUNICIPAL)
PUBLIC = RecipientId(RecipientKind.PUBLIC)


def unit_recipient(unit_id: str) -> RecipientId:
    return RecipientId(RecipientKind.UNIT, unit_id)


def district_recipient(code: str) -> RecipientId:
    return RecipientId(RecipientKind.DISTRICT, code)


def integration_recipient(name: str) -> RecipientId:
    return RecipientId(RecipientKind.INTEGRATION, name)


def parse_recipient(text: str, field: str = "recipient") -> RecipientId:
    """The recipient named by `text`; InvalidArgument naming the accepted forms when it is malformed."""
    if len(text) > MAX_RECIPIENT_LENGTH:
        raise InvalidArgument(
            f"接收方不能超过 {MAX_RECIPIENT_LENGTH} 个字符 (at most {MAX_RECIPIENT_LENGTH} characters)",
            field=field,
        )
    kind_text, _, key = text.strip().partition(":")
    try:
        kind = RecipientKind(kind_text)
    except ValueError:
        raise InvalidArgument(f"接收方须为 {_FORMS} (unknown recipient form)", field=field) from None
    if kind in _KEYED:
        if not _KEY.match(key):
            raise InvalidArgument(
                f"接收方 {text!r} 缺少或含有无效的标识 (expected {kind.value}:<id>)", field=field
            )
    elif key:
        raise InvalidArgument(f"接收方 {kind.value} 不带标识，收到 {text!r}", field=field)
    return RecipientId(kind, key)


def require_integration_name(name: str, field: str = "name") -> str:
    if not _NAME.match(name):
        raise InvalidArgument("名称须为 2–40 位小写字母、数字或连字符，以字母开头 (e.g. 'bayu')", field=field)
    return name


_EMAIL = re.compile(
    r"^[^@\s<>,;\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)


def require_email_address(address: str, field: str = "address") -> str:
    address = address.strip()
    if len(address) > 254 or not _EMAIL.match(address):
        raise InvalidArgument("无效的电子邮件地址 (e.g. zbz@wanzhou.gov.cn)", field=field)
    return check_characters(address, field)


def require_text(value: str, field: str, *, max_length: int = 200, required: bool = True) -> str:
    return checked_text(value, field, max_length=max_length, required=required)
