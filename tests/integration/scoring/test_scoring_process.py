"""The scoring service as a process: configured from the environment, healthy, publishing what it records to
JetStream through its outbox, and stopping cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

import grpc
import nats

from tests.integration.scoring.conftest import start_registry
from zdz.events.v1 import envelope_pb2, refs_pb2
from zdz.registry.v1 import ledger_pb2, ledger_pb2_grpc, registry_pb2, registry_pb2_grpc
from zdz.scoring.v1 import events_pb2, scoring_pb2, scoring_pb2_grpc
from zdz_common import migrations
from zdz_common.nats_streams import stream_name
from zdz_local.nats_server import NatsServer
from zdz_local.processes import free_port, wait_until_serving


async def _published_draw(url: str) -> events_pb2.SpotCheckDrawn:
    connection = await nats.connect(url)
    try:
        js = connection.jetstream()
        deadline = time.monotonic() + 20
        while True:
            try:
                subscription = await js.pull_subscribe(
                    "zdz.scoring.>", durable=None, stream=stream_name("scoring")
                )
                (message,) = await subscription.fetch(1, timeout=5)
                break
            except Exception:  # the stream appears once the outbox relay has connected
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.2)
        envelope = envelope_pb2.Envelope.FromString(message.data)
        assert message.headers and message.headers["Nats-Msg-Id"] == envelope.id
        drawn = events_pb2.SpotCheckDrawn()
        envelope.data.Unpack(drawn)
        return drawn
    finally:
        await connection.close()


async def _filed_towns(registry_address: str) -> list[refs_pb2.UnitRef]:
    """Four towns of Wanzhou filed in the registry (the draw takes only filed units)."""
    async with grpc.aio.insecure_channel(registry_address) as channel:
        units, ledger = (
            registry_pb2_grpc.RegistryServiceStub(channel),
            ledger_pb2_grpc.LedgerServiceStub(channel),
        )
        await units.CreateDistrict(
            registry_pb2.CreateDistrictRequest(
                district=registry_pb2.District(
                    code="wanzhou", name="万州区", town_share_2025=35, town_share_2027=80
                )
            )
        )
        towns = []
        for n in range(4):
            unit = registry_pb2.Unit(
                id=f"t{n}",
                district_code="wanzhou",
                kind=refs_pb2.UNIT_KIND_TOWN,
                name=f"镇{n}",
                target_year=2027,
            )
            await units.CreateUnit(registry_pb2.CreateUnitRequest(unit=unit))
            await ledger.SetAcceptanceState(
                ledger_pb2.SetAcceptanceStateRequest(
                    unit_id=unit.id, state=ledger_pb2.ACCEPTANCE_STATE_FILED, on="2025-06-01", reason="备案"
                )
            )
            towns.append(
                refs_pb2.UnitRef(id=unit.id, district_code="wanzhou", kind=unit.kind, name=unit.name)
            )
        return towns


async def test_scoring_serves_publishes_its_events_and_exits_zero_on_sigterm(
    tmp_path: Path, nats_server: NatsServer
) -> None:
    registry, registry_engine = await start_registry(tmp_path)
    towns = await _filed_towns(registry.address)
    address = f"127.0.0.1:{free_port()}"
    env = {
        **os.environ,
        "ZDZ_DATA_DIR": str(tmp_path),
        "ZDZ_NATS_URL": nats_server.url,
        "ZDZ_SCORING_GRPC_ADDRESS": address,
        "ZDZ_AUTH_DISABLED": "1",  # authentication is tested in tests/integration/auth
        "ZDZ_REGISTRY_GRPC_ADDRESS": registry.address,  # the draw asks it which units are filed
    }
    migrations.upgrade(
        f"sqlite:///{tmp_path / 'scoring.db'}", "zdz_scoring"
    )  # the service refuses an unmigrated store
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "zdz_scoring", env=env, stdout=asyncio.subprocess.DEVNULL
    )
    try:
        await asyncio.to_thread(wait_until_serving, address, None, "scoring", 60)
        # A municipal draw is recorded, then relayed to JetStream with its event id as Nats-Msg-Id.
        async with grpc.aio.insecure_channel(address) as channel:
            stub = scoring_pb2_grpc.ScoringServiceStub(channel)
            drawn = await stub.DrawSpotCheck(
                scoring_pb2.DrawSpotCheckRequest(candidates=towns, round="2025-1")
            )
        published = await _published_draw(nats_server.url)
        assert published.draw_id == drawn.spot_check.id and published.seed == str(drawn.spot_check.seed)
        assert published.round == "2025-1"
        assert [u.id for u in published.districts[0].units] == [
            u.id for u in drawn.spot_check.districts[0].towns.drawn
        ]
        process.send_signal(signal.SIGTERM)  # what Kubernetes sends
        assert await asyncio.wait_for(process.wait(), 20) == 0
        assert (tmp_path / "scoring.db").exists()  # the default database lives under the data folder
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await registry.stop(0)
        registry_engine.dispose()
