"""Run the scoring service: `zdz-scoring` (or `python -m zdz_scoring`)."""

from __future__ import annotations

import asyncio
import sys

from zdz.scoring.v1 import scoring_pb2, scoring_pb2_grpc
from zdz_common import migrations
from zdz_common.logs import configure_logging
from zdz_common.runtime import ServiceRuntime
from zdz_common.telemetry import configure_telemetry
from zdz_scoring.adapters.registry import GrpcRegistry
from zdz_scoring.bootstrap import bootstrap
from zdz_scoring.config import ScoringConfig, database_url_from_env
from zdz_scoring.entrypoints.grpc_api import ScoringServicer


async def serve(config: ScoringConfig) -> None:
    registry = GrpcRegistry(config.registry_address, token=config.auth.service_token, tls=config.auth.tls)
    service = bootstrap(config.database_url, registry, migrate=False)
    runtime = ServiceRuntime.from_config("scoring", config)
    runtime.serve(
        scoring_pb2_grpc.add_ScoringServiceServicer_to_server,
        ScoringServicer(service),
        scoring_pb2,
        "ScoringService",
    )
    runtime.relay_outbox(service.engine)
    runtime.on_shutdown(service.engine.dispose)
    runtime.on_shutdown(registry.close)
    await runtime.run(
        banner=lambda r: f"scoring   grpc://{r.grpc_address}  (registry at {config.registry_address})"
    )


def main() -> None:
    configure_logging("scoring")  # JSON lines with trace and span ids (ZDZ_LOG_FORMAT=text for a terminal)
    configure_telemetry("scoring")  # before any engine or channel: OTEL_* / ZDZ_TRACES_FILE, off by default
    # `migrate` upgrades the store and exits; otherwise an unmigrated, behind or newer store stops it here.
    migrations.main_with_migrate("zdz_scoring", database_url_from_env, sys.argv[1:])
    asyncio.run(serve(ScoringConfig.from_env()))


if __name__ == "__main__":
    main()
