"""Findings filed as problem points in the real registry over gRPC (its LedgerService), and units read from it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import grpc
import pytest

from tests.integration.workflow.scenarios import MIXED_CONNECTION, NO_POINT
from zdz.registry.v1 import ledger_pb2, ledger_pb2_grpc, registry_pb2_grpc
from zdz_common.context import CommandContext
from zdz_common.errors import NotFound
from zdz_common.grpc_server import GrpcServer
from zdz_common.vocabulary import UnitKind
from zdz_common.vocabulary import UnitKind as RegistryUnitKind
from zdz_registry.bootstrap import bootstrap, bootstrap_ledger
from zdz_registry.directory.domain.commands import CreateDistrict, CreateUnit
from zdz_registry.directory.domain.model import DistrictTargets, UnitDetails
from zdz_registry.directory.entrypoints.grpc_api import RegistryServicer
from zdz_registry.ledger.entrypoints.grpc_api import LedgerServicer
from zdz_workflow.adapters.registry import RegistryLedger, RegistryUnits
from zdz_workflow.domain.findings import FindingsToFile, FoundBy, finding_codes
from zdz_workflow.domain.units import UnitInfo
from zdz_workflow.domain.values import Finding, LedgerPoint
from zdz_workflow.service_layer.effects import NO_LEDGER_POINT, file_findings


@dataclass
class Registry:
    channel: grpc.aio.Channel
    ledger: ledger_pb2_grpc.LedgerServiceStub
    town_id: str


@pytest.fixture
async def registry(tmp_path: Path) -> AsyncIterator[Registry]:
    """The registry's own services and gRPC servicers over a temp database, with 万州区 and one town."""
    service = bootstrap(f"sqlite:///{tmp_path / 'registry.db'}")
    ledger = bootstrap_ledger(service)
    context = CommandContext()
    service.create_district(CreateDistrict("wanzhou", "万州区", "500101", DistrictTargets(35, 80)), context)
    town = service.create_unit(
        CreateUnit("wanzhou", RegistryUnitKind.TOWN, UnitDetails("高笋塘街道", True, 2025)), context
    )
    server = GrpcServer(
        address="127.0.0.1:0",
        register=[
            lambda s: ledger_pb2_grpc.add_LedgerServiceServicer_to_server(LedgerServicer(ledger), s),
            lambda s: registry_pb2_grpc.add_RegistryServiceServicer_to_server(RegistryServicer(service), s),
        ],
        service_names=["zdz.registry.v1.LedgerService", "zdz.registry.v1.RegistryService"],
    )
    await server.start()
    async with grpc.aio.insecure_channel(server.address) as channel:
        yield Registry(channel, ledger_pb2_grpc.LedgerServiceStub(channel), town.id)
    await server.stop(0)
    service.engine.dispose()


async def test_findings_become_problem_points_with_their_task_and_a_retry_files_nothing_twice(
    registry: Registry,
) -> None:
    # The town's ledger has sewage segment WS-017; the registry tells the workflow service what the unit is.
    segment = ledger_pb2.PipeSegment(code="WS-017", network=ledger_pb2.NETWORK_TYPE_SEWAGE, length_m=120)
    await registry.ledger.RecordLedgerRow(
        ledger_pb2.RecordLedgerRowRequest(
            unit_id=registry.town_id, row=ledger_pb2.LedgerRow(pipe_segment=segment)
        )
    )
    unit = await RegistryUnits(registry.channel).unit(registry.town_id)
    assert unit == UnitInfo(registry.town_id, "wanzhou", UnitKind.TOWN, "高笋塘街道", True, 2025)

    # A failed district verdict of 2024-09-20 with three findings and the deadline 2024-11-29.
    unknown_row = Finding(
        "污水井 WS-999 满溢", point=LedgerPoint("INSPECTION_POINT", "WS-999", "OVERFLOW", "解放路 60 号")
    )
    findings = (MIXED_CONNECTION, unknown_row, NO_POINT)
    request = FindingsToFile(
        unit=unit,
        found_by=FoundBy.ACCEPTANCE,
        found_on=date(2024, 9, 20),
        finder="万州区污水零直排区工作专班",
        findings=findings,
        codes=finding_codes(FoundBy.ACCEPTANCE, "2024", "verdict-0920", len(findings)),
        rectify_by=date(2024, 11, 29),
    )
    ledger = RegistryLedger(registry.channel)
    filed, refused, pointless = await file_findings(ledger, request)

    # The first is a problem point on WS-017, found at acceptance, its task owned by the town, due 11-29.
    problem = (await registry.ledger.GetProblem(ledger_pb2.GetProblemRequest(id=filed.problem_id))).problem
    assert (problem.code, problem.entity_code, problem.type) == (
        "ACCEPTANCE-2024-" + request.codes[0].split("-")[2] + "-01",
        "WS-017",
        ledger_pb2.PROBLEM_TYPE_MIXED_CONNECTION,
    )
    assert (problem.found_by, problem.found_on, problem.finder) == (
        ledger_pb2.FOUND_BY_ACCEPTANCE,
        "2024-09-20",
        "万州区污水零直排区工作专班",
    )
    assert (problem.task.state, problem.task.owner, problem.task.deadline) == (
        ledger_pb2.TASK_STATE_OPEN,
        "高笋塘街道",
        "2024-11-29",
    )
    # The registry refuses a point on a row its ledger does not have, and says why; a finding without a
    # point is not sent at all.
    assert not refused.problem_id and "WS-999" in refused.refused
    assert pointless.refused == NO_LEDGER_POINT

    # Temporal retries an activity whose answer it did not hear: the same codes file nothing twice.
    assert await file_findings(ledger, request) == (filed, refused, pointless)
    listing = await registry.ledger.ListProblems(ledger_pb2.ListProblemsRequest(unit_id=registry.town_id))
    assert listing.total_size == 1


async def test_an_unknown_unit_is_not_found_in_the_registry(registry: Registry) -> None:
    with pytest.raises(NotFound):
        await RegistryUnits(registry.channel).unit("no-such-unit")
