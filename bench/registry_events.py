"""Events per second from a gRPC write to the JetStream ack, against raw nats-py acked publishes at the same
concurrency.

Both run against the same nats-server in the same run. `python -m bench.registry_events [N]`.

The registry is measured twice: in its own process, as it is deployed (the gRPC clients in the bench's process),
and in the bench's process, where the clients share its interpreter (and its GIL) with the server.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import tempfile
from collections.abc import Awaitable, Callable
from multiprocessing.connection import Connection
from pathlib import Path

import grpc
import nats

from bench.common import print_table, scale_argument, timed
from zdz.events.v1 import refs_pb2
from zdz.registry.v1 import registry_pb2 as pb
from zdz.registry.v1 import registry_pb2_grpc
from zdz_common.grpc_server import GrpcServer
from zdz_common.nats_streams import ensure_stream, stream_name
from zdz_common.outbox import OutboxRelay, publish_outbox_forever
from zdz_local.nats_server import NatsServer
from zdz_registry.bootstrap import bootstrap
from zdz_registry.directory.entrypoints.grpc_api import RegistryServicer

CONCURRENCY = 16


async def raw_publish_loop(url: str, count: int) -> float:
    """The baseline: acked JetStream publishes with Nats-Msg-Id, nothing else, from CONCURRENCY publishers each
    awaiting its ack before the next (the same concurrency as the gRPC clients)."""
    nc = await nats.connect(url)
    js = nc.jetstream()
    await js.add_stream(name="BENCH_RAW", subjects=["bench.raw.>"])
    payload = b"x" * 200
    numbers = iter(range(count))

    async def publisher() -> None:
        for n in numbers:
            await js.publish("bench.raw.event", payload, headers={"Nats-Msg-Id": f"raw-{n}"})

    with timed() as timer:
        await asyncio.gather(*(publisher() for _ in range(CONCURRENCY)))
    await nc.drain()
    return timer.seconds


async def serve_registry(
    url: str, database: Path, started: Callable[[str], None], stopped: Callable[[], Awaitable[None]]
) -> None:
    """The registry's directory over gRPC with its outbox relay, from `started(address)` until `stopped()`."""
    relays: list[OutboxRelay] = []
    service = bootstrap(
        f"sqlite:///{database}",
        on_commit=lambda: [r.wake() for r in relays],  # type: ignore[func-returns-value]
    )
    stop = asyncio.Event()
    publisher = asyncio.create_task(
        publish_outbox_forever(
            service.engine, service="registry", nats_url=url, stop=stop, relay_ready=relays.append
        )
    )
    server = GrpcServer(
        address="127.0.0.1:0",
        register=[
            lambda s: registry_pb2_grpc.add_RegistryServiceServicer_to_server(RegistryServicer(service), s)
        ],
        service_names=["zdz.registry.v1.RegistryService"],
    )
    await server.start()
    started(server.address)
    await stopped()
    stop.set()
    await publisher
    await server.stop(0)
    service.engine.dispose()


def _registry_process(url: str, database: Path, pipe: Connection) -> None:
    """The child process: serve, send the address, stop when the parent says so."""
    asyncio.run(serve_registry(url, database, pipe.send, lambda: asyncio.to_thread(pipe.recv)))


async def grpc_to_jetstream(url: str, database: Path, count: int, *, own_process: bool) -> float:
    """CreateUnit over gRPC → event, read model and outbox in one transaction → relay → JetStream ack; the
    registry in a process of its own, or in this one."""
    if own_process:
        pipe, child_end = multiprocessing.get_context("spawn").Pipe()
        child = multiprocessing.get_context("spawn").Process(
            target=_registry_process, args=(url, database, child_end)
        )
        child.start()
        address = await asyncio.to_thread(pipe.recv)
        served: asyncio.Task[None] | None = None
    else:
        ready: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        finished = asyncio.Event()
        served = asyncio.create_task(serve_registry(url, database, ready.set_result, finished.wait))
        address = await ready
    try:
        return await _write_and_wait(url, address, count)
    finally:
        if served is None:
            pipe.send("stop")
            await asyncio.to_thread(child.join, 30)
        else:
            finished.set()
            await served


async def _write_and_wait(url: str, address: str, count: int) -> float:
    channel = grpc.aio.insecure_channel(address)
    stub = registry_pb2_grpc.RegistryServiceStub(channel)
    await stub.CreateDistrict(
        pb.CreateDistrictRequest(
            district=pb.District(code="bench", name="基准区", town_share_2025=30, town_share_2027=80)
        )
    )
    nc = await nats.connect(url)
    js = nc.jetstream()
    await ensure_stream(js, "registry")
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(count):
        queue.put_nowait(n)

    async def writer() -> None:
        while not queue.empty():
            n = queue.get_nowait()
            unit = pb.Unit(
                district_code="bench", kind=refs_pb2.UNIT_KIND_TOWN, name=f"基准镇{n:06d}", target_year=2027
            )
            await stub.CreateUnit(pb.CreateUnitRequest(unit=unit))

    with timed() as timer:
        await asyncio.gather(*(writer() for _ in range(CONCURRENCY)))
        while (await js.stream_info(stream_name("registry"))).state.messages < count + 1:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    await channel.close()
    await nc.drain()
    return timer.seconds


async def run(count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        server = NatsServer(base / "jetstream").start()
        try:
            raw = await raw_publish_loop(server.url, count)
            own = await grpc_to_jetstream(server.url, base / "registry.db", count, own_process=True)
            shared = await grpc_to_jetstream(server.url, base / "shared.db", count, own_process=False)
        finally:
            server.stop()
    print_table(
        f"registry: events per second, gRPC write → JetStream ack (nats-server sync_interval=always, {CONCURRENCY} "
        "concurrent gRPC clients)",
        [
            (f"raw nats-py acked publish, {CONCURRENCY} publishers (baseline)", count, raw),
            ("gRPC CreateUnit → SQLite event+outbox → JetStream, registry in its own process", count, own),
            ("the same, registry in the clients' process (one GIL)", count, shared),
        ],
        baseline=f"raw nats-py acked publish, {CONCURRENCY} publishers (baseline)",
    )


def main(argv: list[str] | None = None) -> None:
    count, _, _, tiny = scale_argument(argv, 2000)
    asyncio.run(run(20 if tiny else count))


if __name__ == "__main__":
    main()
