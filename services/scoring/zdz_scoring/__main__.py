"""Run the scoring service: `python -m zdz_scoring`."""

from __future__ import annotations

import asyncio
import logging

from zdz.scoring.v1 import scoring_pb2, scoring_pb2_grpc
from zdz_common.grpc_auth import server_interceptors
from zdz_common.grpc_server import GrpcServer, stop_on_signals
from zdz_common.outbox import OutboxRelay, publish_outbox_forever
from zdz_scoring.adapters.registry import GrpcRegistry
from zdz_scoring.bootstrap import bootstrap
from zdz_scoring.config import ScoringConfig
from zdz_scoring.entrypoints.grpc_api import ScoringServicer

log = logging.getLogger("zdz_scoring")


async def serve(config: ScoringConfig) -> None:
    loop = asyncio.get_running_loop()
    relays: list[OutboxRelay] = []

    def wake_relay() -> None:  # called from worker threads after each commit
        for relay in relays:
            loop.call_soon_threadsafe(relay.wake)

    registry = GrpcRegistry(config.registry_address, token=config.auth.service_token, tls=config.auth.tls)
    service = bootstrap(config.database_url, registry, on_commit=wake_relay)
    stop = asyncio.Event()
    stop_on_signals(stop)
    publisher = asyncio.create_task(
        publish_outbox_forever(
            service.engine, service="scoring", nats_url=config.nats_url, stop=stop, relay_ready=relays.append
        )
    )
    server = GrpcServer(
        address=config.grpc_address,
        register=[
            lambda s: scoring_pb2_grpc.add_ScoringServiceServicer_to_server(ScoringServicer(service), s)
        ],
        service_names=[scoring_pb2.DESCRIPTOR.services_by_name["ScoringService"].full_name],
        interceptors=server_interceptors(config.auth),
        max_message_bytes=config.auth.max_message_bytes,
        tls=config.auth.tls,
    )
    await server.start()
    print(f"scoring   grpc://{server.address}  (registry at {config.registry_address})", flush=True)
    await stop.wait()
    log.info("scoring: shutting down")
    await server.stop(config.shutdown_grace_seconds)
    await publisher
    registry.close()
    service.engine.dispose()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(serve(ScoringConfig.from_env()))


if __name__ == "__main__":
    main()
