"""Run in a process of its own by test_delivery_metrics.py (the meter provider is process-global): a real notify
service over a real nats-server delivers one event to two integrations' webhooks, one receiver answering 200, the
other 503 until its delivery is dead-lettered (two attempts allowed). Prints the metrics as one line
`METRICS {...}`."""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from pathlib import Path

from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from zdz_common.metrics import configure_metrics

READER = InMemoryMetricReader()
configure_metrics("probe", reader=READER)

import grpc  # noqa: E402
import nats  # noqa: E402

from tests.integration.notify.factories import (  # noqa: E402
    WebhookReceiver,
    envelope,
    notify_config,
    publish,
    shanghai,
    timestamp,
    unit_ref,
    until,
)
from zdz.notify.v1 import notify_pb2 as pb  # noqa: E402
from zdz.notify.v1 import notify_pb2_grpc  # noqa: E402
from zdz.workflow.v1 import events_pb2 as workflow  # noqa: E402
from zdz_common.nats_streams import ensure_stream  # noqa: E402
from zdz_local.nats_server import NatsServer  # noqa: E402
from zdz_notify.domain.deliveries import RetryPolicy  # noqa: E402
from zdz_notify.entrypoints.app import NotifyApp  # noqa: E402


async def main(folder: Path) -> None:
    server = NatsServer(folder / "jetstream", port=0, log_file=folder / "nats.log").start()
    up, down = WebhookReceiver(), WebhookReceiver(answer=lambda _delivery, _nth: 503)
    try:
        await scenario(folder, server, up, down)
    finally:  # never leave a nats-server or a receiver behind, even when the scenario fails
        up.close()
        down.close()
        server.stop()


async def scenario(folder: Path, server: NatsServer, up: WebhookReceiver, down: WebhookReceiver) -> None:
    nc = await nats.connect(server.url)
    js = nc.jetstream()
    for service in ("workflow", "scoring", "registry"):
        await ensure_stream(js, service)
    app = NotifyApp(notify_config(folder, server.url, retry=RetryPolicy(max_attempts=2, base_seconds=0.1)))
    await app.start()
    channel = grpc.aio.insecure_channel(app.grpc_address)
    stub = notify_pb2_grpc.NotifyServiceStub(channel)
    try:
        for name, receiver in (("bayu", up), ("down", down)):
            await stub.RegisterIntegration(
                pb.RegisterIntegrationRequest(name=name, display_name=name, event_types=["zdz.workflow.>"])
            )
            await stub.RegisterWebhook(
                pb.RegisterWebhookRequest(
                    recipient=f"integration:{name}", url=receiver.url, secret="bayu-shared-secret-2025"
                )
            )
        missed = workflow.DeadlineMissed(
            unit=unit_ref(1), deadline_kind="SURVEY", due=timestamp(shanghai(2024, 10, 1))
        )
        await publish(js, envelope("zdz.workflow.deadline.missed", missed))

        async def settled() -> bool:
            delivered = await stub.ListDeliveries(
                pb.ListDeliveriesRequest(recipient="integration:bayu", status=pb.DELIVERY_STATUS_DELIVERED)
            )
            dead = await stub.ListDeliveries(
                pb.ListDeliveriesRequest(recipient="integration:down", status=pb.DELIVERY_STATUS_DEAD)
            )
            return len(delivered.deliveries) == 1 and len(dead.deliveries) == 1

        await until(settled, what="one delivery delivered and one dead-lettered")
        metrics = json.loads(READER.get_metrics_data().to_json(indent=None))
    finally:
        await channel.close()
        await app.stop()
        await nc.drain()
    print("METRICS " + json.dumps(metrics))


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(main(Path(tmp)))
    sys.stdout.flush()
