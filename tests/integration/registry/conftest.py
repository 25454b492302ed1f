"""A real registry gRPC server in-process, on a free loopback port, over a real database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
import pytest

from zdz.registry.v1 import registry_pb2, registry_pb2_grpc
from zdz_common.grpc_server import GrpcServer
from zdz_registry.bootstrap import bootstrap
from zdz_registry.directory.entrypoints.grpc_api import RegistryServicer
from zdz_registry.directory.service_layer.services import RegistryService


@dataclass
class RunningRegistry:
    service: RegistryService
    stub: registry_pb2_grpc.RegistryServiceStub
    channel: grpc.aio.Channel
    address: str


@pytest.fixture
async def registry(database_url: str) -> AsyncIterator[RunningRegistry]:
    service = bootstrap(database_url)
    server = GrpcServer(
        address="127.0.0.1:0",
        register=[
            lambda s: registry_pb2_grpc.add_RegistryServiceServicer_to_server(RegistryServicer(service), s)
        ],
        service_names=[registry_pb2.DESCRIPTOR.services_by_name["RegistryService"].full_name],
    )
    await server.start()
    channel = grpc.aio.insecure_channel(server.address)
    yield RunningRegistry(service, registry_pb2_grpc.RegistryServiceStub(channel), channel, server.address)
    await channel.close()
    await server.stop(0)
    service.engine.dispose()
