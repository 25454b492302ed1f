"""Run the workflow service: `python -m zdz_workflow`.

One process holds the Temporal worker (the process workflows and their activities), the gRPC facade and the
outbox relay to JetStream. SIGTERM or SIGINT: the facade says NOT_SERVING and finishes its calls, the worker
finishes its activities, the relay drains, then the process exits 0.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from zdz.workflow.v1 import workflow_pb2, workflow_pb2_grpc
from zdz_common.authorisation import Guard
from zdz_common.grpc_auth import server_interceptors
from zdz_common.grpc_server import GrpcServer, stop_on_signals
from zdz_common.outbox import OutboxRelay, publish_outbox_forever
from zdz_common.tls import aio_channel
from zdz_workflow.adapters import temporal
from zdz_workflow.adapters.registry import RegistryLedger, RegistryUnits
from zdz_workflow.bootstrap import bootstrap
from zdz_workflow.config import WorkflowConfig
from zdz_workflow.domain.permissions import WORKFLOW_POLICY
from zdz_workflow.entrypoints.grpc_api import WorkflowServicer
from zdz_workflow.service_layer.processes import ProcessService
from zdz_workflow.shared import ProcessSettings
from zdz_workflow.worker import TASK_QUEUE, build_worker

log = logging.getLogger("zdz_workflow")

TEMPORAL_WAIT_SECONDS = 120.0


async def serve(config: WorkflowConfig) -> None:
    loop = asyncio.get_running_loop()
    relays: list[OutboxRelay] = []

    def wake_relay() -> None:  # called from worker threads after each commit
        for relay in relays:
            loop.call_soon_threadsafe(relay.wake)

    stop = asyncio.Event()
    stop_on_signals(stop)
    client = await temporal.connect(
        config.temporal_address, namespace=config.temporal_namespace, wait_seconds=TEMPORAL_WAIT_SECONDS
    )
    added = await temporal.register_search_attributes(client)
    if added:
        log.info("registered search attributes: %s", ", ".join(added))
    registry = aio_channel(config.registry_address, config.auth.tls)
    app = bootstrap(
        config.database_url,
        holidays_dir=config.holidays_dir,
        ledger=RegistryLedger(registry, token=config.auth.service_token),
        on_commit=wake_relay,
    )
    settings = ProcessSettings(look_back_failure_limit=config.look_back_failure_limit)
    processes = ProcessService(
        client,
        units=RegistryUnits(registry, token=config.auth.service_token),
        schedules=app.schedules,
        task_queue=TASK_QUEUE,
        settings=settings,
    )
    worker = build_worker(
        client, app.activities, graceful_shutdown=timedelta(seconds=config.shutdown_grace_seconds)
    )
    publisher = asyncio.create_task(
        publish_outbox_forever(
            app.engine, service="workflow", nats_url=config.nats_url, stop=stop, relay_ready=relays.append
        )
    )
    working = asyncio.create_task(worker.run())
    guard = Guard(WORKFLOW_POLICY, service="workflow", engine=app.engine, store=app.store)
    server = GrpcServer(
        address=config.grpc_address,
        register=[
            lambda s: workflow_pb2_grpc.add_WorkflowServiceServicer_to_server(
                WorkflowServicer(processes, guard=guard), s
            )
        ],
        service_names=[workflow_pb2.DESCRIPTOR.services_by_name["WorkflowService"].full_name],
        interceptors=server_interceptors(config.auth),
        max_message_bytes=config.auth.max_message_bytes,
        tls=config.auth.tls,
    )
    await server.start()
    print(
        f"workflow  grpc://{server.address}  (Temporal {config.temporal_address}, queue {TASK_QUEUE})",
        flush=True,
    )
    await asyncio.wait([asyncio.create_task(stop.wait()), working], return_when=asyncio.FIRST_COMPLETED)
    log.info("workflow: shutting down")
    await server.stop(config.shutdown_grace_seconds)
    if not working.done():
        await worker.shutdown()
    stop.set()
    await publisher
    await registry.close()
    app.engine.dispose()
    await working  # re-raises when the worker stopped on its own (a fatal error)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(serve(WorkflowConfig.from_env()))


if __name__ == "__main__":
    main()
