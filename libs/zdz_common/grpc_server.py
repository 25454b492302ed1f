"""Serving gRPC the same way in every service: health, reflection, error mapping, graceful shutdown.

Error mapping, in one place (`abort_for`): a domain error leaves as its status code with its message; a dependency
out of reach (`Unavailable`, another service's UNAVAILABLE or DEADLINE_EXCEEDED, or a library's error a service
registered with `answer_unavailable_for`) as UNAVAILABLE, "retry"; anything else as INTERNAL with the request id,
logged in full. No answer names an internal class (gRPC itself would answer UNKNOWN "Unexpected <class …>")."""

from __future__ import annotations

import asyncio
import functools
import logging
import signal
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, NoReturn, TypeVar

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from sqlalchemy import exc as sa_exc

from zdz_common.context import Actor, CommandContext
from zdz_common.errors import DomainError, Unavailable, status_name
from zdz_common.grpc_auth import current_principal
from zdz_common.idempotency import current_claim
from zdz_common.interceptors import Behaviour, wrap_unary
from zdz_common.telemetry import current_traceparent, grpc_server_interceptors, mark_request
from zdz_common.tls import TlsFiles, check_plaintext_allowed

log = logging.getLogger(__name__)

# A whole ledger import batch (5000 rows) fits in one message; rendered sheets (xlsx) fit in one answer.
MAX_MESSAGE_BYTES = 4 * 1024 * 1024


def status_of(error: DomainError) -> grpc.StatusCode:
    """The gRPC status code of a domain error (the table is `zdz_common.errors.STATUS_OF`)."""
    return grpc.StatusCode[status_name(error)]


# Another service answered these: it is down, restarting or too slow, and the caller may retry.
_TRANSIENT_CODES = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED})
DEPENDENCY_UNAVAILABLE = (
    "所依赖的服务暂时不可用，请稍后重试 (a service this one depends on is temporarily unavailable; retry)"
)
_recognisers: list[Callable[[BaseException], str | None]] = []


def answer_unavailable_for(recognise: Callable[[BaseException], str | None]) -> None:
    """Answer UNAVAILABLE, with the message `recognise` returns (None: not its error), for a library's own error of
    a dependency out of reach (the workflow registers its Temporal client's)."""
    if recognise not in _recognisers:
        _recognisers.append(recognise)


STORE_UNAVAILABLE = (
    "服务的数据库暂时不可用，请稍后重试 (this service's database is temporarily out of reach; retry)"
)
# The store's driver lost its connection, could not get one, or found the database locked or restarting.
_STORE_OUT_OF_REACH = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError)


def _store_out_of_reach(error: BaseException) -> bool:
    return isinstance(error, _STORE_OUT_OF_REACH) or (
        isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated
    )


def unavailable_message(error: BaseException) -> str | None:
    """The message of an UNAVAILABLE answer when `error` says a dependency is out of reach, else None."""
    if isinstance(error, Unavailable):
        return error.message
    if _store_out_of_reach(error):
        return STORE_UNAVAILABLE
    if isinstance(error, grpc.aio.AioRpcError) and error.code() in _TRANSIENT_CODES:
        return DEPENDENCY_UNAVAILABLE
    return next((m for m in (recognise(error) for recognise in _recognisers) if m), None)


def _request_id(context: grpc.aio.ServicerContext) -> str:
    return next((v for k, v in (context.invocation_metadata() or ()) if k == "x-request-id"), "")


async def abort_for(error: Exception, context: grpc.aio.ServicerContext, method: str = "") -> NoReturn:
    """End the call with the status and message of `error` (see the module's docstring)."""
    if isinstance(error, DomainError):
        await context.abort(status_of(error), str(error))
    request_id = _request_id(context)
    message = unavailable_message(error)
    if message is not None:
        log.warning("%s: a dependency is out of reach (request %s): %s", method, request_id or "-", error)
        await context.abort(grpc.StatusCode.UNAVAILABLE, message)
    log.error("%s failed (request %s)", method, request_id or "-", exc_info=error)
    reference = f"，请求编号 {request_id}" if request_id else ""
    await context.abort(
        grpc.StatusCode.INTERNAL, f"服务内部错误，请稍后重试或联系运维{reference} (internal error)"
    )
    raise AssertionError("context.abort returned")  # it raises; this keeps the type checker's NoReturn


F = TypeVar("F", bound=Callable[..., Awaitable[Any]])


def maps_domain_errors(method: F) -> F:
    """Decorate a servicer method: a DomainError aborts the call with its status code and message (what the
    servicer method leaves unhandled, ErrorMappingInterceptor maps)."""

    @functools.wraps(method)
    async def wrapper(self: Any, request: Any, context: grpc.aio.ServicerContext) -> Any:
        try:
            return await method(self, request, context)
        except DomainError as error:
            await abort_for(error, context, method.__qualname__)

    return wrapper  # type: ignore[return-value]


class ErrorMappingInterceptor(grpc.aio.ServerInterceptor):
    """The innermost interceptor of every server: whatever a unary call (or a client-streaming one) raises
    leaves through `abort_for`, so no method answers UNKNOWN with an internal class name."""

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        method = handler_call_details.method

        def mapping(inner: Behaviour) -> Behaviour:
            async def mapped(request: Any, context: grpc.aio.ServicerContext) -> Any:
                try:
                    return await inner(request, context)
                except grpc.aio.AbortError:
                    raise  # the method ended the call itself, with its status
                except Exception as error:
                    await abort_for(error, context, method)

            return mapped

        return wrap_unary(await continuation(handler_call_details), mapping)  # type: ignore[return-value]


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
            interceptors=[*grpc_server_interceptors(), *interceptors, ErrorMappingInterceptor()],
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
