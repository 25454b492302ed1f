"""Webhooks: signed, retried with back-off, dead-lettered after the last attempt, replayed on request."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections import Counter
from collections.abc import Iterator

import pytest

from tests.integration.notify.conftest import RunningNotify, StartNotify
from tests.integration.notify.factories import (
    WebhookReceiver,
    envelope,
    publish,
    shanghai,
    timestamp,
    unit_ref,
    until,
)
from zdz.notify.v1 import notify_pb2 as pb
from zdz.workflow.v1 import events_pb2 as workflow
from zdz_notify.domain.deliveries import RetryPolicy

SECRET = "bayu-shared-secret-2025"


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver()
    yield server
    server.close()


async def _register_bayu(notify: RunningNotify, url: str) -> str:
    await notify.stub.RegisterIntegration(
        pb.RegisterIntegrationRequest(name="bayu", display_name="巴渝治水", event_types=["zdz.workflow.>"])
    )
    response = await notify.stub.RegisterWebhook(
        pb.RegisterWebhookRequest(
            recipient="integration:bayu", url=url, secret=SECRET, description="巴渝治水平台"
        )
    )
    return response.webhook.id


async def _deliveries(notify: RunningNotify, status: int = 0) -> list[pb.Delivery]:
    response = await notify.stub.ListDeliveries(
        pb.ListDeliveriesRequest(recipient="integration:bayu", status=status)
    )  # type: ignore[arg-type]
    return list(response.deliveries)


def _valid(header: str, body: bytes) -> bool:
    """The receiver's own check, written from the documented scheme: HMAC-SHA256(secret, "<t>." + body)."""
    fields = dict(part.split("=", 1) for part in header.split(","))
    expected = hmac.new(SECRET.encode(), fields["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields["v1"]) and abs(time.time() - int(fields["t"])) < 300


def _missed(n: int) -> workflow.DeadlineMissed:
    return workflow.DeadlineMissed(
        unit=unit_ref(n), deadline_kind="SURVEY", due=timestamp(shanghai(2024, 10, 1))
    )


async def test_a_receiver_failing_three_times_then_succeeding_gets_each_message_once_signed(
    notify: RunningNotify, receiver: WebhookReceiver
) -> None:
    # The receiver answers 500 to the first three requests of each delivery and 200 to the fourth.
    receiver.answer = lambda _delivery, nth: 500 if nth <= 3 else 200
    await _register_bayu(notify, receiver.url)
    events = [envelope("zdz.workflow.deadline.missed", _missed(n)) for n in range(5)]
    for event in events:
        await publish(notify.js, event)

    async def all_delivered() -> bool:
        return len(await _deliveries(notify, pb.DELIVERY_STATUS_DELIVERED)) == 5

    await until(all_delivered, what="five webhook deliveries")
    # Each message was accepted exactly once: 5 deliveries × (3 refusals + 1 acceptance) = 20 requests.
    accepted = receiver.accepted()
    assert sorted(json.loads(r.body)["id"] for r in accepted) == sorted(e.id for e in events)
    assert len(receiver.received) == 20
    assert Counter(r.delivery_id for r in receiver.received) == {
        d: 4 for d in {r.delivery_id for r in accepted}
    }
    assert sorted(r.attempt for r in receiver.received if r.delivery_id == accepted[0].delivery_id) == [
        1,
        2,
        3,
        4,
    ]
    # Every request, refused or not, carried a valid signature over its exact body.
    assert all(_valid(r.signature, r.body) for r in receiver.received)
    # The body is the event in CloudEvents JSON, with the payload as JSON.
    document = json.loads(accepted[0].body)
    assert document["specversion"] == "1.0" and document["type"] == "zdz.workflow.deadline.missed"
    assert (
        document["data"]["unit"]["name"].startswith("测试镇")
        and document["zdzrecipient"] == "integration:bayu"
    )
    assert {d.attempts for d in await _deliveries(notify)} == {4}


async def test_a_delivery_failing_every_attempt_becomes_a_dead_letter_and_is_replayed_on_request(
    notify: RunningNotify, receiver: WebhookReceiver
) -> None:
    # The receiver is down (503) until it is repaired; the service allows 5 attempts.
    repaired = False
    receiver.answer = lambda _delivery, _nth: 200 if repaired else 503
    await _register_bayu(notify, receiver.url)
    await publish(notify.js, envelope("zdz.workflow.deadline.missed", _missed(1)))

    async def dead() -> list[pb.Delivery]:
        return await _deliveries(notify, pb.DELIVERY_STATUS_DEAD)

    await until(dead, what="a dead letter")
    (letter,) = await dead()
    assert (letter.attempts, letter.last_error) == (5, "HTTP 503 Service Unavailable")
    assert len(receiver.received) == 5
    # Repaired; an operator replays the integration's dead letters, and the message goes through once.
    repaired = True
    replayed = await notify.stub.ReplayDeadLetters(pb.ReplayDeadLettersRequest(recipient="integration:bayu"))
    assert replayed.replayed == 1

    async def delivered() -> bool:
        return len(await _deliveries(notify, pb.DELIVERY_STATUS_DELIVERED)) == 1

    await until(delivered, what="the replayed delivery")
    assert len(receiver.accepted()) == 1 and await dead() == []


async def test_removing_a_webhook_cancels_its_pending_deliveries(
    start_notify: StartNotify, receiver: WebhookReceiver
) -> None:
    # Slow retries, so the delivery is still waiting for its second attempt when the webhook is removed.
    notify = await start_notify(retry=RetryPolicy(max_attempts=5, base_seconds=30, max_seconds=60))
    receiver.answer = lambda _delivery, _nth: 500
    webhook_id = await _register_bayu(notify, receiver.url)
    await publish(notify.js, envelope("zdz.workflow.deadline.missed", _missed(1)))
    await until(lambda: receiver.received, what="a first attempt")
    removed = await notify.stub.RemoveWebhook(pb.RemoveWebhookRequest(id=webhook_id))
    assert removed.cancelled_deliveries == 1
    (delivery,) = await _deliveries(notify)
    assert delivery.status == pb.DELIVERY_STATUS_CANCELLED
    assert (
        await notify.stub.ListWebhooks(pb.ListWebhooksRequest(recipient="integration:bayu"))
    ).webhooks == []
