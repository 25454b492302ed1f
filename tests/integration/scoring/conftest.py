"""The registry's and the scoring service's real gRPC servers in-process, each on a free loopback port over its
own SQLite database; the scoring service reads the registry over gRPC exactly as in production."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from sqlalchemy.engine import Engine

from zdz.registry.v1 import ledger_pb2_grpc, registry_pb2, registry_pb2_grpc
from zdz.scoring.v1 import scoring_pb2, scoring_pb2_grpc
from zdz_common.grpc_server import GrpcServer
from zdz_registry.bootstrap import bootstrap as bootstrap_registry
from zdz_registry.bootstrap import bootstrap_ledger
from zdz_registry.directory.entrypoints.grpc_api import RegistryServicer
from zdz_registry.ledger.entrypoints.grpc_api import LedgerServicer
from zdz_scoring.adapters.registry import GrpcRegistry
from zdz_scoring.bootstrap import bootstrap
from zdz_scoring.entrypoints.grpc_api import ScoringServicer
from zdz_scoring.service_layer.services import ScoringService


@dataclass
class RunningScoring:
    service: ScoringService
    scoring: scoring_pb2_grpc.ScoringServiceStub
    units: registry_pb2_grpc.RegistryServiceStub
    ledger: ledger_pb2_grpc.LedgerServiceStub


async def start_scoring(
    database: Path, registry_address: str
) -> tuple[ScoringService, GrpcRegistry, GrpcServer]:
    registry = GrpcRegistry(registry_address, timeout=10)
    service = bootstrap(f"sqlite:///{database}", registry)
    server = GrpcServer(
        address="127.0.0.1:0",
        register=[
            lambda s: scoring_pb2_grpc.add_ScoringServiceServicer_to_server(ScoringServicer(service), s)
        ],
        service_names=[scoring_pb2.DESCRIPTOR.services_by_name["ScoringService"].full_name],
    )
    await server.start()
    return service, registry, server


async def start_registry(folder: Path) -> tuple[GrpcServer, Engine]:
    """The registry's directory and ledger on one in-process gRPC server; returns it and its engine."""
    registry_service = bootstrap_registry(f"sqlite:///{folder / 'registry.db'}")
    ledger_service = bootstrap_ledger(registry_service)
    registry_server = GrpcServer(
        address="127.0.0.1:0",
        register=[
            lambda s: registry_pb2_grpc.add_RegistryServiceServicer_to_server(
                RegistryServicer(registry_service), s
            ),
            lambda s: ledger_pb2_grpc.add_LedgerServiceServicer_to_server(LedgerServicer(ledger_service), s),
        ],
        service_names=[
            registry_pb2.DESCRIPTOR.services_by_name["RegistryService"].full_name,
            "zdz.registry.v1.LedgerService",
        ],
    )
    await registry_server.start()
    return registry_server, registry_service.engine


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[RunningScoring]:
    registry_server, registry_engine = await start_registry(tmp_path)
    service, registry_client, scoring_server = await start_scoring(
        tmp_path / "scoring.db", registry_server.address
    )
    registry_channel = grpc.aio.insecure_channel(registry_server.address)
    scoring_channel = grpc.aio.insecure_channel(scoring_server.address)
    yield RunningScoring(
        service,
        scoring_pb2_grpc.ScoringServiceStub(scoring_channel),
        registry_pb2_grpc.RegistryServiceStub(registry_channel),
        ledger_pb2_grpc.LedgerServiceStub(registry_channel),
    )
    await scoring_channel.close()
    await registry_channel.close()
    await scoring_server.stop(0)
    await registry_server.stop(0)
    registry_client.close()
    service.engine.dispose()
    registry_engine.dispose()
