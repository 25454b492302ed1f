"""Every server maps what a method leaves unhandled in one place: a dependency out of reach (another service,
its own database) answers UNAVAILABLE ("retry"), anything else INTERNAL with the request id; no answer names an internal class (gRPC's own answer
would be UNKNOWN "Unexpected <class 'KeyError'>: …")."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import grpc
import pytest
import sqlalchemy as sa

from zdz_common.errors import InvalidArgument, Unavailable
from zdz_common.grpc_server import GrpcServer, answer_unavailable_for


class LibraryTimeout(Exception):
    """A library's own error of a dependency out of reach, which a service registers."""


answer_unavailable_for(
    lambda e: "档案库暂时不可用，请稍后重试 (retry)" if isinstance(e, LibraryTimeout) else None
)


def _failing(error: Exception) -> Callable[[bytes, grpc.aio.ServicerContext], object]:
    async def handler(_request: bytes, _context: grpc.aio.ServicerContext) -> bytes:
        raise error

    return handler


async def _store_down(_request: bytes, _context: grpc.aio.ServicerContext) -> bytes:
    engine = sa.create_engine("postgresql+psycopg://zdz@127.0.0.1:1/zdz")  # a PostgreSQL that is not there
    try:
        with engine.connect():
            return b""
    finally:
        engine.dispose()


async def _peer_down(_request: bytes, _context: grpc.aio.ServicerContext) -> bytes:
    async with grpc.aio.insecure_channel("127.0.0.1:1") as channel:  # nothing listens on port 1
        await channel.unary_unary("/x.Y/Z")(b"", timeout=2)
    return b""


HANDLERS = {
    "Bug": _failing(KeyError("internal_table_name")),
    "Invalid": _failing(InvalidArgument("须为 1–100", field="page_size")),
    "Down": _failing(Unavailable("登记册服务暂时不可用，请稍后重试 (retry)")),
    "Library": _failing(LibraryTimeout("socket closed")),
    "PeerDown": _peer_down,
    "StoreDown": _store_down,
}


@pytest.fixture
async def channel() -> AsyncIterator[grpc.aio.Channel]:
    handler = grpc.method_handlers_generic_handler(
        "zdz.test.Probe",
        {
            name: grpc.unary_unary_rpc_method_handler(method, lambda b: b, lambda b: b)
            for name, method in HANDLERS.items()
        },
    )
    server = GrpcServer(
        address="127.0.0.1:0",
        register=[lambda s: s.add_generic_rpc_handlers((handler,))],
        service_names=[],
    )
    await server.start()
    async with grpc.aio.insecure_channel(server.address) as opened:
        yield opened
    await server.stop(0)


async def _answer(channel: grpc.aio.Channel, method: str) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await channel.unary_unary(f"/zdz.test.Probe/{method}")(
            b"", metadata=(("x-request-id", "req-42"),), timeout=10
        )
    return raised.value


@pytest.mark.parametrize(
    ("method", "code", "words"),
    [
        ("Bug", grpc.StatusCode.INTERNAL, "请求编号 req-42"),
        ("Invalid", grpc.StatusCode.INVALID_ARGUMENT, "page_size: 须为 1–100"),
        ("Down", grpc.StatusCode.UNAVAILABLE, "登记册服务暂时不可用"),
        ("Library", grpc.StatusCode.UNAVAILABLE, "档案库暂时不可用"),
        ("PeerDown", grpc.StatusCode.UNAVAILABLE, "所依赖的服务暂时不可用"),
        ("StoreDown", grpc.StatusCode.UNAVAILABLE, "服务的数据库暂时不可用"),
    ],
)
async def test_unhandled_errors_answer_their_status_without_naming_internal_classes(
    channel: grpc.aio.Channel, method: str, code: grpc.StatusCode, words: str
) -> None:
    answer = await _answer(channel, method)
    details = answer.details() or ""
    assert answer.code() is code and words in details, details
    for internal in (
        "class",
        "KeyError",
        "internal_table_name",
        "LibraryTimeout",
        "AioRpcError",
        "Unexpected",
        "OperationalError",
        "psycopg",
    ):
        assert internal not in details, details
