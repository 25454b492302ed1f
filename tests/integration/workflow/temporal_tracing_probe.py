"""Run in a process of its own by test_temporal_tracing.py (the tracer provider is process-global): a command span,
then through the workflow service's own `connect()` a workflow started and updated on a real Temporal dev server,
its update running an activity on a worker made from that client. Prints the finished spans as JSON lines."""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from pathlib import Path

from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from zdz_common.telemetry import configure_tracing

EXPORTER = InMemorySpanExporter()
configure_tracing("probe", exporter=EXPORTER)

from temporalio.worker import Worker  # noqa: E402

from tests.integration.workflow.probe_workflow import ProbeProcess, record_step  # noqa: E402
from zdz_local.temporal_dev import TemporalDevServer  # noqa: E402
from zdz_workflow.temporal.client import connect  # noqa: E402


async def main(folder: Path) -> None:
    server = TemporalDevServer(
        folder / "temporal.db", headless=True, log_file=folder / "temporal.log"
    ).start()
    try:
        client = await connect(server.address, wait_seconds=30)
        async with Worker(client, task_queue="probe", workflows=[ProbeProcess], activities=[record_step]):
            with trace.get_tracer("probe").start_as_current_span("command SubmitSurvey"):
                handle = await client.start_workflow(
                    ProbeProcess.run, id=f"probe-{uuid.uuid4()}", task_queue="probe"
                )
                await handle.execute_update(ProbeProcess.submit, "survey")
            await handle.result()
    finally:
        server.stop()
    for span in EXPORTER.get_finished_spans():
        print(span.to_json(indent=None))


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(main(Path(tmp)))
