"""The same notifications, deliveries and notice board on SQLite and on PostgreSQL (no broker: events are
handed to the consumer's transaction directly, as the durable consumer does)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from tests.integration.notify.factories import envelope, shanghai, timestamp, unit_ref
from zdz.workflow.v1 import events_pb2 as workflow
from zdz_common import migrations
from zdz_common.consumer import process_once
from zdz_common.context import CommandContext
from zdz_common.eventstore import create_store_engine
from zdz_notify.adapters.orm import NOTICE_COLUMNS_SINCE_ISSUE_11, NoticeRecord, WebhookRecord
from zdz_notify.adapters.secret_box import SecretBox
from zdz_notify.bootstrap import CONSUMER, TABLES, bootstrap
from zdz_notify.domain.commands import RegisterIntegration, RegisterWebhook, ReplayDeadLetters
from zdz_notify.domain.deliveries import DeliveryFailed, DeliveryStatus, Job, RetryPolicy
from zdz_notify.domain.recipients import Channel
from zdz_notify.service_layer.delivery import DeliveryWorker


class Refusing:
    """A webhook sender whose receiver refuses everything, recording each attempt."""

    def __init__(self) -> None:
        self.jobs: list[Job] = []

    async def send(self, job: Job) -> None:
        self.jobs.append(job)
        raise DeliveryFailed("HTTP 503 Service Unavailable")


async def test_handling_delivering_and_the_board_agree_on_both_databases(database_url: str) -> None:
    notify = bootstrap(database_url)
    service, context = notify.service, CommandContext()
    service.register_integration(RegisterIntegration("bayu", "巴渝治水", ("zdz.workflow.>",)), context)
    service.register_webhook(
        RegisterWebhook("integration:bayu", "https://bayu.cq.gov.cn/hook", "0123456789abcdef"), context
    )
    unit = unit_ref(1, name="璧城街道")
    now = datetime.now(UTC)
    published = envelope(
        "zdz.workflow.notice.published",
        workflow.NoticePublished(
            unit=unit,
            score=92.5,
            grade="EXCELLENT",
            period_start=timestamp(now),
            period_end=timestamp(now + timedelta(days=7)),
            objection_contact="023-41412345",
        ),
    )
    missed = envelope(
        "zdz.workflow.deadline.missed",
        workflow.DeadlineMissed(unit=unit, deadline_kind="PLAN", due=timestamp(shanghai(2024, 11, 1))),
    )
    suspended = envelope(
        "zdz.workflow.notice.suspended", workflow.NoticeSuspended(unit=unit, objection="异议")
    )
    for event in (published, missed, suspended, missed):  # the last one is a redelivery
        process_once(service.engine, CONSUMER, event, notify.handler)

    # Notice published: public board, unit inbox, district inbox, bayu webhook = 4.
    # Deadline missed: unit inbox + email, district inbox + email, bayu webhook = 5; its redelivery adds none.
    # Notice suspended: board, unit inbox + email, district inbox + email, bayu webhook = 6.
    # In the inboxes: 3 for the unit, 3 for its district.
    assert service.list_notifications(f"unit:{unit.id}").total_size == 3
    first = service.list_notifications("district:bishan", page_size=2)
    rest = service.list_notifications("district:bishan", page_size=2, page_token=first.next_page_token)
    assert [len(first.items), len(rest.items), rest.next_page_token] == [2, 1, ""]
    (notice,) = service.notices("bishan")
    assert notice.suspended and notice.score == Decimal("92.50")
    # Three webhook deliveries; with two attempts allowed, each becomes a dead letter, then is replayed.
    sender = Refusing()
    worker = DeliveryWorker(
        service.engine,
        {Channel.WEBHOOK: sender},
        RetryPolicy(max_attempts=2, base_seconds=0),
        service.secrets,
    )
    assert await worker.run_once() == 3
    assert await worker.run_once() == 3
    assert await worker.run_once() == 0
    dead = service.list_deliveries("integration:bayu", DeliveryStatus.DEAD)
    assert len(dead.items) == 3 and {d.endpoint for d in dead.items} == {"https://bayu.cq.gov.cn/hook"}
    assert service.replay_dead_letters(ReplayDeadLetters(recipient="integration:bayu"), context) == 3
    assert await worker.run_once() == 3
    assert [job.attempt for job in sender.jobs] == [1, 1, 1, 2, 2, 2, 1, 1, 1]
    service.engine.dispose()


def test_a_board_stored_before_notices_named_their_channel_gains_the_columns_empty(database_url: str) -> None:
    # The notice table as it was before issue 11, with one notice on it.
    old = sa.MetaData()
    columns = [
        sa.Column(c.name, c.type, primary_key=c.primary_key)
        for c in NoticeRecord.__table__.columns
        if c.name not in NOTICE_COLUMNS_SINCE_ISSUE_11
    ]
    sa.Table(NoticeRecord.__tablename__, old, *columns)
    engine = create_store_engine(database_url)
    old.create_all(engine)
    moment = "2024-12-01T16:00:00.000000Z"
    with engine.begin() as connection:
        connection.execute(
            sa.insert(old.tables[NoticeRecord.__tablename__]),
            {
                "id": str(uuid.uuid4()),
                "unit_id": "u1",
                "unit_name": "璧城街道",
                "unit_kind": "TOWN",
                "district_code": "bishan",
                "score": "92.50",
                "grade": "EXCELLENT",
                "period_start": moment,
                "period_end": moment,
                "objection_contact": "023-41412345",
                "provisional": False,
                "suspended": False,
                "objection": "",
                "published_at": moment,
                "updated_at": moment,
            },
        )
    engine.dispose()
    (notice,) = bootstrap(database_url).service.notices()
    assert (notice.unit_name, notice.channel, notice.campaign) == ("璧城街道", None, "")


def test_a_webhook_secret_stored_in_clear_is_sealed_by_the_migration(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A store of the last release keeps the secret in clear; `migrate`, run with the service's key, seals it.
    key = Fernet.generate_key()
    monkeypatch.setenv("ZDZ_NOTIFY_WEBHOOK_SECRET_KEYS", key.decode())
    migrations.upgrade(database_url, "zdz_notify", revision="0002_outbox_parking")
    engine = create_store_engine(database_url)
    webhooks = sa.table("notify_webhook", *(sa.column(c) for c in WebhookRecord.__table__.columns.keys()))
    with engine.begin() as connection:
        connection.execute(
            webhooks.insert().values(
                id=str(uuid.uuid4()),
                recipient="integration:bayu",
                url="https://bayu.cq.gov.cn/hook",
                secret="stored-in-clear-0123456789",
                description="",
                created_at="2025-01-01T00:00:00.000000Z",
            )
        )
    migrations.upgrade(engine, "zdz_notify")
    with engine.connect() as connection:
        stored = connection.execute(sa.select(webhooks.c.secret)).scalar_one()
    assert "stored-in-clear" not in stored
    assert SecretBox([key]).open(stored) == "stored-in-clear-0123456789"
    assert migrations.differences(engine, TABLES, "zdz_notify") == []
    engine.dispose()
