"""Authentication and rate limiting for every gRPC server, as one interceptor.

A call must carry `authorization: Bearer <jwt>`; the verified principal is available to the servicer
through `current_principal()` (and `grpc_server.command_context`, which records it on every event).
Health checks and server reflection stay open. Each principal gets a token bucket of requests; past it
the call fails with RESOURCE_EXHAUSTED.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import grpc

from zdz_common.auth import Principal, TokenVerifier
from zdz_common.config import AuthSettings
from zdz_common.errors import Unauthenticated

log = logging.getLogger(__name__)

_CURRENT: ContextVar[Principal | None] = ContextVar("zdz_principal", default=None)
OPEN_METHOD_PREFIXES = ("/grpc.health.v1.Health/", "/grpc.reflection.")


def current_principal() -> Principal | None:
    """The caller of the RPC being served, when authentication is on."""
    return _CURRENT.get()


@dataclass
class RateLimiter:
    """A token bucket per caller: `per_second` sustained, `burst` at once."""

    per_second: float = 50.0
    burst: int = 100
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)

    def allow(self, key: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.per_second)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            return False
        self._buckets[key] = (tokens - 1.0, now)
        return True


def _bearer(metadata: dict[str, str]) -> str:
    value = metadata.get("authorization", "")
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("缺少身份令牌：请在 authorization 头中提供 Bearer 令牌 (missing bearer token)")
    return token.strip()


def _handler_like(handler: grpc.RpcMethodHandler, behaviour: Callable[..., Any]) -> grpc.RpcMethodHandler:
    kwargs = {
        "request_deserializer": handler.request_deserializer,
        "response_serializer": handler.response_serializer,
    }
    if handler.unary_unary:
        return grpc.unary_unary_rpc_method_handler(behaviour, **kwargs)
    if handler.unary_stream:
        return grpc.unary_stream_rpc_method_handler(behaviour, **kwargs)
    if handler.stream_unary:
        return grpc.stream_unary_rpc_method_handler(behaviour, **kwargs)
    return grpc.stream_stream_rpc_method_handler(behaviour, **kwargs)


def _refusing(
    handler: grpc.RpcMethodHandler,
    code: grpc.StatusCode,
    message: str,
    *,
    log_as: dict[str, str] | None = None,
) -> grpc.RpcMethodHandler:
    """A handler that refuses the call; with `log_as`, it first logs the refusal with the caller's peer (never the
    token: an attempt is recorded, a credential is not)."""

    async def refuse(_request: Any, context: grpc.aio.ServicerContext) -> None:
        if log_as is not None:
            log.warning("unauthenticated call refused", extra={**log_as, "peer": context.peer()})
        await context.abort(code, message)

    return _handler_like(handler, refuse)


def _as_principal(handler: grpc.RpcMethodHandler, principal: Principal) -> grpc.RpcMethodHandler:
    if handler.unary_stream or handler.stream_stream:
        inner = handler.unary_stream or handler.stream_stream

        async def streaming(request: Any, context: grpc.aio.ServicerContext) -> Any:
            token = _CURRENT.set(principal)
            try:
                async for response in inner(request, context):
                    yield response
            finally:
                _CURRENT.reset(token)

        return _handler_like(handler, streaming)
    inner_unary: Callable[..., Awaitable[Any]] = handler.unary_unary or handler.stream_unary

    async def unary(request: Any, context: grpc.aio.ServicerContext) -> Any:
        token = _CURRENT.set(principal)
        try:
            return await inner_unary(request, context)
        finally:
            _CURRENT.reset(token)

    return _handler_like(handler, unary)


class AuthInterceptor(grpc.aio.ServerInterceptor):
    """Verifies the bearer token of every call but health and reflection; applies the rate limit."""

    def __init__(self, verifier: TokenVerifier, *, rate_limiter: RateLimiter | None = None) -> None:
        self._verifier = verifier
        self._rate_limiter = rate_limiter

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None or handler_call_details.method.startswith(OPEN_METHOD_PREFIXES):
            return handler
        metadata = {k: v for k, v in (handler_call_details.invocation_metadata or ()) if isinstance(v, str)}
        try:
            principal = self._verifier.verify(_bearer(metadata))
        except Unauthenticated as error:
            attempt = {
                "method": handler_call_details.method,
                "request_id": metadata.get("x-request-id", ""),
                "reason": str(error),
            }
            return _refusing(handler, grpc.StatusCode.UNAUTHENTICATED, str(error), log_as=attempt)
        if self._rate_limiter and not self._rate_limiter.allow(
            f"{principal.organisation}/{principal.person}"
        ):
            return _refusing(
                handler,
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                "请求过于频繁，请稍后重试 (too many requests; retry after a short wait)",
            )
        return _as_principal(handler, principal)


def server_interceptors(settings: AuthSettings) -> list[grpc.aio.ServerInterceptor]:
    """The interceptors a service's GrpcServer runs with: authentication and rate limiting, or none when
    authentication is disabled."""
    if not settings.authenticates:
        return []
    verifier = TokenVerifier.from_settings(settings)
    limiter = RateLimiter(per_second=settings.rate_per_second, burst=settings.rate_burst)
    return [AuthInterceptor(verifier, rate_limiter=limiter)]
