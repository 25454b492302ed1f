"""Events per second from a JetStream publish to the recipient's inbox (seen on its Subscribe stream), against
raw JetStream publish-and-consume (pull, explicit ack) in the same run, on the same nats-server.

`python -m bench.notify_throughput [N]` (default 2000 events).
"""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path

import grpc
import nats
from google.protobuf.any_pb2 import Any as AnyMessage
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig

from bench.common import print_table, scale_argument, timed
from zdz.events.v1.envelope_pb2 import Envelope
from zdz.events.v1.refs_pb2 import UNIT_KIND_TOWN, UnitRef
from zdz.notify.v1 import notify_pb2 as pb
from zdz.notify.v1 import notify_pb2_grpc
from zdz.scoring.v1 import events_pb2 as scoring
from zdz_common.nats_streams import ensure_stream
from zdz_local.nats_server import NatsServer
from zdz_notify.adapters.routing_file import DEFAULT_ROUTING_FILE
from zdz_notify.config import NotifyConfig
from zdz_notify.domain.deliveries import RetryPolicy
from zdz_notify.entrypoints.app import NotifyApp

PUBLISH_CONCURRENCY = 64


async def publish_all(js: JetStreamContext, messages: list[tuple[str, bytes, str]]) -> None:
    """Acked publishes, PUBLISH_CONCURRENCY in flight at a time, each with its Nats-Msg-Id."""
    for start in range(0, len(messages), PUBLISH_CONCURRENCY):
        await asyncio.gather(
            *(
                js.publish(subject, data, headers={"Nats-Msg-Id": msg_id})
                for subject, data, msg_id in messages[start : start + PUBLISH_CONCURRENCY]
            )
        )


async def raw_publish_and_consume(url: str, count: int) -> float:
    """The baseline: publish `count` messages and consume them through a durable pull consumer, acking each."""
    nc = await nats.connect(url)
    js = nc.jetstream()
    await js.add_stream(name="BENCH_RAW", subjects=["bench.raw.>"])
    await js.add_consumer("BENCH_RAW", ConsumerConfig(durable_name="bench", ack_policy=AckPolicy.EXPLICIT))
    subscription = await js.pull_subscribe_bind("bench", stream="BENCH_RAW")
    messages = [("bench.raw.event", b"x" * 300, f"raw-{n}") for n in range(count)]

    async def consume() -> None:
        seen = 0
        while seen < count:
            try:
                batch = await subscription.fetch(100, timeout=1.0)
            except (TimeoutError, nats.errors.TimeoutError):
                continue
            for message in batch:
                await message.ack()
            seen += len(batch)

    with timed() as timer:
        await asyncio.gather(publish_all(js, messages), consume())
    await nc.drain()
    return timer.seconds


def _config(base: Path, url: str) -> NotifyConfig:
    return NotifyConfig(
        database_url=f"sqlite:///{base / 'notify.db'}",
        nats_url=url,
        grpc_address="127.0.0.1:0",
        board_address="127.0.0.1:0",
        board_public_url="",
        board_frame_ancestors="*",
        source_services=("registry", "scoring", "workflow"),
        routing_file=DEFAULT_ROUTING_FILE,
        smtp=None,
        retry=RetryPolicy(),
        consumer_retry_delays=(1.0, 5.0),
        consumer_ack_wait_seconds=30.0,
        delivery_poll_seconds=1.0,
        delivery_lease_seconds=60.0,
        shutdown_grace_seconds=0,
    )


async def publish_to_inbox(base: Path, url: str, count: int) -> float:
    """ScoreSheetSigned events → notify's durable consumer → notifications (inbox and e-mail) in SQLite →
    the unit's Subscribe stream; timed from the first publish to the last notification received."""
    nc = await nats.connect(url)
    js = nc.jetstream()
    await ensure_stream(js, "scoring")
    app = NotifyApp(_config(base, url))
    await app.start()
    channel = grpc.aio.insecure_channel(app.grpc_address)
    stub = notify_pb2_grpc.NotifyServiceStub(channel)
    unit = UnitRef(id=str(uuid.uuid4()), district_code="bishan", kind=UNIT_KIND_TOWN, name="璧城街道")
    now = datetime.now(UTC)
    messages = []
    for n in range(count):
        sheet = scoring.ScoreSheetSigned(
            unit=unit, sheet_id=f"s{n}", sheet_kind="SELF_CHECK", total=85, grade="PASS"
        )
        envelope = Envelope(id=str(uuid.uuid4()), type="zdz.scoring.score_sheet.signed", source="zdz/scoring")
        envelope.time.FromDatetime(now)
        envelope.data.CopyFrom(
            AnyMessage(
                type_url="type.googleapis.com/zdz.scoring.v1.ScoreSheetSigned",
                value=sheet.SerializeToString(),
            )
        )
        messages.append((envelope.type, envelope.SerializeToString(), envelope.id))
    stream = stub.Subscribe(pb.SubscribeRequest(recipient=f"unit:{unit.id}"))

    async def receive() -> None:
        for _ in range(count):
            await stream.read()

    with timed() as timer:
        await asyncio.gather(publish_all(js, messages), receive())
    stream.cancel()
    await channel.close()
    await app.stop()
    await nc.drain()
    return timer.seconds


async def run(count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        server = NatsServer(base / "jetstream").start()
        try:
            raw = await raw_publish_and_consume(server.url, count)
            notify = await publish_to_inbox(base, server.url, count)
        finally:
            server.stop()
    baseline = "raw JetStream publish → consume+ack (baseline)"
    print_table(
        f"notify: events per second, JetStream publish → inbox (nats-server sync_interval=always, SQLite, "
        f"{PUBLISH_CONCURRENCY} publishes in flight)",
        [(baseline, count, raw), ("publish → notify → SQLite → Subscribe stream", count, notify)],
        baseline=baseline,
    )


def main(argv: list[str] | None = None) -> None:
    count, _, _, tiny = scale_argument(argv, 2000)
    asyncio.run(run(20 if tiny else count))


if __name__ == "__main__":
    main()
