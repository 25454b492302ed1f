"""A consumer's fetched batch is handled in one transaction, and the handler reads the directory, addresses and
integrations once per transaction: what an earlier event of the batch taught it counts for the later ones, and
what was registered between two batches counts for the next."""

from __future__ import annotations

import sqlalchemy as sa

from tests.integration.notify.factories import envelope, shanghai, timestamp, unit_ref
from zdz.events.v1.refs_pb2 import UNIT_KIND_TOWN
from zdz.registry.v1 import events_pb2 as registry
from zdz.workflow.v1 import events_pb2 as workflow
from zdz_common.consumer import process_batch
from zdz_common.context import CommandContext
from zdz_notify.adapters.orm import DeliveryRecord, NotificationRecord, RecipientRecord
from zdz_notify.bootstrap import CONSUMER, bootstrap
from zdz_notify.domain.commands import RegisterEmailAddress, RegisterIntegration, RegisterWebhook


def _missed(n: int = 1, name: str = "") -> object:
    return envelope(
        "zdz.workflow.deadline.missed",
        workflow.DeadlineMissed(
            unit=unit_ref(n, name=name), deadline_kind="PLAN", due=timestamp(shanghai(2024, 11, 1))
        ),
    )


def test_later_events_of_a_batch_see_the_names_its_earlier_events_gave(database_url: str) -> None:
    notify = bootstrap(database_url)
    unit = unit_ref(1, name="测试镇0001")
    batch = [
        envelope(
            "zdz.registry.district.registered", registry.DistrictRegistered(code="bishan", name="璧山区")
        ),
        _missed(1, name=unit.name),  # the unit first seen through its UnitRef
        envelope(
            "zdz.registry.unit.registered",
            registry.UnitRegistered(
                id=unit.id, district_code="bishan", kind=UNIT_KIND_TOWN, name="璧城街道", target_year=2027
            ),
        ),
        _missed(1, name=unit.name),  # a late UnitRef does not undo the official name
    ]
    assert process_batch(notify.service.engine, CONSUMER, batch, notify.handler) == [True] * 4

    with notify.service.engine.connect() as connection:
        texts = connection.execute(
            sa.select(NotificationRecord.text).where(
                NotificationRecord.recipient == "district:bishan", NotificationRecord.channel == "inbox"
            )
        ).scalars()
        name = connection.execute(
            sa.select(RecipientRecord.name).where(RecipientRecord.id == f"unit:{unit.id}")
        ).scalar_one()
    assert [text[:3] for text in texts] == ["璧山区", "璧山区"]
    assert name == "璧城街道"


def test_addresses_and_integrations_registered_between_batches_count_for_the_next(database_url: str) -> None:
    notify = bootstrap(database_url)
    service, context, engine = notify.service, CommandContext(), notify.service.engine
    process_batch(engine, CONSUMER, [_missed(), _missed()], notify.handler)  # no address, no integration yet
    service.register_email_address(RegisterEmailAddress("district:bishan", "zhuanban@bishan.gov.cn"), context)
    service.register_integration(RegisterIntegration("bayu", "巴渝治水", ("zdz.workflow.>",)), context)
    service.register_webhook(
        RegisterWebhook("integration:bayu", "https://bayu.cq.gov.cn/hook", "0123456789abcdef"), context
    )

    process_batch(engine, CONSUMER, [_missed(), _missed()], notify.handler)

    with engine.connect() as connection:
        deliveries = connection.execute(
            sa.select(DeliveryRecord.recipient, DeliveryRecord.channel).order_by(DeliveryRecord.recipient)
        ).all()
    assert [tuple(d) for d in deliveries] == [("district:bishan", "email")] * 2 + [
        ("integration:bayu", "webhook")
    ] * 2
