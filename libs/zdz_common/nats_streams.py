"""Connecting to NATS and declaring each service's JetStream stream."""

from __future__ import annotations

import logging

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import StorageType, StreamConfig
from nats.js.errors import NotFoundError

from zdz_common.config import env_int

log = logging.getLogger(__name__)

# Long enough that a publisher retrying after a broker restart is still de-duplicated by Nats-Msg-Id.
DUPLICATE_WINDOW_SECONDS = 15 * 60


async def connect(url: str, *, name: str) -> Client:
    """A connection that reconnects for ever, so a broker restart is a pause, not an outage."""

    async def on_disconnect() -> None:
        log.warning("%s: disconnected from NATS at %s", name, url)

    async def on_reconnect() -> None:
        log.info("%s: reconnected to NATS", name)

    return await nats.connect(
        url,
        name=name,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        connect_timeout=5,
        allow_reconnect=True,
        disconnected_cb=on_disconnect,
        reconnected_cb=on_reconnect,
    )


def stream_name(service: str) -> str:
    """The stream that holds a service's events, e.g. ZDZ_REGISTRY."""
    return f"ZDZ_{service.upper()}"


async def ensure_stream(js: JetStreamContext, service: str) -> str:
    """Create (or keep) the file-backed stream for `zdz.<service>.>` and return its name; replicated on
    `ZDZ_NATS_STREAM_REPLICAS` nodes (1 on a laptop, 3 on the production cluster: an existing stream is scaled)."""
    name = stream_name(service)
    config = StreamConfig(
        name=name,
        subjects=[f"zdz.{service}.>"],
        storage=StorageType.FILE,
        duplicate_window=DUPLICATE_WINDOW_SECONDS,
        num_replicas=env_int("ZDZ_NATS_STREAM_REPLICAS", 1),
    )
    try:
        await js.stream_info(name)
        await js.update_stream(config)
    except NotFoundError:
        await js.add_stream(config)
    return name
