"""NATS and the notify service each killed in the middle of 1,000 events: every notification exists exactly
once per recipient and channel, and every webhook delivery is made."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import grpc
import nats
import pytest
import sqlalchemy as sa
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.integration.notify.factories import (
    LOCAL_RECEIVERS,
    WebhookReceiver,
    envelope,
    shanghai,
    timestamp,
    unit_ref,
    until,
)
from zdz.events.v1.envelope_pb2 import Envelope
from zdz.events.v1.refs_pb2 import UnitRef
from zdz.notify.v1 import notify_pb2 as pb
from zdz.notify.v1 import notify_pb2_grpc
from zdz.scoring.v1 import events_pb2 as scoring
from zdz.workflow.v1 import events_pb2 as workflow
from zdz_common import migrations
from zdz_common.nats_streams import ensure_stream
from zdz_local.nats_server import NatsServer
from zdz_local.processes import free_port, stop_process

DISTRICTS = ("bishan", "wanzhou", "yubei", "jiangjin")
# Who hears each type, read off data/routing.toml; "bayu" is an integration subscribed to "zdz.>".
HEARD_BY = {
    "zdz.workflow.deadline.missed": [
        ("unit", "inbox"),
        ("unit", "email"),
        ("district", "inbox"),
        ("district", "email"),
        ("bayu", "webhook"),
    ],
    "zdz.workflow.spot_check.selected": [
        ("unit", "inbox"),
        ("unit", "email"),
        ("district", "inbox"),
        ("district", "email"),
        ("bayu", "webhook"),
    ],
    "zdz.scoring.score_sheet.signed": [("unit", "inbox"), ("unit", "email"), ("bayu", "webhook")],
    "zdz.scoring.sampling_plan.drawn": [("district", "inbox"), ("district", "email"), ("bayu", "webhook")],
}


def _event(n: int) -> tuple[Envelope, UnitRef]:
    unit = unit_ref(n % 40, district=DISTRICTS[n % 4])
    match n % 4:
        case 0:
            missed = workflow.DeadlineMissed(
                unit=unit, deadline_kind="RECTIFICATION", due=timestamp(shanghai(2025, 6, 30))
            )
            return envelope("zdz.workflow.deadline.missed", missed), unit
        case 1:
            selected = workflow.SelectedForSpotCheck(unit=unit, draw_id=f"d{n}")
            return envelope("zdz.workflow.spot_check.selected", selected), unit
        case 2:
            sheet = scoring.ScoreSheetSigned(
                unit=unit, sheet_id=f"s{n}", sheet_kind="SELF_CHECK", total=85, grade="PASS"
            )
            return envelope("zdz.scoring.score_sheet.signed", sheet), unit
        case _:
            plan = scoring.SamplingPlanDrawn(unit=unit, plan_id=f"p{n}", items=12)
            return envelope("zdz.scoring.sampling_plan.drawn", plan), unit


def _recipient(who: str, unit: UnitRef) -> str:
    if who == "unit":
        return f"unit:{unit.id}"
    return f"district:{unit.district_code}" if who == "district" else f"integration:{who}"


def _expected(events: list[tuple[Envelope, UnitRef]]) -> set[tuple[str, str, str]]:
    """(event id, recipient, channel) of every notification the routing table asks for."""
    return {
        (event.id, _recipient(who, unit), channel)
        for event, unit in events
        for who, channel in HEARD_BY[event.type]
    }


class NotifyProcess:
    """`python -m zdz_notify` as `make run` starts it, killable with SIGKILL."""

    def __init__(self, data: Path, nats_url: str) -> None:
        self.grpc_address = f"127.0.0.1:{free_port()}"
        self.log = data / "notify.log"
        self.env = {
            **os.environ,
            "ZDZ_DATA_DIR": str(data),
            "ZDZ_NATS_URL": nats_url,
            "ZDZ_NOTIFY_GRPC_ADDRESS": self.grpc_address,
            "ZDZ_AUTH_DISABLED": "1",  # authentication is tested in tests/integration/auth
            "ZDZ_NOTIFY_HTTP_ADDRESS": f"127.0.0.1:{free_port()}",
            "ZDZ_NOTIFY_RETRY_BASE_SECONDS": "0.05",
            "ZDZ_NOTIFY_DELIVERY_POLL_SECONDS": "0.2",
            "ZDZ_NOTIFY_CONSUMER_RETRY_DELAYS": "0.2,0.2",
            # What a killed process had fetched but not acknowledged comes back after 2 s (default 30 s).
            "ZDZ_NOTIFY_CONSUMER_ACK_WAIT_SECONDS": "2",
            # Deliveries a killed process had leased are sent again after 2 s (default 60 s).
            "ZDZ_NOTIFY_DELIVERY_LEASE_SECONDS": "2",
            "ZDZ_NOTIFY_WEBHOOK_ALLOW": LOCAL_RECEIVERS,  # the receiver listens on loopback
        }
        migrations.upgrade(f"sqlite:///{data / 'notify.db'}", "zdz_notify")  # it refuses an unmigrated store
        self.process: subprocess.Popen[bytes] | None = None

    def _spawn(self) -> None:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "zdz_notify"], env=self.env, stdout=log, stderr=subprocess.STDOUT
            )

    async def start(self) -> None:
        self._spawn()
        async with grpc.aio.insecure_channel(self.grpc_address) as channel:
            health = health_pb2_grpc.HealthStub(channel)

            async def serving() -> bool:
                assert self.process is not None and self.process.poll() is None, self.log.read_text()
                try:
                    status = (await health.Check(health_pb2.HealthCheckRequest(), timeout=1)).status
                except grpc.aio.AioRpcError:
                    return False
                return status == health_pb2.HealthCheckResponse.SERVING

            await until(serving, what="notify SERVING")

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver()
    yield server
    server.close()


async def _publish_all(url: str, events: list[Envelope]) -> None:
    """Publish as an outbox relay does: retry each event until JetStream acknowledges it (same Nats-Msg-Id)."""
    nc = await nats.connect(url, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    js = nc.jetstream()
    for event in events:
        while True:
            try:
                await js.publish(
                    event.type, event.SerializeToString(), headers={"Nats-Msg-Id": event.id}, timeout=2
                )
                break
            except Exception:
                await asyncio.sleep(0.2)
    await nc.drain()


async def test_nats_and_notify_killed_mid_stream_leave_each_notification_exactly_once(
    tmp_path: Path, nats_server: NatsServer, receiver: WebhookReceiver
) -> None:
    nc = await nats.connect(nats_server.url)
    for service in ("workflow", "scoring"):
        await ensure_stream(nc.jetstream(), service)
    await nc.drain()
    notify = NotifyProcess(tmp_path, nats_server.url)
    database = sa.create_engine(f"sqlite:///{tmp_path / 'notify.db'}")  # a plain reader beside the service

    def count(query: str) -> int:
        with database.connect() as connection:
            return int(connection.execute(sa.text(query)).scalar_one())

    def processed() -> int:
        return count("SELECT count(*) FROM es_tracking WHERE consumer = 'notify'")

    try:
        await notify.start()
        # 巴渝治水 hears everything by webhook; its receiver always accepts.
        async with grpc.aio.insecure_channel(notify.grpc_address) as channel:
            stub = notify_pb2_grpc.NotifyServiceStub(channel)
            await stub.RegisterIntegration(
                pb.RegisterIntegrationRequest(name="bayu", display_name="巴渝治水", event_types=["zdz.>"])
            )
            await stub.RegisterWebhook(
                pb.RegisterWebhookRequest(
                    recipient="integration:bayu", url=receiver.url, secret="bayu-shared-secret-2025"
                )
            )
        events = [_event(n) for n in range(1000)]

        async def kill_the_service_after(handled: int) -> int:
            await until(lambda: processed() >= handled, what=f"{handled} events handled")
            notify.kill()  # SIGKILL: no shutdown, whatever was in flight is lost
            return processed()

        async def kill_and_restart_the_broker_after(handled: int) -> int:
            await until(lambda: processed() >= handled, within=60, what=f"{handled} events handled")
            nats_server.kill()
            at_kill = processed()
            await asyncio.sleep(1.0)
            nats_server.start()
            return at_kill

        # 1. While the first 500 events are published, the service is killed once it has handled 100 …
        _, handled_at_kill = await asyncio.gather(
            _publish_all(nats_server.url, [e for e, _ in events[:500]]), kill_the_service_after(100)
        )
        # … and started again: it resumes from its durable consumers and its pending deliveries.
        await notify.start()
        # 2. While the other 500 are published, the broker is killed and restarted once 600 are handled.
        _, handled_at_broker_kill = await asyncio.gather(
            _publish_all(nats_server.url, [e for e, _ in events[500:]]),
            kill_and_restart_the_broker_after(600),
        )
        await until(lambda: processed() == 1000, within=120, what="all 1000 events handled")
        await until(
            lambda: count("SELECT count(*) FROM notify_delivery WHERE status = 'DELIVERED'") == 1000,
            within=60,
            what="1000 webhook deliveries made",
        )
        assert 100 <= handled_at_kill < 500 and 600 <= handled_at_broker_kill < 1000  # both in the middle

        # Every notification the routing table asks for exists, and exactly once:
        # 250 events of each type × (5 + 5 + 3 + 3) = 4,000 notifications.
        with database.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT event_id, recipient, channel FROM notify_notification")
            ).all()
        stored = [tuple(row) for row in rows]
        assert len(stored) == 4000
        assert set(stored) == _expected(events)
        # One webhook delivery per webhook notification (1,000), all made; the receiver got each one, and any
        # repeat (sent before a SIGKILL, recorded after it) carries the same delivery id for it to drop.
        assert count("SELECT count(*) FROM notify_delivery") == 1000
        accepted = [r.delivery_id for r in receiver.accepted()]
        assert len(set(accepted)) == 1000
        assert len(accepted) - 1000 <= 16  # at most one leased batch (16) was in flight when the service died
    finally:
        notify.stop()
        database.dispose()
