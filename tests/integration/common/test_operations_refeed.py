"""Re-feeding a service's stream from a store position over gRPC (issue 13, "Operations"), on the real runtime
with a real nats-server: the events are published again and a consumer applies none of them twice; only the
municipal task force and services may ask; a bad position is refused."""

from __future__ import annotations

import logging
from pathlib import Path

import grpc
import nats
import pytest
import sqlalchemy as sa
from grpc_health.v1 import health_pb2, health_pb2_grpc
from sqlmodel import Session, SQLModel, select

from tests.integration.common.refeed_runtime import (
    CITY,
    PROBE,
    STREAM,
    UNITS,
    running_store,
    until,
)
from zdz.ops.v1 import operations_pb2 as pb
from zdz_common.auth import Principal, Role, TokenIssuer, generate_key_pair
from zdz_common.context import CommandContext
from zdz_common.errors import FailedPrecondition
from zdz_common.eventstore import STORE_TABLES, OutboxRecord, create_store_engine
from zdz_common.nats_streams import ensure_stream
from zdz_common.operations import requeue
from zdz_local.nats_server import NatsServer
from zdz_registry.bootstrap import bootstrap
from zdz_registry.directory.domain.commands import CreateDistrict
from zdz_registry.directory.domain.model import DistrictTargets

DISTRICT = (
    ("x-zdz-organisation", "district:wanzhou"),
    ("x-zdz-role", "DISTRICT_TASK_FORCE"),
    ("x-zdz-person", "li.si"),
)
SERVICE = (("x-zdz-organisation", "service:workflow"), ("x-zdz-role", "SERVICE"), ("x-zdz-person", "zdz"))


async def _stream_ids(js) -> list[str]:  # type: ignore[no-untyped-def]
    """The event ids the stream holds, in stream order."""
    state = (await js.stream_info(STREAM)).state
    if state.messages == 0:
        return []
    return [
        (await js.get_msg(STREAM, seq)).headers["Nats-Msg-Id"]
        for seq in range(state.first_seq, state.last_seq + 1)
    ]


async def _probe_has_acknowledged_everything(js) -> bool:  # type: ignore[no-untyped-def]
    last = (await js.stream_info(STREAM)).state.last_seq
    try:
        info = await js.consumer_info(STREAM, f"{PROBE}-{STREAM}")
    except nats.js.errors.NotFoundError:  # re-created by the consumer after the stream was lost
        return False
    return info.ack_floor.stream_seq == last and info.num_pending == 0 and info.num_ack_pending == 0


async def test_a_refeed_publishes_the_events_again_and_the_consumer_applies_none_twice(
    tmp_path: Path, nats_server: NatsServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="zdz_common.operations")
    async with running_store(tmp_path, nats_server.url) as store:
        ids = store.event_ids()
        assert len(ids) == 1 + UNITS
        nc = await nats.connect(nats_server.url)
        js = nc.jetstream()
        # The broker lost the stream (a disk restored from an old backup): it comes back empty.
        await js.delete_stream(STREAM)
        await ensure_stream(js, "registry")

        answer = await store.operations.Refeed(pb.RefeedRequest(from_position=2), metadata=CITY)

        assert (answer.queued, answer.first_position, answer.last_position) == (UNITS, 2, 1 + UNITS)
        assert (answer.store_last_position, answer.stream) == (1 + UNITS, STREAM)
        [logged] = [r for r in caplog.records if getattr(r, "operation", "") == "refeed"]
        assert (logged.actor_organisation, logged.actor_role, logged.actor_person) == (  # type: ignore[attr-defined]
            "municipal",
            "MUNICIPAL_TASK_FORCE",
            "zhou",
        )
        assert (logged.from_position, logged.to_position, logged.queued) == (2, None, UNITS)  # type: ignore[attr-defined]
        await until(lambda: store.unsent() == 0)
        assert await _stream_ids(js) == ids[1:], "positions 2–5 are published again, in order"
        await until(lambda: _probe_has_acknowledged_everything(js))
        assert store.consumer.processed == 1 + UNITS, "the consumer skipped every event it had applied"
        assert sorted(store.applied()) == sorted(ids)

        # A range inside JetStream's window: position 1 (lost) is published again, position 2 is a duplicate.
        answer = await store.operations.Refeed(
            pb.RefeedRequest(from_position=1, to_position=2), metadata=CITY
        )

        assert (answer.queued, answer.first_position, answer.last_position) == (2, 1, 2)
        await until(lambda: store.unsent() == 0)
        assert await _stream_ids(js) == [*ids[1:], ids[0]], (
            "the copy of position 2 is dropped by its event id"
        )
        await until(lambda: _probe_has_acknowledged_everything(js))
        assert store.consumer.processed == 1 + UNITS
        assert sorted(store.applied()) == sorted(ids)
        await nc.drain()


