"""A real notify service in-process (consumers, delivery worker, gRPC, notice board) over a real nats-server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import nats
import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext

from tests.integration.notify.factories import notify_config
from zdz.notify.v1 import notify_pb2_grpc
from zdz_common.nats_streams import ensure_stream
from zdz_local.nats_server import NatsServer
from zdz_notify.adapters.webhook_targets import Resolver, system_resolver
from zdz_notify.entrypoints.app import NotifyApp


@dataclass
class RunningNotify:
    app: NotifyApp
    stub: notify_pb2_grpc.NotifyServiceStub
    js: JetStreamContext


StartNotify = Callable[..., Awaitable[RunningNotify]]


@pytest.fixture
async def jetstream(nats_server: NatsServer) -> AsyncIterator[JetStreamContext]:
    """A publisher's connection, with the service streams declared as their services will."""
    nc: Client = await nats.connect(nats_server.url)
    js = nc.jetstream()
    for service in ("workflow", "scoring", "registry"):
        await ensure_stream(js, service)
    yield js
    await nc.drain()


@pytest.fixture
async def start_notify(
    tmp_path: Path, nats_server: NatsServer, jetstream: JetStreamContext
) -> AsyncIterator[StartNotify]:
    """Start the service with `notify_config` options (smtp=…, retry=…, routing_file=…) and the resolver of
    webhook hosts (`resolve`, standing in for DNS)."""
    running: list[tuple[NotifyApp, grpc.aio.Channel]] = []

    async def start(*, resolve: Resolver = system_resolver, **options: Any) -> RunningNotify:
        app = NotifyApp(notify_config(tmp_path, nats_server.url, **options), resolve=resolve)
        await app.start()
        channel = grpc.aio.insecure_channel(app.grpc_address)
        running.append((app, channel))
        return RunningNotify(app, notify_pb2_grpc.NotifyServiceStub(channel), jetstream)

    yield start
    for app, channel in running:
        await channel.close()
        await app.stop()


@pytest.fixture
async def notify(start_notify: StartNotify) -> RunningNotify:
    return await start_notify()
