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

from zdz.events.v1 import envelope_pb2, refs_pb2
from zdz.scoring.v1 import events_pb2, scoring_pb2, scoring_pb2_grpc
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


async def test_scoring_serves_publishes_its_events_and_exits_zero_on_sigterm(
    tmp_path: Path, nats_server: NatsServer
) -> None:
    address = f"127.0.0.1:{free_port()}"
    env = {
        **os.environ,
        "ZDZ_DATA_DIR": str(tmp_path),
        "ZDZ_NATS_URL": nats_server.url,
        "ZDZ_SCORING_GRPC_ADDRESS": address,
        "ZDZ_AUTH_DISABLED": "1",  # authentication is tested in tests/integration/auth
        "ZDZ_REGISTRY_GRPC_ADDRESS": f"127.0.0.1:{free_port()}",  # a spot-check draw needs no registry
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "zdz_scoring", env=env, stdout=asyncio.subprocess.DEVNULL
    )
    try:
        await asyncio.to_thread(wait_until_serving, address, None, "scoring", 60)
        # A municipal draw is recorded, then relayed to JetStream with its event id as Nats-Msg-Id.
        async with grpc.aio.insecure_channel(address) as channel:
            stub = scoring_pb2_grpc.ScoringServiceStub(channel)
            towns = [
                refs_pb2.UnitRef(id=f"t{n}", district_code="wanzhou", kind=refs_pb2.UNIT_KIND_TOWN)
                for n in range(4)
            ]
            drawn = await stub.DrawSpotCheck(scoring_pb2.DrawSpotCheckRequest(candidates=towns, seed=11))
        published = await _published_draw(nats_server.url)
        assert published.draw_id == drawn.spot_check.id and published.seed == "11"
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
