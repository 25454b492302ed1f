"""Every notify RPC refuses hostile input at its edge with INVALID_ARGUMENT naming the field (and the limit),
never UNKNOWN (issue 16): oversized and repeated fields, control and non-characters, bidi overrides, ids that
are not codes, unknown enum values in filters, malformed and huge page tokens."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable

import grpc
import pytest

from tests.integration.notify.conftest import RunningNotify
from zdz.notify.v1 import notify_pb2 as pb
from zdz.notify.v1 import notify_pb2_grpc

GOOD_SECRET = "bayu-shared-secret-2025"
HUGE_TOKEN = base64.urlsafe_b64encode(b"9" * 20).decode()  # decodes to 10**20 - 1, past any position
Call = Callable[[notify_pb2_grpc.NotifyServiceStub], Awaitable[object]]


def _webhook(**fields: str) -> Call:
    request = {"recipient": "integration:bayu", "url": "https://bayu.cq.gov.cn/hook", "secret": GOOD_SECRET}
    return lambda s: s.RegisterWebhook(pb.RegisterWebhookRequest(**(request | fields)))


def _integration(**fields: object) -> Call:
    request = {"name": "bayu", "display_name": "巴渝治水", "event_types": ["zdz.workflow.>"]}
    return lambda s: s.RegisterIntegration(pb.RegisterIntegrationRequest(**(request | fields)))  # type: ignore[arg-type]


async def _first(stream: object) -> object:
    async for item in stream:  # type: ignore[attr-defined]
        return item
    return None


HOSTILE: list[tuple[str, Call, str, str]] = [
    (
        "recipient 5,000 characters",
        lambda s: s.ListNotifications(pb.ListNotificationsRequest(recipient="unit:" + "a" * 5000)),
        "recipient",
        "120",
    ),
    (
        "recipient with a control character",
        lambda s: _first(s.Subscribe(pb.SubscribeRequest(recipient="unit:a\x00b"))),
        "recipient",
        "",
    ),
    (
        "page token decoding to a huge number",
        lambda s: s.ListNotifications(
            pb.ListNotificationsRequest(recipient="municipal", page_token=HUGE_TOKEN)
        ),
        "page_token",
        "",
    ),
    (
        "page token 5,000 characters",
        lambda s: s.ListDeliveries(pb.ListDeliveriesRequest(page_token="A" * 5000)),
        "page_token",
        "",
    ),
    (
        "unknown delivery status in the filter",
        lambda s: s.ListDeliveries(pb.ListDeliveriesRequest(status=99)),  # type: ignore[arg-type]
        "status",
        "99",
    ),
    (
        "1,001 notification ids",
        lambda s: s.MarkRead(
            pb.MarkReadRequest(recipient="municipal", notification_ids=[f"n{i}" for i in range(1001)])
        ),
        "notification_ids",
        "1000",
    ),
    (
        "a notification id with a slash and quotes",
        lambda s: s.MarkRead(pb.MarkReadRequest(recipient="municipal", notification_ids=['a/"b"'])),
        "notification_ids[0]",
        "",
    ),
    ("display name with U+FFFF", _integration(display_name="巴渝\uffff治水"), "display_name", "U+FFFF"),
    ("display name 201 characters", _integration(display_name="巴" * 201), "display_name", "200"),
    ("201 event types", _integration(event_types=["zdz.workflow.>"] * 201), "event_types", "200"),
    ("an event type of 5,000 characters", _integration(event_types=["z" * 5000]), "event_types[0]", "200"),
    ("webhook url with a bidi override", _webhook(url="https://bayu.cq.gov.cn/\u202ekooh"), "url", "U+202E"),
    ("webhook secret with a non-character", _webhook(secret=GOOD_SECRET + "\ufdd0"), "secret", "U+FDD0"),
    ("webhook description with an isolate", _webhook(description="巴渝\u2066治水"), "description", "U+2066"),
    ("webhook description 501 characters", _webhook(description="巴" * 501), "description", "500"),
    (
        "e-mail address with a bidi override",
        lambda s: s.RegisterEmailAddress(
            pb.RegisterEmailAddressRequest(recipient="municipal", address="zbz\u202e@cq.gov.cn")
        ),
        "address",
        "",
    ),
    (
        "webhook id of 5,000 characters",
        lambda s: s.RemoveWebhook(pb.RemoveWebhookRequest(id="w" * 5000)),
        "id",
        "",
    ),
    (
        "e-mail address id with a space",
        lambda s: s.RemoveEmailAddress(pb.RemoveEmailAddressRequest(id="a b")),
        "id",
        "",
    ),
    (
        "1,001 delivery ids",
        lambda s: s.ReplayDeadLetters(
            pb.ReplayDeadLettersRequest(delivery_ids=[f"d{i}" for i in range(1001)])
        ),
        "delivery_ids",
        "1000",
    ),
]


async def test_every_rpc_refuses_hostile_input_naming_the_field_and_the_limit(notify: RunningNotify) -> None:
    answers = []
    for what, call, _field, limit in HOSTILE:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await call(notify.stub)
        answers.append(
            (
                what,
                refused.value.code(),
                refused.value.details().split(":")[0],
                limit in refused.value.details(),
            )
        )
    assert answers == [(what, grpc.StatusCode.INVALID_ARGUMENT, field, True) for what, _, field, _ in HOSTILE]
