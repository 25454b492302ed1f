"""Run in a process of its own by test_tracing.py and test_metrics.py (tracer and meter providers are
process-global): registry commands over real gRPC, their events relayed through a real nats-server to a real
consumer (which gives up on district updates after one retry), with an in-memory span exporter and metric reader.
Prints the finished spans as JSON lines on stdout, then the metrics as one line `METRICS {...}`."""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from pathlib import Path

import grpc
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from zdz_common.metrics import configure_metrics
from zdz_common.telemetry import configure_tracing

EXPORTER = InMemorySpanExporter()
READER = InMemoryMetricReader()
configure_tracing("probe", exporter=EXPORTER)  # before any engine or channel is made
configure_metrics("probe", reader=READER)

from fastapi.testclient import TestClient  # noqa: E402

from zdz.registry.v1 import registry_pb2, registry_pb2_grpc  # noqa: E402
from zdz_common.consumer import ConsumerSettings, EventConsumer  # noqa: E402
from zdz_common.grpc_server import GrpcServer  # noqa: E402
from zdz_common.outbox import OutboxRelay, publish_outbox_forever  # noqa: E402
from zdz_common.telemetry import instrument_web_app  # noqa: E402
from zdz_common.tls import aio_channel  # noqa: E402
from zdz_common.tls import channel as tls_channel  # noqa: E402
from zdz_console.bootstrap import build as build_console  # noqa: E402
from zdz_console.config import ConsoleConfig  # noqa: E402
from zdz_local.nats_server import NatsServer  # noqa: E402
from zdz_registry.bootstrap import bootstrap  # noqa: E402
from zdz_registry.directory.entrypoints.grpc_api import RegistryServicer  # noqa: E402

CITY = (("x-zdz-organisation", "municipal"), ("x-zdz-role", "MUNICIPAL_TASK_FORCE"), ("x-zdz-person", "zhou"))


def _blocking_read(address: str) -> None:
    channel = tls_channel(address, None)
    try:
        registry_pb2_grpc.RegistryServiceStub(channel).GetDistrict(
            registry_pb2.GetDistrictRequest(code="wanzhou"), metadata=CITY, timeout=10
        )
    finally:
        channel.close()


def _console_page() -> None:
    app = build_console(ConsoleConfig.from_env())
    instrument_web_app(app)
    assert TestClient(app).get("/healthz").status_code == 200


async def main(folder: Path) -> None:
    nats = NatsServer(folder / "jetstream", port=0, log_file=folder / "nats.log").start()
    try:
        await scenario(folder, nats)
    finally:  # never leave a nats-server behind, even when the scenario fails
        nats.stop()


async def scenario(folder: Path, nats: NatsServer) -> None:
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
        if envelope.type == "zdz.registry.district.updated":
            raise RuntimeError("the probe's consumer refuses district updates")
        if envelope.type == "zdz.registry.district.registered":
            loop.call_soon_threadsafe(consumed.set)

    settings = ConsumerSettings(name="probe", stream="ZDZ_REGISTRY", retry_delays=(0.2,))
    consumer = EventConsumer(registry.engine, settings, handler)
    tasks = [
        asyncio.create_task(
            publish_outbox_forever(
                registry.engine, service="registry", nats_url=nats.url, stop=stop, relay_ready=relays.append
            )
        ),
        asyncio.create_task(consumer.run(nats.url, stop)),
    ]
    channel = aio_channel(server.address, None)
    stub = registry_pb2_grpc.RegistryServiceStub(channel)
    district = registry_pb2.District(
        code="wanzhou", name="万州区", gb_code="500101", town_share_2025=35, town_share_2027=80
    )
    await stub.CreateDistrict(registry_pb2.CreateDistrictRequest(district=district), metadata=CITY)
    await asyncio.wait_for(consumed.wait(), timeout=30)
    try:  # refused: the district exists
        await stub.CreateDistrict(registry_pb2.CreateDistrictRequest(district=district), metadata=CITY)
    except grpc.aio.AioRpcError:
        pass
    district.town_share_2025 = 40
    district.version = 1
    await stub.UpdateDistrict(registry_pb2.UpdateDistrictRequest(district=district), metadata=CITY)
    for _ in range(100):  # tried, retried once, then dead-lettered
        if consumer.dead_lettered:
            break
        await asyncio.sleep(0.1)
    await asyncio.to_thread(_blocking_read, server.address)  # as the console and the CLI call
    _console_page()
    metrics = json.loads(READER.get_metrics_data().to_json(indent=None))
    stop.set()
    await asyncio.gather(*tasks)
    await channel.close()
    await server.stop(0)
    registry.engine.dispose()
    for span in EXPORTER.get_finished_spans():
        print(span.to_json(indent=None))
    print("METRICS " + json.dumps(metrics))


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(main(Path(tmp)))
    sys.stdout.flush()
