"""E-mail over SMTP, to a real local SMTP server (aiosmtpd): UTF-8 Chinese subject and body, once per address."""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage

import grpc
import pytest
from aiosmtpd.controller import Controller

from tests.integration.notify.conftest import StartNotify
from tests.integration.notify.factories import envelope, publish, shanghai, timestamp, unit_ref, until
from zdz.notify.v1 import notify_pb2 as pb
from zdz.registry.v1 import events_pb2 as registry
from zdz.workflow.v1 import events_pb2 as workflow
from zdz_local.processes import free_port
from zdz_notify.adapters.email_sender import SmtpSettings


class Mailbox:
    """aiosmtpd handler: keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield mailbox, controller.port
    controller.stop()


async def test_a_missed_deadline_is_emailed_to_each_registered_address_once(
    start_notify: StartNotify, smtp_server: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp_server
    notify = await start_notify(smtp=SmtpSettings(host="127.0.0.1", port=port, sender="zdz@cq.gov.cn"))
    # The registry names the district; its task force registers two addresses.
    await publish(
        notify.js,
        envelope(
            "zdz.registry.district.registered", registry.DistrictRegistered(code="bishan", name="璧山区")
        ),
    )

    async def registered(address: str) -> bool:
        try:
            await notify.stub.RegisterEmailAddress(
                pb.RegisterEmailAddressRequest(recipient="district:bishan", address=address)
            )
        except grpc.aio.AioRpcError:
            return False
        return True

    await until(lambda: registered("zbz@bishan.gov.cn"), what="the district known")
    assert await registered("duban@bishan.gov.cn")
    unit = unit_ref(1, name="璧城街道")
    missed = workflow.DeadlineMissed(unit=unit, deadline_kind="PLAN", due=timestamp(shanghai(2024, 11, 1)))
    event = envelope("zdz.workflow.deadline.missed", missed)
    await publish(notify.js, event)
    await until(lambda: len(mailbox.messages) == 2, what="two e-mails")
    # One e-mail per address (the unit has no address registered, so it is told only in its inbox).
    assert sorted(m["To"] for m in mailbox.messages) == ["duban@bishan.gov.cn", "zbz@bishan.gov.cn"]
    message = mailbox.messages[0]
    assert message["Subject"] == "【逾期】璧城街道方案已超过期限"
    assert message["From"] == "zdz@cq.gov.cn" and message["X-Zdz-Event-Id"] == event.id
    body = message.get_content()
    assert "璧山区璧城街道的方案工作期限（2024年10月31日24时）已过" in body
    delivered = await notify.stub.ListDeliveries(
        pb.ListDeliveriesRequest(recipient="district:bishan", status=pb.DELIVERY_STATUS_DELIVERED)
    )
    assert {d.endpoint for d in delivered.deliveries} == {"zbz@bishan.gov.cn", "duban@bishan.gov.cn"}
    assert message["Message-ID"] in {f"<{d.id}@zdz-notify>" for d in delivered.deliveries}
