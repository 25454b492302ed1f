"""One service runtime: signals, the gRPC server with its one interceptor list, outbox relays, consumers,
background tasks, health and shutdown in order. Each service's entry point only lists what it registers:

    runtime = ServiceRuntime.from_config("registry", config)
    runtime.serve(registry_pb2_grpc.add_RegistryServiceServicer_to_server, servicer, registry_pb2, "RegistryService")
    runtime.relay_outbox(app.engine)  # also serves zdz.ops.v1.OperationsService (Refeed) for that store
    runtime.consume(EventConsumer(app.engine, settings, handler))
    runtime.on_shutdown(app.engine.dispose)
    await runtime.run(banner=lambda r: f"registry  grpc://{r.grpc_address}")

Shutdown, on SIGTERM/SIGINT (or when a background task fails): the gRPC server says NOT_SERVING and lets
calls in flight finish for the grace period; background tasks are asked to stop (a Temporal worker finishes
its activities); consumers and relays stop and drain their NATS connections; the shutdown callbacks run,
last registered first. A background task's failure is re-raised after the shutdown, so the process exits
non-zero and its supervisor restarts it.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Protocol

import grpc
from grpc_health.v1 import health_pb2

from zdz.ops.v1 import operations_pb2, operations_pb2_grpc
from zdz_common.config import AuthSettings
from zdz_common.consumer import EventConsumer
from zdz_common.grpc_auth import server_interceptors
from zdz_common.grpc_server import GrpcServer, stop_on_signals
from zdz_common.nats_streams import stream_name
from zdz_common.operations import OperationsServicer
from zdz_common.outbox import OutboxRelay, publish_outbox_forever
from zdz_common.transaction import listen_for_commits

log = logging.getLogger(__name__)

DEFAULT_SHUTDOWN_GRACE_SECONDS = 10.0
OUTBOX_HEALTH = "zdz.outbox"  # the health service's name for "no event parked unpublished"


class RuntimeSettings(Protocol):
    """What every service's config has (RegistryConfig, ScoringConfig, …)."""

    grpc_address: str
    nats_url: str
    auth: AuthSettings
    shutdown_grace_seconds: int


@dataclass(frozen=True)
class _Task:
    name: str
    run: Callable[[asyncio.Event], Awaitable[None]]
    stop: Callable[[], Awaitable[None]] | None


