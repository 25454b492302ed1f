"""Verdicts are sheets, read from a real scoring service (DESIGN, rulings): the workflow's activity reads each sheet
over gRPC (adapters/scoring.py) from the scoring service, itself reading a real registry; the process takes total
and grade from the sheets as signed, refuses a sheet of the wrong signer or one scoring does not know, and a
correction signed later, followed from the scoring service's signed event, moves the process's score.

The town is tests/integration/scoring/ledgers.py's 高笋塘街道: its self-check totals 94.17, the district's acceptance
with one compound failing 91.17 and its correction 92.17 (tests/integration/scoring/test_scoring_grpc.py).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import grpc
import pytest
from sqlmodel import Session

from tests.integration.scoring.conftest import RunningScoring, start_registry, start_scoring
from tests.integration.scoring.test_scoring_grpc import DISTRICT_TEAM, _district_input, _plan, _signed, _town
from tests.integration.scoring.test_scoring_grpc import _town_input as town_sheet
from tests.integration.workflow.harness import DISTRICT, TOWN_OFFICE, Harness
from zdz.registry.v1 import ledger_pb2_grpc, registry_pb2_grpc
from zdz.scoring.v1 import scoring_pb2 as pb
from zdz.scoring.v1 import scoring_pb2_grpc
from zdz_common.envelope import to_envelope
from zdz_common.vocabulary import Grade, Stage, UnitKind
from zdz_local.temporal_dev import TemporalDevServer
from zdz_workflow.adapters.scoring import ScoringSheets
from zdz_workflow.domain.calendar import SHANGHAI
from zdz_workflow.domain.commands import (
    CompleteSurvey,
    DeclareRectificationDone,
    OpenProcess,
    RecordDistrictVerdict,
    SubmitPlan,
    SubmitSelfCheck,
)
from zdz_workflow.domain.settings import ProcessSettings
from zdz_workflow.domain.units import UnitInfo
from zdz_workflow.domain.values import Campaign
from zdz_workflow.entrypoints.sheet_corrections import correction_follower
from zdz_workflow.temporal import client as temporal
from zdz_workflow.temporal.processes import ProcessService
from zdz_workflow.temporal.workflows import ProcessWorkflow as W

# The town signs its self-check as the unit (zdz_common.auth.Role.UNIT); headers stand for its token here.
TOWN_CLERK = (
    ("x-zdz-organisation", "gaosuntang-office"),
    ("x-zdz-role", "UNIT"),
    ("x-zdz-person", "zhang-san"),
)


@dataclass
class Scoring:
    running: RunningScoring
    sheets: ScoringSheets  # the workflow's client of it


@pytest.fixture
async def scoring(tmp_path: Path) -> AsyncIterator[Scoring]:
    registry_server, registry_engine = await start_registry(tmp_path)
    service, registry_client, scoring_server = await start_scoring(
        tmp_path / "scoring.db", registry_server.address
    )
    registry_channel = grpc.aio.insecure_channel(registry_server.address)
    scoring_channel = grpc.aio.insecure_channel(scoring_server.address)
    running = RunningScoring(
        service,
        scoring_pb2_grpc.ScoringServiceStub(scoring_channel),
        registry_pb2_grpc.RegistryServiceStub(registry_channel),
        ledger_pb2_grpc.LedgerServiceStub(registry_channel),
    )
    yield Scoring(running, ScoringSheets(scoring_channel))
    await scoring_channel.close()
    await registry_channel.close()
    await scoring_server.stop(0)
    await registry_server.stop(0)
    registry_client.close()
    service.engine.dispose()
    registry_engine.dispose()


@pytest.fixture
async def harness(scoring: Scoring, tmp_path: Path) -> AsyncIterator[Harness]:
    """The workflow's activities reading sheets from the real scoring service, a worker on a dev server of its
    own: the correction goes to every running process of the unit, and the shared dev server holds other tests'
    processes of the same town, with no worker left to answer."""
    folder = tmp_path / "workflow"
    folder.mkdir()
    server = TemporalDevServer(
        folder / "temporal.db", headless=True, log_file=folder / "temporal.log"
    ).start()
    try:
        client = await temporal.connect(server.address, wait_seconds=30)
        harness = Harness.over(client, folder, scoring=scoring.sheets)
        async with harness.worker():
            yield harness
        harness.app.engine.dispose()
    finally:
        server.stop()


def self_check_sheet(town_id: str, today: str) -> pb.SheetInput:
    sheet = town_sheet(town_id)
    sheet.assessed_on = today
    return sheet


class FoundUnit:
    """The registry's unit, as the facade would look it up."""

    def __init__(self, unit: UnitInfo) -> None:
        self._unit = unit

    async def unit(self, unit_id: str) -> UnitInfo:
        return self._unit


