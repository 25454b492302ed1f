"""Run in a process of its own by test_tracing.py (a tracer provider is process-global): one registry command over
real gRPC, its event relayed through a real nats-server to a real consumer, with an in-memory span exporter. Prints
the finished spans as JSON lines on stdout."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from zdz_common.telemetry import configure_tracing

EXPORTER = InMemorySpanExporter()
configure_tracing("probe", exporter=EXPORTER)  # before any engine or channel is made

from zdz.registry.v1 import registry_pb2, registry_pb2_grpc  # noqa: E402
from zdz_common.consumer import ConsumerSettings, EventConsumer  # noqa: E402
from zdz_common.grpc_server import GrpcServer  # noqa: E402
from zdz_common.outbox import OutboxRelay, publish_outbox_forever  # noqa: E402
from zdz_common.tls import aio_channel  # noqa: E402
from zdz_local.nats_server import NatsServer  # noqa: E402
from zdz_registry.bootstrap import bootstrap  # noqa: E402
from zdz_registry.directory.entrypoints.grpc_api import RegistryServicer  # noqa: E402

CITY = (("x-zdz-organisation", "municipal"), ("x-zdz-role", "MUNICIPAL_TASK_FORCE"), ("x-zdz-person", "zhou"))


async def main(folder: Path) -> None:
    nats = NatsServer(folder / "jetstream", port=0, log_file=folder / "nats.log").start()
    loop = asyncio.get_running_loop()
    relays: list[OutboxRelay] = []
    registry = bootstrap(
        f"sqlite:///{folder / 'registry.db'}",
        on_commit=lambda: [loop.call_soon_threadsafe(r.wake) for r in relays],  # type: ignore[func-returns-value]
    )
    server = GrpcServer(
        address="127.0.0.1:0",
        register=[
            lambda s: registry_pb2_grpc.add_RegistryServiceServicer_to_server(RegistryServicer(registry), s)
        ],
        service_names=["zdz.registry.v1.RegistryService"],
    )
    await server.start()
    stop = asyncio.Event()
    consumed = asyncio.Event()

    def handler(_session, envelope) -> None:  # type: ignore[no-untyped-def]
        if envelope.type == "zdz.registry.district.registered":
            loop.call_soon_threadsafe(consumed.set)

    consumer = EventConsumer(registry.engine, ConsumerSettings(name="probe", stream="ZDZ_REGISTRY"), handler)
    tasks = [
        asyncio.create_task(
            publish_outbox_forever(
                registry.engine, service="registry", nats_url=nats.url, stop=stop, relay_ready=relays.append
            )
        ),
        asyncio.create_task(consumer.run(nats.url, stop)),
    ]
    channel = aio_channel(server.address, None)
    await registry_pb2_grpc.RegistryServiceStub(channel).CreateDistrict(
        registry_pb2.CreateDistrictRequest(
            district=registry_pb2.District(
                code="wanzhou", name="万州区", gb_code="500101", town_share_2025=35, town_share_2027=80
            )
        ),
        metadata=CITY,
    )
    await asyncio.wait_for(consumed.wait(), timeout=30)
    stop.set()
    await asyncio.gather(*tasks)
    await channel.close()
    await server.stop(0)
    registry.engine.dispose()
    nats.stop()
    for span in EXPORTER.get_finished_spans():
        print(span.to_json(indent=None))


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(main(Path(tmp)))
    sys.stdout.flush()
