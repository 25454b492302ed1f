"""No webhook reaches an address on this machine unless it is allow-listed (issue 16, server-side request
forgery), checked at registration and again at delivery against DNS rebinding; redirects are never followed;
the signing secret is kept sealed. A real listener on 127.0.0.1 is the would-be victim."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest
from sqlmodel import Session, select

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
from zdz_notify.adapters.orm import WebhookRecord
from zdz_notify.adapters.webhook_sender import WebhookSender
from zdz_notify.adapters.webhook_targets import WebhookTargets, system_resolver
from zdz_notify.domain.deliveries import Job
from zdz_notify.domain.recipients import Channel
from zdz_notify.domain.webhooks import AllowList, signature_valid

SECRET = "bayu-shared-secret-2025"
PUBLIC = "93.184.216.34"


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver()
    yield server
    server.close()


async def _integration(notify: RunningNotify) -> None:
    await notify.stub.RegisterIntegration(
        pb.RegisterIntegrationRequest(name="bayu", display_name="巴渝治水", event_types=["zdz.workflow.>"])
    )


async def _register(notify: RunningNotify, url: str) -> pb.RegisterWebhookResponse:
    return await notify.stub.RegisterWebhook(
        pb.RegisterWebhookRequest(recipient="integration:bayu", url=url, secret=SECRET)
    )


async def _dead(notify: RunningNotify) -> list[pb.Delivery]:
    response = await notify.stub.ListDeliveries(
        pb.ListDeliveriesRequest(recipient="integration:bayu", status=pb.DELIVERY_STATUS_DEAD)
    )
    return list(response.deliveries)


async def _a_deadline_missed(notify: RunningNotify) -> None:
    missed = workflow.DeadlineMissed(
        unit=unit_ref(1), deadline_kind="SURVEY", due=timestamp(shanghai(2024, 10, 1))
    )
    await publish(notify.js, envelope("zdz.workflow.deadline.missed", missed))


async def test_no_webhook_reaches_a_listener_on_this_machine_unless_it_is_allow_listed(
    start_notify: StartNotify, receiver: WebhookReceiver
) -> None:
    names = {"hooks.bayu.test": [PUBLIC]}  # the integrator's name, public when it is registered

    def resolve(host: str, port: int) -> list[str]:
        return names[host] if host in names else system_resolver(host, port)

    notify = await start_notify(webhook_allow="", resolve=resolve)
    await _integration(notify)
    port = receiver.url.split(":")[2].split("/")[0]
    for url in (
        receiver.url,  # http://127.0.0.1:<port>/zdz/hook
        f"http://localhost:{port}/zdz/hook",  # a name the system resolves to loopback
        f"http://2130706433:{port}/zdz/hook",  # 127.0.0.1 in decimal
        f"http://0x7f000001:{port}/zdz/hook",
        f"http://[::ffff:127.0.0.1]:{port}/zdz/hook",
        "http://169.254.169.254/latest/meta-data/",
    ):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await _register(notify, url)
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT, url
        assert refused.value.details().startswith("url: "), url
    await _register(notify, f"http://hooks.bayu.test:{port}/zdz/hook")
    names["hooks.bayu.test"] = ["127.0.0.1"]  # DNS rebinding: the name now points at this machine
    await _a_deadline_missed(notify)
    await until(lambda: _dead(notify), within=15, what="the delivery refused at every attempt")
    (dead,) = await _dead(notify)
    assert dead.attempts == 5 and "refused" in dead.last_error and "回环" in dead.last_error
    assert receiver.received == []


async def test_a_redirect_is_a_failed_attempt_and_is_never_followed(
    notify: RunningNotify, receiver: WebhookReceiver
) -> None:
    receiver.answer = lambda _delivery, _nth: 307  # would repeat the POST elsewhere if followed
    receiver.redirect_to = receiver.url + "/followed"
    await _integration(notify)
    await _register(notify, receiver.url)
    await _a_deadline_missed(notify)
    await until(lambda: _dead(notify), within=15, what="the delivery dead after its attempts")
    (dead,) = await _dead(notify)
    assert "redirects are not followed" in dead.last_error
    assert [r.path for r in receiver.received] == ["/zdz/hook"] * 5


async def test_a_webhook_secret_is_stored_sealed_and_deliveries_are_signed_with_the_secret_itself(
    notify: RunningNotify, receiver: WebhookReceiver
) -> None:
    await _integration(notify)
    await _register(notify, receiver.url)
    with Session(notify.app.service.engine) as session:
        (stored,) = session.exec(select(WebhookRecord.secret)).all()
    assert SECRET not in stored and notify.app.service.secrets.open(stored) == SECRET
    await _a_deadline_missed(notify)
    await until(receiver.accepted, what="the delivery")
    (delivered,) = receiver.accepted()
    assert signature_valid(SECRET, delivered.signature, delivered.body, now=int(time.time()))


async def test_a_delivery_connects_to_the_address_it_checked_and_names_the_host_it_was_given(
    receiver: WebhookReceiver,
) -> None:
    # An allow-listed internal name: resolved once per attempt, connected to by address, named in Host.
    port = int(receiver.url.split(":")[2].split("/")[0])
    lookups: list[str] = []

    def resolve(host: str, _port: int) -> list[str]:
        lookups.append(host)
        return ["127.0.0.1"]

    targets = WebhookTargets(AllowList.parse("hooks.internal"), resolve)
    with ThreadPoolExecutor(max_workers=1) as executor:
        sender = WebhookSender(executor, targets)
        job = Job(
            delivery_id="d1",
            attempt=1,
            channel=Channel.WEBHOOK,
            endpoint=f"http://hooks.internal:{port}/zdz/hook",
            secret=SECRET,
            event_id="e1",
            event_type="zdz.workflow.deadline.missed",
            title="",
            text="",
            document="{}",
        )
        await sender.send(job)
        sender.close()
    (received,) = receiver.received
    assert lookups == ["hooks.internal"] and received.host == f"hooks.internal:{port}"
