"""Serving gRPC the same way in every service: health, reflection, error mapping, graceful shutdown."""

from __future__ import annotations

import asyncio
import functools
import logging
import signal
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, TypeVar

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from zdz_common.context import Actor, CommandContext
from zdz_common.errors import DomainError, status_name
from zdz_common.grpc_auth import current_principal
from zdz_common.idempotency import current_claim
from zdz_common.telemetry import current_traceparent, grpc_server_interceptors, mark_request
from zdz_common.tls import TlsFiles, check_plaintext_allowed

log = logging.getLogger(__name__)

# A whole ledger import batch (5000 rows) fits in one message; rendered sheets (xlsx) fit in one answer.
MAX_MESSAGE_BYTES = 4 * 1024 * 1024


def status_of(error: DomainError) -> grpc.StatusCode:
    """The gRPC status code of a domain error (the table is `zdz_common.errors.STATUS_OF`)."""
    return grpc.StatusCode[status_name(error)]


F = TypeVar("F", bound=Callable[..., Awaitable[Any]])


def maps_domain_errors(method: F) -> F:
    """Decorate a servicer method: a DomainError aborts the call with its status code and message."""

    @functools.wraps(method)
    async def wrapper(self: Any, request: Any, context: grpc.aio.ServicerContext) -> Any:
        try:
            return await method(self, request, context)
        except DomainError as error:
            await context.abort(status_of(error), str(error))

    return wrapper  # type: ignore[return-value]


def command_context(context: grpc.aio.ServicerContext) -> CommandContext:
    """Who asks: the verified principal when authentication is on (see grpc_auth); otherwise, on an
    unauthenticated development server, the call's x-zdz-organisation / x-zdz-role / x-zdz-person metadata.
    Also the request id (x-request-id, generated when absent) and the W3C traceparent."""
    metadata = {key: value for key, value in (context.invocation_metadata() or ()) if isinstance(value, str)}
    principal = current_principal()
    actor = (
        principal.actor()
        if principal
        else Actor(
            organisation=metadata.get("x-zdz-organisation", "unknown"),
            role=metadata.get("x-zdz-role", "unknown"),
            person=metadata.get("x-zdz-person", "unknown"),
        )
    )
    request_id = metadata.get("x-request-id") or str(uuid.uuid4())
    mark_request(request_id)
    return CommandContext(
        actor=actor,
        request_id=request_id,
        traceparent=current_traceparent(metadata.get("traceparent", "")),
        idempotency=current_claim(),
    )


class GrpcServer:
    """An asyncio gRPC server with the standard health service and server reflection."""

    def __init__(
        self,
        *,
        address: str,
        register: Iterable[Callable[[grpc.aio.Server], None]],
        service_names: Sequence[str],
        interceptors: Sequence[grpc.aio.ServerInterceptor] = (),
        max_message_bytes: int = MAX_MESSAGE_BYTES,
        tls: TlsFiles | None = None,
    ) -> None:
        """`max_message_bytes` bounds every request and answer (RESOURCE_EXHAUSTED beyond it); with `tls` the
        server speaks mutual TLS only, without it plaintext, which only loopback may use unless allowed."""
        self._server = grpc.aio.server(
            interceptors=[*grpc_server_interceptors(), *interceptors],
            options=[
                ("grpc.max_receive_message_length", max_message_bytes),
                ("grpc.max_send_message_length", max_message_bytes),
            ],
        )
        for add in register:
            add(self._server)
        self.health = health.aio.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self._server)
        reflection.enable_server_reflection(
            [*service_names, health.SERVICE_NAME, reflection.SERVICE_NAME], self._server
        )
        self._service_names = list(service_names)
        if tls is None:
            check_plaintext_allowed(address)
            self.port = self._server.add_insecure_port(address)
        else:
            self.port = self._server.add_secure_port(address, tls.server_credentials())
        if self.port == 0:
            raise SystemExit(f"cannot listen on {address}: is another process using it?")
        self.address = f"{address.rsplit(':', 1)[0]}:{self.port}"

    async def start(self) -> None:
        await self._server.start()
        for name in ["", *self._service_names]:
            await self.health.set(name, health_pb2.HealthCheckResponse.SERVING)

    async def stop(self, grace: float = 5.0) -> None:
        """Say NOT_SERVING, then let calls in flight finish for up to `grace` seconds."""
        for name in ["", *self._service_names]:
            await self.health.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)
        await self._server.stop(grace)


def stop_on_signals(stop: asyncio.Event) -> None:
    """Set `stop` on SIGTERM or SIGINT (Kubernetes sends SIGTERM; Ctrl-C sends SIGINT)."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
