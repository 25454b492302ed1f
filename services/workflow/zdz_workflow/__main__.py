"""Run the workflow service: `zdz-workflow` (or `python -m zdz_workflow`).

One process holds the Temporal worker (the process workflows and their activities), the gRPC facade and the
outbox relay to JetStream. SIGTERM or SIGINT: the facade says NOT_SERVING and finishes its calls, the worker
finishes its activities, the relay drains, then the process exits 0.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from datetime import timedelta

from zdz.workflow.v1 import workflow_pb2, workflow_pb2_grpc
from zdz_common import migrations
from zdz_common.config import env_number
from zdz_common.consumer import EventConsumer
from zdz_common.logs import configure_logging
from zdz_common.metrics import metrics_enabled
from zdz_common.runtime import ServiceRuntime
from zdz_common.telemetry import configure_telemetry
from zdz_common.tls import aio_channel
from zdz_workflow.adapters.announcements import StoreAnnouncer
from zdz_workflow.adapters.registry import RegistryLedger, RegistryUnits
from zdz_workflow.adapters.scoring import ScoringSheets
from zdz_workflow.bootstrap import bootstrap
from zdz_workflow.config import WorkflowConfig, database_url_from_env
from zdz_workflow.domain.settings import ProcessSettings
from zdz_workflow.entrypoints import sheet_corrections, spot_check_draws
from zdz_workflow.entrypoints.grpc_api import WorkflowServicer
from zdz_workflow.temporal import client as temporal
from zdz_workflow.temporal.processes import ProcessService
from zdz_workflow.temporal.rounds import SpotCheckRounds
from zdz_workflow.temporal.stage_counts import DEFAULT_REFRESH_SECONDS, StageCounts
from zdz_workflow.temporal.worker import TASK_QUEUE, build_worker

log = logging.getLogger("zdz_workflow")

TEMPORAL_WAIT_SECONDS = 120.0


async def serve(config: WorkflowConfig) -> None:
    client = await temporal.connect(
        config.temporal_address, namespace=config.temporal_namespace, wait_seconds=TEMPORAL_WAIT_SECONDS
    )
    # The facade's own client: quick to say Temporal is out of reach (UNAVAILABLE), a deadline on every call.
    answering = await temporal.connect(
        config.temporal_address,
        namespace=config.temporal_namespace,
        answering=True,
        in_flight=config.temporal_limits.in_flight,
    )
    added = await temporal.register_search_attributes(client)
    if added:
        log.info("registered search attributes: %s", ", ".join(added))
    registry = aio_channel(config.registry_address, config.auth.tls)
    scoring = aio_channel(config.scoring_address, config.auth.tls)
    sheets = ScoringSheets(scoring, token=config.auth.service_token)
    app = bootstrap(
        config.database_url,
        holidays_dir=config.holidays_dir,
        ledger=RegistryLedger(registry, token=config.auth.service_token),
        sheets=sheets,
        migrate=False,
    )
    processes = ProcessService(
        answering,
        units=RegistryUnits(registry, token=config.auth.service_token),
        sheets=sheets,
        schedules=app.schedules,
        task_queue=TASK_QUEUE,
        settings=ProcessSettings(),
        announcer=StoreAnnouncer(app.engine, app.store),
    )
    rounds = SpotCheckRounds(answering, task_queue=TASK_QUEUE)
    worker = build_worker(
        client,
        app.activities,
        rounds=app.rounds,
        graceful_shutdown=timedelta(seconds=config.shutdown_grace_seconds),
        limits=config.temporal_limits,
    )

    async def stop_worker() -> None:  # it finishes its activities; a worker that already stopped is left be
        if worker.is_running:
            await worker.shutdown()

    runtime = ServiceRuntime.from_config("workflow", config)
    if "facade" in config.roles:  # the gRPC API; without it the process still answers health on its address
        runtime.serve(
            workflow_pb2_grpc.add_WorkflowServiceServicer_to_server,
            WorkflowServicer(processes, guard=app.guard, rounds=rounds, keys=app.engine),
            workflow_pb2,
            "WorkflowService",
        )
    if "worker" in config.roles:  # the Temporal worker, the outbox relay and the consumers: scaled apart
        runtime.run_task("workflow worker", lambda _stop: worker.run(), stop=stop_worker)
        runtime.relay_outbox(app.engine)
        follower = sheet_corrections.correction_follower(processes, sheets, asyncio.get_running_loop())
        runtime.consume(EventConsumer(app.engine, sheet_corrections.SETTINGS, follower))
        # Each municipal draw starts its spot-check round, which moves the drawn processes and releases the rest.
        starter = spot_check_draws.round_starter(rounds.start, asyncio.get_running_loop())
        runtime.consume(EventConsumer(app.engine, spot_check_draws.SETTINGS, starter))
        if metrics_enabled():  # the zdz.workflows.by_stage gauge, counted through Temporal visibility
            refresh = env_number("ZDZ_METRICS_REFRESH_SECONDS", DEFAULT_REFRESH_SECONDS)
            runtime.run_task("workflow stage counts", StageCounts(client, refresh_seconds=refresh).run)
    runtime.on_shutdown(app.engine.dispose)
    runtime.on_shutdown(registry.close)
    runtime.on_shutdown(scoring.close)
    await runtime.run(
        banner=lambda r: (
            f"workflow  grpc://{r.grpc_address}  (Temporal {config.temporal_address}, queue {TASK_QUEUE}; "
            f"runs {', '.join(sorted(config.roles))})"
        )
    )


def main() -> None:
    configure_logging("workflow")  # JSON lines with trace and span ids (ZDZ_LOG_FORMAT=text for a terminal)
    configure_telemetry("workflow")  # before any engine or channel: OTEL_* / ZDZ_TRACES_FILE, off by default
    # `migrate` upgrades the store and exits; otherwise an unmigrated, behind or newer store stops it here.
    migrations.main_with_migrate("zdz_workflow", database_url_from_env, sys.argv[1:])
    asyncio.run(serve(WorkflowConfig.from_env()))


if __name__ == "__main__":
    main()
