"""A registry store served by the real ServiceRuntime (its API, its outbox relay, the OperationsService the relay
brings), with a probe consumer of the registry stream that records each event it applies: the set-up of the
re-feed tests (RPC and `zdz ops refeed`)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import grpc
import sqlalchemy as sa
from sqlmodel import Session, SQLModel, func, select

from zdz.events.v1.envelope_pb2 import Envelope
from zdz.ops.v1 import operations_pb2_grpc
from zdz.registry.v1 import registry_pb2, registry_pb2_grpc
from zdz_common.config import AuthSettings
from zdz_common.consumer import ConsumerSettings, EventConsumer
from zdz_common.context import CommandContext
from zdz_common.eventstore import STORE_TABLES, EventRecord, OutboxRecord, create_store_engine
from zdz_common.nats_streams import stream_name
from zdz_common.runtime import ServiceRuntime
from zdz_common.vocabulary import UnitKind
from zdz_registry.bootstrap import bootstrap
from zdz_registry.directory.domain.commands import CreateDistrict, CreateUnit
from zdz_registry.directory.domain.model import DistrictTargets, UnitDetails
from zdz_registry.directory.entrypoints.grpc_api import RegistryServicer
from zdz_registry.directory.service_layer.services import RegistryService

STREAM = stream_name("registry")
PROBE = "refeed-probe"
PROBE_TABLES = sa.MetaData()
APPLIED = sa.Table("refeed_probe_applied", PROBE_TABLES, sa.Column("event_id", sa.String(36), nullable=False))
UNITS = 4  # with the district: five events, positions 1–5
CITY = (("x-zdz-organisation", "municipal"), ("x-zdz-role", "MUNICIPAL_TASK_FORCE"), ("x-zdz-person", "zhou"))


def _apply(session: Session, envelope: Envelope) -> None:
    session.execute(APPLIED.insert().values(event_id=envelope.id))


@dataclass
class RunningStore:
    runtime: ServiceRuntime
    directory: RegistryService
    consumer: EventConsumer
    consumer_engine: sa.Engine
    channel: grpc.aio.Channel

    @property
    def address(self) -> str:
        return self.runtime.grpc_address

    @property
    def operations(self) -> operations_pb2_grpc.OperationsServiceStub:
        return operations_pb2_grpc.OperationsServiceStub(self.channel)

    def event_ids(self) -> list[str]:
        """The stored events' ids, in position order (position n is index n-1)."""
        with Session(self.directory.engine) as session:
            return list(session.exec(select(EventRecord.event_id).order_by(EventRecord.position)).all())  # type: ignore[arg-type]

    def unsent(self) -> int:
        with Session(self.directory.engine) as session:
            return int(
                session.exec(
                    select(func.count()).select_from(OutboxRecord).where(OutboxRecord.sent_at.is_(None))  # type: ignore[union-attr]
                ).one()
            )

    def applied(self) -> list[str]:
        with self.consumer_engine.connect() as connection:
            return [row[0] for row in connection.execute(sa.select(APPLIED.c.event_id))]

    def events_of_type(self, event_type: str) -> int:
        with Session(self.directory.engine) as session:
            return int(
                session.exec(
                    select(func.count()).select_from(EventRecord).where(EventRecord.type == event_type)
                ).one()
            )


async def until(predicate: Callable[[], bool | Awaitable[bool]], within: float = 30.0) -> None:
    """Wait until `predicate` (sync or async) holds."""
    for _ in range(int(within / 0.05)):
        outcome = predicate()
        if await outcome if isinstance(outcome, Awaitable) else outcome:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached in time")


@asynccontextmanager
async def running_store(
    tmp_path: Path, nats_url: str, *, public_key_file: Path | None = None
) -> AsyncIterator[RunningStore]:
    """A district and UNITS towns in a registry store, published by the runtime's relay and applied once by
    the probe consumer before the block starts; authentication on when `public_key_file` is given."""
    directory = bootstrap(f"sqlite:///{tmp_path / 'registry.db'}")
    context = CommandContext()
    directory.create_district(CreateDistrict("wanzhou", "万州区", "500101", DistrictTargets(35, 80)), context)
    for n in range(UNITS):
        directory.create_unit(
            CreateUnit("wanzhou", UnitKind.TOWN, UnitDetails(f"测试镇{n}", True, 2027)), context
        )
    consumer_engine = create_store_engine(f"sqlite:///{tmp_path / 'probe.db'}")
    SQLModel.metadata.create_all(consumer_engine, tables=STORE_TABLES)
    PROBE_TABLES.create_all(consumer_engine)
    consumer = EventConsumer(consumer_engine, ConsumerSettings(name=PROBE, stream=STREAM), _apply)
    runtime = ServiceRuntime(
        "registry",
        grpc_address="127.0.0.1:0",
        nats_url=nats_url,
        auth=AuthSettings(public_key_file=public_key_file),
        shutdown_grace_seconds=0,
    )
    runtime.serve(
        registry_pb2_grpc.add_RegistryServiceServicer_to_server,
        RegistryServicer(directory),
        registry_pb2,
        "RegistryService",
    )
    runtime.relay_outbox(directory.engine)
    runtime.consume(consumer)
    await runtime.start()
    channel = grpc.aio.insecure_channel(runtime.grpc_address)
    store = RunningStore(runtime, directory, consumer, consumer_engine, channel)
    try:
        await until(lambda: store.unsent() == 0 and consumer.processed == 1 + UNITS)
        yield store
    finally:
        await channel.close()
        await runtime.stop()
        directory.engine.dispose()
        consumer_engine.dispose()
