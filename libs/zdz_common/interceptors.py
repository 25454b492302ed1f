"""What every server interceptor of ours does with the handler it wraps: replace the behaviour of a unary (or
client-streaming) method, keeping its (de)serialisers; leave other handlers as they are."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import grpc

Behaviour = Callable[[Any, grpc.aio.ServicerContext], Awaitable[Any]]


def wrap_unary(
    handler: grpc.RpcMethodHandler | None, wrap: Callable[[Behaviour], Behaviour]
) -> grpc.RpcMethodHandler | None:
    """`handler` with its unary-unary or stream-unary behaviour replaced by `wrap(behaviour)`; any other handler
    (none, or a server-streaming one) unchanged."""
    inner = None if handler is None else (handler.unary_unary or handler.stream_unary)
    if handler is None or inner is None:
        return handler
    factory = (
        grpc.unary_unary_rpc_method_handler if handler.unary_unary else grpc.stream_unary_rpc_method_handler
    )
    return factory(
        wrap(inner),
        request_deserializer=handler.request_deserializer,
        response_serializer=handler.response_serializer,
    )
