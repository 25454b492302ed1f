"""Run the registry: `zdz-registry` (or `python -m zdz_registry`)."""

from __future__ import annotations

import asyncio
import logging
import sys

from zdz.registry.v1 import ledger_pb2, ledger_pb2_grpc, registry_pb2, registry_pb2_grpc
from zdz_common import migrations
from zdz_common.consumer import EventConsumer
from zdz_common.logs import configure_logging
from zdz_common.runtime import ServiceRuntime
from zdz_common.telemetry import configure_telemetry, untraced
from zdz_registry.bootstrap import bootstrap, bootstrap_ledger
from zdz_registry.config import RegistryConfig, database_url_from_env
from zdz_registry.directory.entrypoints.grpc_api import RegistryServicer
from zdz_registry.directory.service_layer.official_data import load_official_data
from zdz_registry.ledger.entrypoints import workflow_events
from zdz_registry.ledger.entrypoints.grpc_api import LedgerServicer

log = logging.getLogger("zdz_registry")


async def serve(config: RegistryConfig) -> None:
    directory = bootstrap(config.database_url, migrate=False)
    ledger = bootstrap_ledger(directory)
    if config.load_official_data:
        with untraced():  # the start-up load is no one's command: it starts no trace
            report = await asyncio.to_thread(load_official_data, directory, villages=config.load_villages)
        log.info(
            "official data loaded: %d districts, %d units new; %d already present",
            report.districts_created,
            report.units_created,
            report.already_present,
        )
    runtime = ServiceRuntime.from_config("registry", config)
    runtime.serve(
        registry_pb2_grpc.add_RegistryServiceServicer_to_server,
        RegistryServicer(directory),
        registry_pb2,
        "RegistryService",
    )
    runtime.serve(
        ledger_pb2_grpc.add_LedgerServiceServicer_to_server,
        LedgerServicer(ledger),
        ledger_pb2,
        "LedgerService",
    )
    runtime.relay_outbox(directory.engine)
    runtime.consume(
        EventConsumer(directory.engine, workflow_events.SETTINGS, workflow_events.stage_follower(ledger))
    )
    runtime.on_shutdown(directory.engine.dispose)
    await runtime.run(banner=lambda r: f"registry  grpc://{r.grpc_address}")


def main() -> None:
    configure_logging("registry")  # JSON lines with trace and span ids (ZDZ_LOG_FORMAT=text for a terminal)
    configure_telemetry("registry")  # before any engine or channel: OTEL_* / ZDZ_TRACES_FILE, off by default
    # `migrate` upgrades the store and exits; otherwise an unmigrated, behind or newer store stops it here.
    migrations.main_with_migrate("zdz_registry", database_url_from_env, sys.argv[1:])
    asyncio.run(serve(RegistryConfig.from_env()))


if __name__ == "__main__":
    main()