class ServiceRuntime:
    def __init__(
        self,
        name: str,
        *,
        grpc_address: str,
        nats_url: str,
        auth: AuthSettings,
        shutdown_grace_seconds: float = DEFAULT_SHUTDOWN_GRACE_SECONDS,
    ) -> None:
        self.name = name
        self._grpc_address = grpc_address
        self._nats_url = nats_url
        self._auth = auth
        self._grace = shutdown_grace_seconds
        self._registrations: list[Callable[[grpc.aio.Server], None]] = []
        self._service_names: list[str] = []
        self._tasks: list[_Task] = []
        self._shutdown: list[Callable[[], object]] = []
        self._shutdown_requested = asyncio.Event()  # signals, or a task's end
        self._tasks_stop = asyncio.Event()  # what background tasks watch: set once gRPC has stopped
        self._running: list[asyncio.Task[None]] = []
        self._server: GrpcServer | None = None
        self._operations_engine: Any = None  # the store OperationsService re-feeds: the relayed one

    @classmethod
    def from_config(cls, name: str, config: RuntimeSettings) -> ServiceRuntime:
        return cls(
            name,
            grpc_address=config.grpc_address,
            nats_url=config.nats_url,
            auth=config.auth,
            shutdown_grace_seconds=config.shutdown_grace_seconds,
        )

    # --- what a service registers ---------------------------------------------------------------------

    def serve(
        self,
        add_to_server: Callable[[Any, grpc.aio.Server], None],
        servicer: object,
        pb2: ModuleType,
        service: str,
    ) -> None:
        """Serve `servicer` as `service` of the generated module `pb2` (health and reflection name it)."""
        self._registrations.append(lambda server: add_to_server(servicer, server))
        self._service_names.append(pb2.DESCRIPTOR.services_by_name[service].full_name)

    def relay_outbox(self, engine: Any, *, stream_owner: str | None = None) -> None:
        """Publish the store's outbox to JetStream; every command transaction on `engine` wakes the relay.
        The same gRPC server then serves `zdz.ops.v1.OperationsService` for this store (re-feed from a position)."""
        self._serve_operations(engine, stream_owner or self.name)
        relays: list[OutboxRelay] = []

        async def relay(stop: asyncio.Event) -> None:
            def wake() -> None:  # from the committing worker thread; the relay coalesces the wake-ups
                for r in relays:
                    r.wake()

            stop_listening = listen_for_commits(engine, wake)
            try:
                await publish_outbox_forever(
                    engine,
                    service=stream_owner or self.name,
                    nats_url=self._nats_url,
                    stop=stop,
                    relay_ready=relays.append,
                    on_parked=self._outbox_parked,
                )
            finally:
                stop_listening()

        self._tasks.append(_Task(f"{self.name} outbox", relay, None))

    async def _outbox_parked(self, count: int) -> None:
        """Events parked unpublished (zdz_common.outbox): `zdz.outbox` NOT_SERVING in the health service until a
        re-feed releases them (the service itself stays SERVING: it still takes commands)."""
        if self._server is not None:
            serving = health_pb2.HealthCheckResponse
            await self._server.health.set(OUTBOX_HEALTH, serving.NOT_SERVING if count else serving.SERVING)

    def _serve_operations(self, engine: Any, stream_owner: str) -> None:
        if self._operations_engine is not None:
            if engine is self._operations_engine:
                return
            raise ValueError(
                f"{self.name}: OperationsService serves one store; a second relayed store has none"
            )
        self._operations_engine = engine
        self.serve(
            operations_pb2_grpc.add_OperationsServiceServicer_to_server,
            OperationsServicer(engine, service=stream_owner, stream=stream_name(stream_owner)),
            operations_pb2,
            "OperationsService",
        )

    def consume(self, consumer: EventConsumer) -> None:
        """Run a durable consumer until shutdown."""
        self._tasks.append(
            _Task(f"{self.name} consumer", lambda stop: consumer.run(self._nats_url, stop), None)
        )

    def run_task(
        self,
        name: str,
        run: Callable[[asyncio.Event], Awaitable[None]],
        *,
        stop: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """Run `run(stop_event)` in the background; `stop` (if given) is awaited first at shutdown, for tasks
        that stop by being told rather than by watching the event (a Temporal worker)."""
        self._tasks.append(_Task(name, run, stop))

    def on_shutdown(self, close: Callable[[], object]) -> None:
        """Call `close` (sync or async) at the end of shutdown; the last registered runs first."""
        self._shutdown.append(close)

    # --- running ----------------------------------------------------------------------------------------

    @property
    def grpc_address(self) -> str:
        if self._server is None:
            raise RuntimeError("the runtime has not started")
        return self._server.address

    @property
    def stopping(self) -> asyncio.Event:
        """Set when shutdown begins (long-lived streams end on it)."""
        return self._shutdown_requested

    async def start(self) -> None:
        """Start the gRPC server (SERVING) and every background task."""
        self._server = GrpcServer(
            address=self._grpc_address,
            register=self._registrations,
            service_names=self._service_names,
            interceptors=server_interceptors(self._auth),
            max_message_bytes=self._auth.max_message_bytes,
            tls=self._auth.tls,
        )
        for task in self._tasks:
            self._running.append(asyncio.create_task(self._supervised(task), name=task.name))
        await self._server.start()

    async def _supervised(self, task: _Task) -> None:
        try:
            await task.run(self._tasks_stop)
        except Exception:
            log.exception("%s stopped with an error; shutting down", task.name)
            raise
        finally:
            self._shutdown_requested.set()  # a task that ends on its own ends the service

    async def stop(self) -> None:
        """Shut down in order; re-raise the first background task's failure, if any."""
        self._shutdown_requested.set()
        if self._server is not None:
            await self._server.stop(self._grace)
        for task in self._tasks:
            if task.stop is not None:
                await task.stop()
        self._tasks_stop.set()  # relays publish what the last calls and activities recorded, then drain
        results = await asyncio.gather(*self._running, return_exceptions=True)
        for close in reversed(self._shutdown):
            outcome = close()
            if inspect.isawaitable(outcome):
                await outcome
        failures = [r for r in results if isinstance(r, BaseException)]
        if failures:
            raise failures[0]

    async def run(self, *, banner: Callable[[ServiceRuntime], str]) -> None:
        """Start, print the banner line, serve until SIGTERM/SIGINT or a task's end, then stop."""
        stop_on_signals(self._shutdown_requested)
        await self.start()
        print(banner(self), flush=True)
        await self._shutdown_requested.wait()
        log.info("%s: shutting down", self.name)
        await self.stop()
