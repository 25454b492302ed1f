"""`make run`, then another system brings in an accepted park group through the workflow service: the unit is
read from the running registry, its verdict is the district's paper acceptance sheet imported with its evidence
into the scoring service, its process runs on the Temporal dev server, and its stage event reaches JetStream
through the workflow service's event store and outbox."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime
from pathlib import Path

import grpc
import nats
from google.protobuf.timestamp_pb2 import Timestamp

from tests.e2e.ledgers import Survey, park_rows
from tests.e2e.make_run import start, stop, tokens
from tests.e2e.programme import Programme
from zdz.events.v1 import envelope_pb2
from zdz.registry.v1 import ledger_pb2, registry_pb2
from zdz.scoring.v1 import scoring_pb2
from zdz.workflow.v1 import events_pb2, workflow_pb2, workflow_pb2_grpc
from zdz_local.processes import free_port

# 长寿经开区新材料产业园（晏家组团）, one of the five park groups 002 reports as accepted in 2024, under the id the
# registry gives it when it loads the official listing (uuid5 of district/kind/name).
YANJIA = "8865bd95-f014-5276-ba59-d18e9fe3d79e"


def _paper_acceptance_sheet(programme: Programme) -> scoring_pb2.ScoreSheet:
    """晏家's ledger as its clerk imports it, its tasks verified by 长寿区, and the district's 2024 acceptance sheet,
    signed on paper, imported by the city with its evidence (the ledger it is scored from must exist)."""
    unit = programme.call(
        programme.registry.GetUnit, registry_pb2.GetUnitRequest(id=YANJIA), programme.city
    ).unit
    programme.import_ledger(
        unit, park_rows(Survey("2024-07-10", "2024-08-01", "2024-10-31", "2024-08-05", "2024-10-01"))
    )
    district = programme.district_caller(unit.district_code)
    problems = programme.call(
        programme.ledger.ListProblems, ledger_pb2.ListProblemsRequest(unit_id=YANJIA), district
    ).problems
    for problem in problems:
        programme.call(
            programme.ledger.VerifyTask,
            ledger_pb2.VerifyTaskRequest(
                unit_id=YANJIA,
                problem_id=problem.id,
                step=ledger_pb2.Step(on="2024-11-15", evidence=["核验记录"]),
            ),
            district,
        )
    request = scoring_pb2.ImportSignedSheetRequest(
        input=scoring_pb2.SheetInput(
            unit_id=YANJIA,
            sheet_kind=scoring_pb2.SHEET_KIND_DISTRICT_ACCEPTANCE,
            assessor="长寿区工作专班",
            assessed_on="2024-12-05",
            entries=scoring_pb2.AssessorEntries(
                application_date="2024-11-20",
                events=[
                    scoring_pb2.DatedEvent(
                        item=13, kind=scoring_pb2.EVENT_KIND_EMERGENCY_DRILL, occurred_on="2024-06-05"
                    )
                ],
            ),
            panel_members=[
                scoring_pb2.PanelMember(name="刘一", organisation="长寿区生态环境局", duty="组长")
            ],
        ),
        signer_organisation="district:changshou",
        signer_role="DISTRICT_TASK_FORCE",
        signer_person="刘一",
        signed_on="2024-12-05",
        evidence=["长寿区零直排验收意见（扫描件）"],
    )
    sheet = programme.call(programme.scoring.ImportSignedSheet, request, programme.city).sheet
    assert (sheet.state, sheet.imported) == (scoring_pb2.SHEET_STATE_SIGNED, True)
    return sheet


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
    programme = Programme(env, tmp_path / "data")
    # The municipal task force imports the accepted park (issue 7: only the city imports processes).
    operator = (("authorization", f"Bearer {printed['MUNICIPAL_TASK_FORCE']}"), ("x-request-id", "e2e-1"))
    try:
        sheet = _paper_acceptance_sheet(programme)
        since = Timestamp()
        since.FromDatetime(datetime(2024, 12, 20, 2, tzinfo=UTC))
        request = workflow_pb2.ImportProcessRequest(
            unit_id=YANJIA,
            campaign=workflow_pb2.Campaign(name="2024"),
            stage=workflow_pb2.STAGE_ACCEPTED,
            stage_since=since,
            sheet_ids=[sheet.id],
            filing_number="长寿零直排备〔2024〕1号",
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
        # Its score and grade are the imported sheet's.
        assert (process_.latest_sheet.sheet_id, process_.latest_sheet.imported) == (sheet.id, True)
        assert process_.latest_score == sheet.result.total
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
        # Every consumer applied every event it was given: none left pending, none dead-lettered (issue 16).
        programme.settle()
        dead, _pending = programme.queues()
        assert dead == 0, f"{dead} events dead-lettered (ZDZ_DEADLETTER): see the services' logs"
    finally:
        programme.close()
        stop(process)
    assert process.returncode == 0
    assert (tmp_path / "data" / "workflow.db").exists()
