"""Commits from worker threads wake the relay through one call into its event loop per batch, not one per commit,
and no commit is left for the poll: with a poll too slow to matter, every event is still published at once."""

from __future__ import annotations

import asyncio
from pathlib import Path

import nats
from sqlmodel import Session, SQLModel

from tests.integration.common.refeed_runtime import until
from zdz.registry.v1 import events_pb2
from zdz_common.context import CommandContext
from zdz_common.eventstore import STORE_TABLES, EventStore, NewEvent, create_store_engine
from zdz_common.nats_streams import ensure_stream, stream_name
from zdz_common.outbox import OutboxRelay
from zdz_local.nats_server import NatsServer

COMMITS = 200


def _commit_one_by_one(engine, relay: OutboxRelay) -> None:  # type: ignore[no-untyped-def]
    store = EventStore("zdz/test")
    for n in range(COMMITS):
        event = NewEvent(type="zdz.registry.district.updated", data=events_pb2.DistrictUpdated(code=f"d{n}"))
        with Session(engine) as session:
            store.append(session, f"district/d{n}", 0, [event], CommandContext())
            session.commit()
        relay.wake()  # as the commit listener does, from the committing thread


async def test_wakes_from_committing_threads_coalesce_and_every_commit_is_published_without_the_poll(
    tmp_path: Path, nats_server: NatsServer
) -> None:
    engine = create_store_engine(f"sqlite:///{tmp_path / 'store.db'}")
    SQLModel.metadata.create_all(engine, tables=STORE_TABLES)
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    await ensure_stream(js, "registry")
    relay = OutboxRelay(engine, js, poll_interval=3600)
    loop = asyncio.get_running_loop()
    crossings = 0
    call_soon_threadsafe = loop.call_soon_threadsafe

    def counted(callback, *args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal crossings
        if isinstance(getattr(callback, "__self__", None), asyncio.Event):  # a wake, not a thread's result
            crossings += 1
        return call_soon_threadsafe(callback, *args, **kwargs)

    loop.call_soon_threadsafe = counted  # type: ignore[method-assign]
    stop = asyncio.Event()
    running = asyncio.create_task(relay.run(stop))
    try:
        await asyncio.sleep(0.1)  # the relay's first look at the (empty) outbox
        await asyncio.to_thread(_commit_one_by_one, engine, relay)

        async def all_published() -> bool:
            return (await js.stream_info(stream_name("registry"))).state.messages == COMMITS

        await until(all_published, within=20)  # far below the hour-long poll
        assert 1 <= crossings < COMMITS
    finally:
        del loop.call_soon_threadsafe
        stop.set()
        relay.wake()
        await running
        await nc.drain()
        engine.dispose()
