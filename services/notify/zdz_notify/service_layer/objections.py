"""Raising an objection on the 公示栏: the form's token, the checks, and forwarding to the workflow service.

Every submission counts against its client address (429 past the limit). The form token is signed by the
board and matched by a same-site cookie (a page elsewhere cannot post it); it also names the form, so that a
double submit forwards the same objection id under the same idempotency key and the workflow applies it once.
The text is checked for abuse (hidden honeypot field, length, links, the same text within a window).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from zdz_common.errors import FailedPrecondition, NotFound, PermissionDenied, RateLimited
from zdz_notify.domain.notices import Notice, NoticeStatus
from zdz_notify.domain.objections import (
    DuplicateGuard,
    Forwarded,
    ObjectionDesk,
    ObjectionForm,
    ObjectionLimits,
    Throttle,
    check_form,
)
from zdz_notify.service_layer.services import NotifyService

_STALE_FORM = "表单已失效，请刷新公示页面后重新填写 (the form token is missing, expired or from another page)"


@dataclass(frozen=True)
class IssuedForm:
    token: str  # goes in the form's hidden field
    form_id: str  # goes in the same-site cookie


class FormTokens:
    """Signed form tokens: `form_id.notice_id.issued.signature`, valid for `max_age` on the page they came from."""

    def __init__(self, secret: bytes, max_age: timedelta, clock: Callable[[], datetime]) -> None:
        self._secret = secret
        self._max_age = max_age
        self._clock = clock

    def _sign(self, body: str) -> str:
        digest = hmac.new(self._secret, body.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def issue(self, notice_id: str) -> IssuedForm:
        form_id = secrets.token_hex(16)
        body = f"{form_id}.{notice_id}.{int(self._clock().timestamp())}"
        return IssuedForm(f"{body}.{self._sign(body)}", form_id)

    def verify(self, token: str, notice_id: str, cookie_form_id: str) -> str:
        """The form id of a valid token for `notice_id` whose cookie matches; PermissionDenied otherwise."""
        body, _, signature = token.rpartition(".")
        parts = body.split(".")
        if len(parts) != 3 or not hmac.compare_digest(self._sign(body), signature):
            raise PermissionDenied(_STALE_FORM, field="token")
        form_id, token_notice, issued = parts
        if (
            token_notice != notice_id
            or not cookie_form_id
            or not hmac.compare_digest(form_id, cookie_form_id)
        ):
            raise PermissionDenied(_STALE_FORM, field="token")
        age = self._clock().timestamp() - int(issued)
        if not 0 <= age <= self._max_age.total_seconds():
            raise PermissionDenied(_STALE_FORM, field="token")
        return form_id


def objection_id_of(form_id: str) -> str:
    """The objection's id, from the form it was sent with (one form, one objection)."""
    return f"GSL-{form_id[:16].upper()}"  # 公示栏


class PublicObjections:
    def __init__(
        self,
        service: NotifyService,
        desk: ObjectionDesk,
        throttle: Throttle,
        tokens: FormTokens,
        limits: ObjectionLimits,
        clock: Callable[[], datetime],
    ) -> None:
        self._service = service
        self._desk = desk
        self._throttle = throttle
        self.tokens = tokens
        self._limits = limits
        self._clock = clock
        self._duplicates = DuplicateGuard(limits.duplicate_window, clock)
        self._lock = threading.Lock()

    @property
    def limits(self) -> ObjectionLimits:
        return self._limits

    @property
    def retry_after_seconds(self) -> int:
        """How long a client past the rate limit waits at most (HTTP Retry-After)."""
        return self._throttle.window_seconds

    def open_notice(self, notice_id: str) -> Notice:
        """The notice, while objections to it are taken (公示期内); NotFound or FailedPrecondition otherwise."""
        notice = self._service.notice(notice_id)
        if notice is None:
            raise NotFound("没有这条公示 (unknown notice)", field="notice")
        if notice.status(self._clock()) is NoticeStatus.ENDED:
            raise FailedPrecondition("公示期已结束，不再通过公示栏受理异议", field="notice")
        if not notice.campaign:
            raise FailedPrecondition(
                f"这条公示不支持在线提出异议，请通过以下方式反映：{notice.objection_contact}", field="notice"
            )
        return notice

    def submit(
        self, notice_id: str, form: ObjectionForm, *, token: str, cookie_form_id: str, client: str
    ) -> Forwarded:
        if not self._throttle.allow(client):
            raise RateLimited("提交过于频繁，请稍后再试", field="client")
        form_id = self.tokens.verify(token, notice_id, cookie_form_id)
        notice = self.open_notice(notice_id)
        objection = check_form(form, self._limits)
        with self._lock:
            self._duplicates.check(objection.text, form_id)
        forwarded = self._desk.raise_objection(
            district_code=notice.district_code,
            unit_id=notice.unit_id,
            campaign=notice.campaign,
            objection_id=objection_id_of(form_id),
            objection=objection,
            idempotency_key=f"board-objection/{form_id}",
        )
        with self._lock:
            self._duplicates.remember(objection.text, form_id)
        return forwarded
