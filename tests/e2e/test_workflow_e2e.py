"""`make run`, then another system brings in an accepted park group through the workflow service: the unit is
read from the running registry, its process runs on the Temporal dev server, and its stage event reaches JetStream
through the workflow service's event store and outbox."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime
from pathlib import Path

import grpc
import nats
from google.protobuf.timestamp_pb2 import Timestamp

from tests.e2e.make_run import start, stop, tokens
from zdz.events.v1 import envelope_pb2
from zdz.workflow.v1 import events_pb2, workflow_pb2, workflow_pb2_grpc
from zdz_local.processes import free_port

# 长寿经开区新材料产业园（晏家组团）, one of the five park groups 002 reports as accepted in 2024, under the id the
# registry gives it when it loads the official listing (uuid5 of district/kind/name).
YANJIA = "8865bd95-f014-5276-ba59-d18e9fe3d79e"


async def _first_stage_entered(nats_url: str) -> events_pb2.StageEntered:
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        deadline = asyncio.get_running_loop().time() + 30
        while True:
            try:
                message = await js.get_last_msg("ZDZ_WORKFLOW", "zdz.workflow.process.stage_entered")
                envelope = envelope_pb2.Envelope.FromString(message.data)
                return events_pb2.StageEntered.FromString(envelope.data.value)
            except Exception:
                if asyncio.get_running_loop().time() > deadline:
                    raise
                await asyncio.sleep(0.2)
    finally:
        await nc.drain()


def test_an_accepted_park_group_imported_through_the_workflow_service_reaches_jetstream(
    tmp_path: Path,
) -> None:
    workflow_address = f"127.0.0.1:{free_port()}"
    nats_port = free_port()
    env = {
        **os.environ,
        "ZDZ_DATA_DIR": str(tmp_path / "data"),
        "ZDZ_NATS_PORT": str(nats_port),
        "ZDZ_TEMPORAL_PORT": str(free_port()),
        "ZDZ_TEMPORAL_UI_PORT": str(free_port()),
        "ZDZ_REGISTRY_GRPC_ADDRESS": f"127.0.0.1:{free_port()}",
        "ZDZ_SCORING_GRPC_ADDRESS": f"127.0.0.1:{free_port()}",
        "ZDZ_WORKFLOW_GRPC_ADDRESS": workflow_address,
        "ZDZ_NOTIFY_GRPC_ADDRESS": f"127.0.0.1:{free_port()}",
        "ZDZ_NOTIFY_HTTP_ADDRESS": f"127.0.0.1:{free_port()}",
    }
    process, lines = start(env)
    printed = tokens(lines)
    # The municipal task force imports the accepted park (issue 7: only the city imports processes).
    operator = (("authorization", f"Bearer {printed['MUNICIPAL_TASK_FORCE']}"), ("x-request-id", "e2e-1"))
    try:
        since = Timestamp()
        since.FromDatetime(datetime(2024, 12, 20, 2, tzinfo=UTC))
        request = workflow_pb2.ImportProcessRequest(
            unit_id=YANJIA,
            campaign=workflow_pb2.Campaign(name="2024"),
            stage=workflow_pb2.STAGE_ACCEPTED,
            stage_since=since,
            latest_score="92.00",
            reason="2024 年达到工业园区“污水零直排区”建设标准",
        )
        with grpc.insecure_channel(workflow_address) as channel:
            stub = workflow_pb2_grpc.WorkflowServiceStub(channel)
            process_ = stub.ImportProcess(request, metadata=operator, timeout=60).process
        # The registry named the unit; the process is accepted since 2024-12-20.
        assert (process_.unit.name, process_.unit.district_code) == (
            "长寿经开区新材料产业园（晏家组团）",
            "changshou",
        )
        assert process_.stage == workflow_pb2.STAGE_ACCEPTED
        # A district task force may not import processes: refused with the rule that refused it.
        district = (("authorization", f"Bearer {printed['DISTRICT_TASK_FORCE']}"),)
        with grpc.insecure_channel(workflow_address) as channel:
            stub = workflow_pb2_grpc.WorkflowServiceStub(channel)
            try:
                stub.ImportProcess(request, metadata=district, timeout=60)
                raise AssertionError("a district imported a process")
            except grpc.RpcError as error:
                assert error.code() == grpc.StatusCode.PERMISSION_DENIED  # type: ignore[attr-defined]
                assert "issue7.import-process" in error.details()  # type: ignore[attr-defined]

        # The registry's progress (and the notify service) hear of it on JetStream.
        entered = asyncio.run(_first_stage_entered(f"nats://127.0.0.1:{nats_port}"))
        assert (entered.unit.id, entered.to_stage, entered.step) == (YANJIA, "ACCEPTED", "ProcessImported")
    finally:
        stop(process)
    assert process.returncode == 0
    assert (tmp_path / "data" / "workflow.db").exists()