async def test_verdicts_rest_on_sheets_read_from_the_scoring_service_and_a_correction_moves_the_score(
    scoring: Scoring, harness: Harness
) -> None:
    running = scoring.running
    town_id, _ = await _town(running)
    town = UnitInfo(
        unit_id=town_id, district_code="wanzhou", kind=UnitKind.TOWN, name="高笋塘街道", target_year=2025
    )
    today = datetime.now(SHANGHAI).date().isoformat()
    campaign = Campaign(name=f"t{uuid.uuid4().hex[:10]}")
    opened = OpenProcess(
        actor=DISTRICT,
        request_id=f"open-{campaign.name}",
        at=datetime.now(SHANGHAI),
        unit_id=town_id,
        unit_kind=UnitKind.TOWN,
        campaign=campaign,
    )
    d = await harness.start(town, clock_starts=None, open=opened)
    await d.do(W.complete_survey, CompleteSurvey, TOWN_OFFICE)
    await d.do(W.submit_plan, SubmitPlan, TOWN_OFFICE)
    await d.do(W.declare_rectification_done, DeclareRectificationDone, TOWN_OFFICE)

    # A self-check sheet the district signed is not the town's own; a sheet scoring does not know is refused.
    by_district = await _signed(running, self_check_sheet(town_id, today), DISTRICT_TEAM)
    refusal = await d.refused(W.submit_self_check, SubmitSelfCheck, TOWN_OFFICE, sheet_id=by_district.id)
    assert refusal.error.message.startswith("自查评估评分表须由建设单元（镇街或园区管理机构）签署")
    assert refusal.error.message.endswith("（附件3 三（二）1；DESIGN 裁定「结论即签署的评分表」）")
    unknown = await d.refused(W.submit_self_check, SubmitSelfCheck, TOWN_OFFICE, sheet_id="no-such-sheet")
    assert (unknown.kind, unknown.error.message) == ("NotFound", "评分服务中没有评分表「no-such-sheet」")

    # The town's own sheet applies: its total and grade are the process's.
    self_check = await _signed(running, self_check_sheet(town_id, today), TOWN_CLERK)
    view = await d.do(W.submit_self_check, SubmitSelfCheck, TOWN_OFFICE, sheet_id=self_check.id)
    assert view.state and view.state.stage is Stage.DISTRICT_ACCEPTANCE
    assert (view.state.latest_score, view.state.latest_grade) == (Decimal("94.17"), Grade.EXCELLENT)
    [read] = view.state.sheets
    assert (read.sheet_id, read.signer_role, read.pass_mark, read.excellent_mark) == (
        self_check.id,
        "UNIT",
        Decimal(80),
        Decimal(90),
    )

    # The district draws the town's plan in this stage, then signs the acceptance sheet that refers to it.
    plan = await _plan(running, town_id)
    acceptance = await _signed(running, _district_input(town_id, plan.id, assessed_on=today), DISTRICT_TEAM)
    view = await d.do(W.record_district_verdict, RecordDistrictVerdict, DISTRICT, sheet_id=acceptance.id)
    assert view.state and view.state.stage is Stage.PUBLIC_NOTICE
    assert (view.state.latest_score, view.state.latest_sheet_id) == (Decimal("91.17"), acceptance.id)
    assert view.state.sheets[-1].sampling_plan_id == plan.id

    # The district corrects item 4 (2.00 → 1.00) on a new sheet naming the first; the workflow service follows
    # the signed event to the unit's process.
    corrected = _district_input(town_id, plan.id, assessed_on=today, replaces_sheet_id=acceptance.id)
    corrected.entries.discretionary[0].points = "1"
    correction = await _signed(running, corrected, DISTRICT_TEAM)
    with Session(running.service.engine) as session:
        [signed_event] = [
            e
            for e in running.service.store.read(session, f"score_sheet-{correction.id}")
            if e.type == "zdz.scoring.score_sheet.signed"
        ]
    processes = ProcessService(
        harness.client,
        units=FoundUnit(town),
        sheets=scoring.sheets,
        schedules=harness.app.schedules,
        task_queue=harness.task_queue,
        settings=ProcessSettings(),
    )
    envelope = to_envelope(signed_event)
    await d.settled(lambda v: bool(v.state and v.state.stage is Stage.PUBLIC_NOTICE))
    # As the durable consumer runs it: in a worker thread, the calls on the service's event loop.
    follower = correction_follower(processes, scoring.sheets, asyncio.get_running_loop())
    await asyncio.to_thread(follower, None, envelope)  # type: ignore[arg-type]
    view = await d.settled(lambda v: bool(v.state and v.state.latest_sheet_id == correction.id))
    assert view.state and (view.state.latest_score, view.state.stage) == (
        Decimal("92.17"),
        Stage.PUBLIC_NOTICE,
    )
    assert view.state.history[-1].event == "SheetCorrected"
    replaced = next(s for s in view.state.sheets if s.sheet_id == acceptance.id)
    assert replaced.superseded_by_sheet_id == correction.id
    # The same event again (a redelivery) changes nothing.
    await asyncio.to_thread(follower, None, envelope)  # type: ignore[arg-type]
    assert len((await d.view()).state.history) == len(view.state.history)  # type: ignore[union-attr]