async def test_every_relaying_runtime_serves_and_reports_the_operations_service(
    tmp_path: Path, nats_server: NatsServer
) -> None:
    async with running_store(tmp_path, nats_server.url) as store:
        health = health_pb2_grpc.HealthStub(store.channel)
        answer = await health.Check(health_pb2.HealthCheckRequest(service="zdz.ops.v1.OperationsService"))
        assert answer.status == health_pb2.HealthCheckResponse.SERVING
        # A service, not only the city, may re-feed (a to_position past the end stops at the last event).
        answer = await store.operations.Refeed(
            pb.RefeedRequest(from_position=4, to_position=99), metadata=SERVICE
        )
        assert (answer.queued, answer.first_position, answer.last_position) == (2, 4, 5)


@pytest.mark.parametrize(
    "metadata",
    [DISTRICT, (("x-zdz-organisation", "unit:u1"), ("x-zdz-role", "UNIT")), ()],
    ids=["district", "unit", "no-role"],
)
async def test_a_refeed_is_refused_to_anyone_but_the_city_and_the_services(
    tmp_path: Path, nats_server: NatsServer, metadata: tuple[tuple[str, str], ...]
) -> None:
    async with running_store(tmp_path, nats_server.url) as store:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await store.operations.Refeed(pb.RefeedRequest(from_position=1), metadata=metadata)

        assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
        assert "只有市级工作专班或系统服务可以重新投递事件流" in (refused.value.details() or "")
        assert store.unsent() == 0, "nothing was queued"


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (pb.RefeedRequest(), "from_position"),
        (pb.RefeedRequest(from_position=0), "from_position"),
        (pb.RefeedRequest(from_position=-3), "from_position"),
        (pb.RefeedRequest(from_position=3, to_position=2), "to_position"),
        (pb.RefeedRequest(from_position=1 + UNITS + 1), "from_position"),
    ],
    ids=["absent", "zero", "negative", "end-before-start", "past-the-last-event"],
)
async def test_a_refeed_from_a_bad_position_is_an_invalid_argument(
    tmp_path: Path, nats_server: NatsServer, request_: pb.RefeedRequest, field: str
) -> None:
    async with running_store(tmp_path, nats_server.url) as store:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await store.operations.Refeed(request_, metadata=CITY)

        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert (refused.value.details() or "").startswith(f"{field}: ")
        assert store.unsent() == 0


async def test_with_authentication_the_verified_role_decides_and_a_refusal_is_recorded(
    tmp_path: Path, nats_server: NatsServer
) -> None:
    private_pem, public_pem = generate_key_pair()
    (tmp_path / "public.pem").write_bytes(public_pem)
    issuer = TokenIssuer(private_pem)
    district = issuer.issue(Principal(role=Role.DISTRICT_TASK_FORCE, person="li.si", district_code="wanzhou"))
    city = issuer.issue(Principal(role=Role.MUNICIPAL_TASK_FORCE, person="zhou"))
    async with running_store(tmp_path, nats_server.url, public_key_file=tmp_path / "public.pem") as store:
        # The metadata claims the city's role; the token says district, and the token decides.
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await store.operations.Refeed(
                pb.RefeedRequest(from_position=1),
                metadata=(("authorization", f"Bearer {district}"), *CITY),
            )

        assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
        assert store.events_of_type("zdz.registry.access.denied") == 1

        answer = await store.operations.Refeed(
            pb.RefeedRequest(from_position=1, to_position=3), metadata=(("authorization", f"Bearer {city}"),)
        )
        assert (answer.queued, answer.first_position, answer.last_position) == (3, 1, 3)


def test_a_refeed_of_a_store_without_events_is_a_failed_precondition(tmp_path: Path) -> None:
    engine = create_store_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    SQLModel.metadata.create_all(engine, tables=STORE_TABLES)

    with pytest.raises(FailedPrecondition, match="存储中还没有事件"):
        requeue(engine, from_position=1)
    engine.dispose()


def test_a_refeed_gives_an_event_without_an_outbox_row_one(database_url: str) -> None:
    directory = bootstrap(database_url)
    for n in range(3):
        directory.create_district(
            CreateDistrict(f"d{n}", f"测试区{n}", f"50010{n}", DistrictTargets(35, 80)), CommandContext()
        )
    with Session(directory.engine) as session:  # published long ago; position 2's row was pruned
        session.execute(sa.update(OutboxRecord).values(sent_at="2025-01-01T00:00:00Z"))
        session.execute(sa.delete(OutboxRecord).where(OutboxRecord.position == 2))  # type: ignore[arg-type]
        session.commit()

    requeued = requeue(directory.engine, from_position=2, to_position=3)

    assert (requeued.queued, requeued.first_position, requeued.last_position) == (2, 2, 3)
    with Session(directory.engine) as session:
        rows = session.exec(
            select(OutboxRecord.position, OutboxRecord.sent_at).order_by(OutboxRecord.position)
        ).all()  # type: ignore[arg-type]
    assert [(position, sent is None) for position, sent in rows] == [(1, False), (2, True), (3, True)]
    directory.engine.dispose()
