"""Objections raised by the public on the 公示栏 against a result on notice (附件3/附件4 三（二）3 结果公示; DESIGN,
stage PUBLIC_NOTICE: "anyone may object there"): what a submission must hold, the checks against abuse, and how
the board names an objector.

The objector gives a name, a telephone or e-mail address for the district to answer, and the text. The board
forwards the objection to the workflow service, which records it and suspends the notice; the contact goes to
the district only and is never shown or kept by the board, which shows the name shortened ("张*").
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from zdz_common.errors import AlreadyExists, DomainError, InvalidArgument
from zdz_common.validation import (
    MAX_OBJECTOR_CONTACT,
    MAX_OBJECTOR_NAME,
    MAX_REASON_LENGTH,
    check_characters,
    command_reason,
)
from zdz_notify.domain.recipients import require_email_address

_MOBILE = re.compile(r"^(?:\+?86[- ]?)?1[3-9]\d{9}$")  # 中国大陆手机号
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(?:-\d{1,6})?$")  # 固定电话，区号-号码[-分机]
_URL = re.compile(r"(?:https?://|www\.)", re.IGNORECASE)
_SPACE = re.compile(r"\s+")


class DeskUnavailable(DomainError):
    """The workflow service could not be reached; the person may try again later (HTTP 503)."""


@dataclass(frozen=True)
class ObjectionLimits:
    """Bounds on a submission; defaults from the environment (config.py). The text is the RaiseObjection
    command's reason, so it is at most what every command's reason may be (zdz_common.validation)."""

    name_max_chars: int = MAX_OBJECTOR_NAME  # the workflow's bounds on who raised it
    contact_max_chars: int = MAX_OBJECTOR_CONTACT
    text_min_chars: int = 10
    text_max_chars: int = MAX_REASON_LENGTH
    max_urls: int = 2
    duplicate_window: timedelta = timedelta(hours=24)


@dataclass(frozen=True)
class ObjectionForm:
    """A submission as posted: `website` is the honeypot, hidden from people and left empty by them."""

    name: str
    contact: str
    text: str
    website: str = ""


@dataclass(frozen=True)
class Objection:
    """A checked submission, ready to forward."""

    name: str
    contact: str
    text: str


class Throttle(Protocol):
    """Submissions per client address (a moving window of `window_seconds`)."""

    @property
    def window_seconds(self) -> int: ...

    def allow(self, client: str) -> bool: ...


@dataclass(frozen=True)
class Forwarded:
    objection_id: str


class ObjectionDesk(Protocol):
    """Where an objection is recorded: the workflow service's RaiseObjection, on the public's behalf."""

    def raise_objection(
        self,
        *,
        district_code: str,
        unit_id: str,
        campaign: str,
        objection_id: str,
        objection: Objection,
        idempotency_key: str,
    ) -> Forwarded: ...


def require_contact(contact: str) -> str:
    """A telephone number (mobile or landline) or an e-mail address."""
    contact = contact.strip()
    if not contact:
        raise InvalidArgument(
            "请填写联系方式（电话或电子邮箱），以便区县工作专班答复核查结果", field="contact"
        )
    if "@" in contact:
        try:
            return require_email_address(contact, "contact")
        except InvalidArgument:
            raise InvalidArgument(
                f"电子邮箱“{contact}”格式不正确（例如 zhangsan@example.com）", field="contact"
            ) from None
    digits = contact.replace(" ", "")
    if _MOBILE.match(digits) or _LANDLINE.match(digits):
        return digits
    raise InvalidArgument(
        f"联系电话“{contact}”格式不正确：请填写11位手机号或带区号的固定电话（例如 023-41412345）",
        field="contact",
    )


def check_form(form: ObjectionForm, limits: ObjectionLimits) -> Objection:
    """The objection, or InvalidArgument naming what is wrong."""
    if form.website.strip():
        raise InvalidArgument(
            "提交未通过校验，请刷新页面后重新填写", field="website"
        )  # a bot filled the hidden field
    name = _SPACE.sub(" ", form.name).strip()
    if not name:
        raise InvalidArgument("请填写姓名：异议须实名提出，以便区县工作专班核查答复", field="name")
    if len(name) > limits.name_max_chars:
        raise InvalidArgument(f"姓名不超过{limits.name_max_chars}个字", field="name")
    check_characters(name, "name")
    if len(form.contact) > limits.contact_max_chars:
        raise InvalidArgument(f"联系方式不超过{limits.contact_max_chars}个字符", field="contact")
    check_characters(form.contact, "contact")
    contact = require_contact(form.contact)
    if len(contact) > limits.contact_max_chars:
        raise InvalidArgument(f"联系方式不超过{limits.contact_max_chars}个字符", field="contact")
    text = form.text.strip()
    if len(text) < limits.text_min_chars:
        raise InvalidArgument(f"请写明异议的具体内容，不少于{limits.text_min_chars}个字", field="text")
    if len(text) > limits.text_max_chars:
        raise InvalidArgument(
            f"异议内容不超过{limits.text_max_chars}个字（现为{len(text)}个字）", field="text"
        )
    if len(_URL.findall(text)) > limits.max_urls:
        raise InvalidArgument(f"异议内容中的网址不超过{limits.max_urls}个", field="text")
    return Objection(name, contact, command_reason(text, "text"))


def shortened_name(name: str) -> str:
    """The objector's name as the board shows it: the first character, the rest masked ("张三" → "张*")."""
    name = name.strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, min(len(name) - 1, 3))


@dataclass
class DuplicateGuard:
    """Refuses the same text (whitespace aside) within the window, unless it is the same form sent again."""

    window: timedelta
    clock: Callable[[], datetime]
    _seen: dict[str, tuple[str, datetime]] = field(default_factory=dict)

    def _digest(self, text: str) -> str:
        return hashlib.sha256(_SPACE.sub("", text).encode()).hexdigest()

    def check(self, text: str, form_id: str) -> None:
        """AlreadyExists when another form sent the same text within the window."""
        now = self.clock()
        self._seen = {k: v for k, v in self._seen.items() if now - v[1] < self.window}
        seen = self._seen.get(self._digest(text))
        if seen is not None and seen[0] != form_id:
            raise AlreadyExists("相同内容的异议已经提交，正在核查，请勿重复提交", field="text")

    def remember(self, text: str, form_id: str) -> None:
        """The text was forwarded with this form."""
        self._seen.setdefault(self._digest(text), (form_id, self.clock()))
