"""Registry, scoring and notify as real gRPC servers behind the auth interceptor, with real tokens per role."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import grpc

from zdz.events.v1 import refs_pb2
from zdz.notify.v1 import notify_pb2_grpc
from zdz.registry.v1 import ledger_pb2_grpc, registry_pb2, registry_pb2_grpc
from zdz.scoring.v1 import scoring_pb2_grpc
from zdz_common.auth import Principal, Role, TokenIssuer, TokenVerifier, generate_key_pair
from zdz_common.grpc_auth import AuthInterceptor, RateLimiter
from zdz_common.grpc_server import GrpcServer
from zdz_notify.bootstrap import bootstrap as bootstrap_notify
from zdz_notify.entrypoints.grpc_api import NotifyServicer
from zdz_notify.service_layer.inbox import InboxBell, InboxFeed
from zdz_registry.bootstrap import bootstrap as bootstrap_registry
from zdz_registry.bootstrap import bootstrap_ledger
from zdz_registry.directory.entrypoints.grpc_api import RegistryServicer
from zdz_registry.ledger.entrypoints.grpc_api import LedgerServicer
from zdz_scoring.adapters.registry import GrpcRegistry
from zdz_scoring.bootstrap import bootstrap as bootstrap_scoring
from zdz_scoring.entrypoints.grpc_api import ScoringServicer

PRIVATE, PUBLIC_KEY = generate_key_pair()
ISSUER = TokenIssuer(PRIVATE)

OWN_DISTRICT, OTHER_DISTRICT = "wanzhou", "fuling"
ROLES: dict[str, Principal] = {
    "unit": Principal(role=Role.UNIT, person="u.clerk", unit_id="own-unit", district_code=OWN_DISTRICT),
    "district": Principal(role=Role.DISTRICT_TASK_FORCE, person="d.clerk", district_code=OWN_DISTRICT),
    "municipal": Principal(role=Role.MUNICIPAL_TASK_FORCE, person="m.clerk"),
    "integration": Principal(role=Role.INTEGRATION, person="bayu.bot", system="bayu"),
    "integration+ledger": Principal(
        role=Role.INTEGRATION,
        person="bayu.bot",
        system="bayu",
        permissions=frozenset({"registry.ledger.write"}),
    ),
    "public": Principal(role=Role.PUBLIC, person="anyone"),
    "service": Principal(role=Role.SERVICE, person="zdz", system="zdz"),
}


def bearer(role: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {ISSUER.issue(ROLES[role])}"),)


@dataclass
class System:
    registry: registry_pb2_grpc.RegistryServiceStub
    ledger: ledger_pb2_grpc.LedgerServiceStub
    scoring: scoring_pb2_grpc.ScoringServiceStub
    notify: notify_pb2_grpc.NotifyServiceStub
    channels: dict[str, grpc.aio.Channel]
    engines: dict[str, object]
    stores: dict[str, object]


def _server(register, names: list[str]) -> GrpcServer:  # type: ignore[no-untyped-def]
    return GrpcServer(
        address="127.0.0.1:0",
        register=register,
        service_names=names,
        interceptors=[
            AuthInterceptor(
                TokenVerifier(PUBLIC_KEY), rate_limiter=RateLimiter(per_second=10_000, burst=10_000)
            )
        ],
        max_message_bytes=1024 * 1024,
    )


async def start_system(folder: Path) -> tuple[System, list]:  # type: ignore[type-arg]
    """Three servers; the registry holds two districts and, in each, the unit "own-unit" / "other-unit"."""
    registry = bootstrap_registry(f"sqlite:///{folder / 'registry.db'}")
    ledger = bootstrap_ledger(registry)
    registry_server = _server(
        [
            lambda s: registry_pb2_grpc.add_RegistryServiceServicer_to_server(RegistryServicer(registry), s),
            lambda s: ledger_pb2_grpc.add_LedgerServiceServicer_to_server(LedgerServicer(ledger), s),
        ],
        ["zdz.registry.v1.RegistryService", "zdz.registry.v1.LedgerService"],
    )
    await registry_server.start()
    client = GrpcRegistry(registry_server.address, timeout=10, token=ISSUER.issue(ROLES["service"]))
    scoring = bootstrap_scoring(f"sqlite:///{folder / 'scoring.db'}", client)
    scoring_server = _server(
        [lambda s: scoring_pb2_grpc.add_ScoringServiceServicer_to_server(ScoringServicer(scoring), s)],
        ["zdz.scoring.v1.ScoringService"],
    )
    await scoring_server.start()
    notify = bootstrap_notify(f"sqlite:///{folder / 'notify.db'}").service
    stopping = asyncio.Event()
    notify_server = _server(
        [
            lambda s: notify_pb2_grpc.add_NotifyServiceServicer_to_server(
                NotifyServicer(notify, InboxFeed(notify, InboxBell()), stopping), s
            )
        ],
        ["zdz.notify.v1.NotifyService"],
    )
    await notify_server.start()
    channels = {
        "registry": grpc.aio.insecure_channel(registry_server.address),
        "scoring": grpc.aio.insecure_channel(scoring_server.address),
        "notify": grpc.aio.insecure_channel(notify_server.address),
    }
    system = System(
        registry=registry_pb2_grpc.RegistryServiceStub(channels["registry"]),
        ledger=ledger_pb2_grpc.LedgerServiceStub(channels["registry"]),
        scoring=scoring_pb2_grpc.ScoringServiceStub(channels["scoring"]),
        notify=notify_pb2_grpc.NotifyServiceStub(channels["notify"]),
        channels=channels,
        engines={"registry": registry.engine, "scoring": scoring.engine, "notify": notify.engine},
        stores={"registry": registry.store, "scoring": scoring.store, "notify": notify.store},
    )
    city = bearer("municipal")
    for code, unit in ((OWN_DISTRICT, "own-unit"), (OTHER_DISTRICT, "other-unit")):
        await system.registry.CreateDistrict(
            registry_pb2.CreateDistrictRequest(
                district=registry_pb2.District(code=code, name=code, town_share_2025=35, town_share_2027=80)
            ),
            metadata=city,
        )
        await system.registry.CreateUnit(
            registry_pb2.CreateUnitRequest(
                unit=registry_pb2.Unit(
                    id=unit,
                    district_code=code,
                    kind=refs_pb2.UNIT_KIND_TOWN,
                    name=f"{unit}镇",
                    target_year=2027,
                )
            ),
            metadata=city,
        )

    async def stop() -> None:
        stopping.set()
        for channel in channels.values():
            await channel.close()
        for server in (notify_server, scoring_server, registry_server):
            await server.stop(0)
        client.close()
        for engine in (registry.engine, scoring.engine, notify.engine):
            engine.dispose()

    return system, [stop]
