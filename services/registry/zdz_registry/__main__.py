"""Run the registry: `python -m zdz_registry`."""

from __future__ import annotations

import asyncio
import logging

from zdz.registry.v1 import ledger_pb2, ledger_pb2_grpc, registry_pb2, registry_pb2_grpc
from zdz_common.consumer import EventConsumer
from zdz_common.grpc_auth import server_interceptors
from zdz_common.grpc_server import GrpcServer, stop_on_signals
from zdz_common.outbox import OutboxRelay, publish_outbox_forever
from zdz_registry.bootstrap import bootstrap, bootstrap_ledger
from zdz_registry.config import RegistryConfig
from zdz_registry.directory.entrypoints.grpc_api import RegistryServicer
from zdz_registry.directory.service_layer.official_data import load_official_data
from zdz_registry.ledger.entrypoints import workflow_events
from zdz_registry.ledger.entrypoints.grpc_api import LedgerServicer

log = logging.getLogger("zdz_registry")


async def serve(config: RegistryConfig) -> None:
    loop = asyncio.get_running_loop()
    relays: list[OutboxRelay] = []

    def wake_relay() -> None:  # called from worker threads after each commit
        for relay in relays:
            loop.call_soon_threadsafe(relay.wake)

    service = bootstrap(config.database_url, on_commit=wake_relay)
    ledger = bootstrap_ledger(service)
    if config.load_official_data:
        report = await asyncio.to_thread(load_official_data, service)
        log.info(
            "official data loaded: %d districts, %d units new; %d already present",
            report.districts_created,
            report.units_created,
            report.already_present,
        )
    stop = asyncio.Event()
    stop_on_signals(stop)
    publisher = asyncio.create_task(
        publish_outbox_forever(
            service.engine, service="registry", nats_url=config.nats_url, stop=stop, relay_ready=relays.append
        )
    )
    follower = EventConsumer(service.engine, workflow_events.SETTINGS, workflow_events.stage_follower(ledger))
    following = asyncio.create_task(follower.run(config.nats_url, stop))
    server = GrpcServer(
        address=config.grpc_address,
        register=[
            lambda s: registry_pb2_grpc.add_RegistryServiceServicer_to_server(RegistryServicer(service), s),
            lambda s: ledger_pb2_grpc.add_LedgerServiceServicer_to_server(LedgerServicer(ledger), s),
        ],
        service_names=[
            registry_pb2.DESCRIPTOR.services_by_name["RegistryService"].full_name,
            ledger_pb2.DESCRIPTOR.services_by_name["LedgerService"].full_name,
        ],
        interceptors=server_interceptors(config.auth),
        max_message_bytes=config.auth.max_message_bytes,
        tls=config.auth.tls,
    )
    await server.start()
    print(f"registry  grpc://{server.address}", flush=True)
    await stop.wait()
    log.info("registry: shutting down")
    await server.stop(config.shutdown_grace_seconds)
    await publisher
    await following
    service.engine.dispose()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(serve(RegistryConfig.from_env()))


if __name__ == "__main__":
    main()
