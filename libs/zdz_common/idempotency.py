"""Idempotency keys for commands (issue 7: "a retried command is answered with the first result, never applied
twice"), applied to a servicer method by one decorator, `@idempotent(ResponseMessage)`.

A command call may carry `x-idempotency-key` metadata (at most 200 printable characters). The key is scoped to
the caller (the verified principal's organisation and person; without authentication, the x-zdz-* metadata).

What is guaranteed, and where it is written:
- A command that records events writes the key into the service's `es_idempotency` table *in the same
  transaction* as its events (the event store does it before the first event). So the command is applied at
  most once per key: a concurrent retry fails on the key's primary key and rolls back everything it did.
- Its answer is written just after that transaction commits. A retry finds it and gets the same response,
  byte for byte. The key remembers a fingerprint of its request (the method and a SHA-256 of the request's
  deterministic bytes): a key reused for a different method or request is refused FAILED_PRECONDITION naming
  the key, as payment APIs do, and nothing of the second request is applied.
- Crash window: if the process dies between the command's commit and the answer's write (one small update),
  the command stands and a retry is answered FAILED_PRECONDITION ("applied; the first answer was lost: read
  the current state") — never applied again.
- A command that records no event (nothing changed, or a change without an audit event such as marking
  notifications read) writes its key and answer right after it, in one transaction; a crash before that lets a
  retry run it again, which for such commands changes nothing more.
- A command that fails (any error status) stores nothing: a retry runs it again.
- Streamed requests (ledger imports) are fingerprinted too: each message is hashed as it arrives, and when the
  stream ends, before the method writes anything, the key is looked up with the whole stream's fingerprint: a
  retry (the same messages in the same order) is answered with the first answer, a different stream under the
  same key is refused. The key the command's transaction writes has no fingerprint yet (the command context
  was made before the stream was read); it gets it with the answer, and meanwhile a retry waits for that answer.
- A command whose effect another system keeps (the workflow's processes, in Temporal, where the key makes the
  update id and a retry the same update) claims its key with its fingerprint before it runs (`claim_key`), on
  whatever process or round it names: the same refusal of a reused key, in every service.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextvars import ContextVar
from dataclasses import replace
from typing import Any, TypeVar

import grpc
import sqlalchemy as sa
from google.protobuf.message import Message
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from zdz_common.context import IdempotencyClaim
from zdz_common.errors import FailedPrecondition, InvalidArgument
from zdz_common.eventstore.engine import write_transaction_slot
from zdz_common.eventstore.store import DuplicateCommand, format_time, utc_now
from zdz_common.eventstore.tables import IdempotencyRecord
from zdz_common.grpc_auth import current_principal

METADATA_KEY = "x-idempotency-key"
MAX_KEY_LENGTH = 200
ANSWER_WAIT_SECONDS = 2.0  # how long a concurrent retry waits for the first attempt's answer

_CLAIM: ContextVar[IdempotencyClaim | None] = ContextVar("zdz_idempotency", default=None)

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])
_TABLE = IdempotencyRecord.__table__  # type: ignore[attr-defined]


class KeyReused(FailedPrecondition):
    """The key was used for another request (FAILED_PRECONDITION, naming the key): nothing of this one is applied."""

    def __init__(self, key: str) -> None:
        super().__init__(
            f"幂等键 {key!r} 已用于另一请求，本请求未执行；新请求请换一个新键 "
            f"(idempotency key {key!r} was used for a different request: nothing was applied; use a new key)",
            field=METADATA_KEY,
        )


def current_claim() -> IdempotencyClaim | None:
    """The idempotency key of the command being served (read by `grpc_server.command_context`)."""
    return _CLAIM.get()


def _caller(metadata: dict[str, str]) -> str:
    principal = current_principal()
    if principal is not None:
        return f"{principal.organisation}/{principal.person}"
    return f"{metadata.get('x-zdz-organisation', 'unknown')}/{metadata.get('x-zdz-person', 'unknown')}"


def _checked_key(raw: str) -> str:
    key = raw.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidArgument(
            f"幂等键须为 1–{MAX_KEY_LENGTH} 个可打印字符 (idempotency key: 1 to {MAX_KEY_LENGTH} printable characters)",
            field=METADATA_KEY,
        )
    return key


def _request_hash(request: Message) -> str:
    return hashlib.sha256(request.SerializeToString(deterministic=True)).hexdigest()


class _Replayed(Exception):
    """Raised out of a request stream whose key already has its answer: the method stops, the answer is sent."""

    def __init__(self, response: Message) -> None:
        super().__init__("replayed")
        self.response = response


def _fingerprinted_stream(
    requests: AsyncIterator[Message], engine: Engine, claim: IdempotencyClaim, response_type: type[Message]
) -> AsyncIterator[Message]:
    """The request stream as the method reads it, hashed on the way (each message length-prefixed, so the
    split between messages counts). At its end, before the method can act on it, the key is claimed with the
    stream's fingerprint: known with the same fingerprint → the first answer (`_Replayed`); known with another
    → FAILED_PRECONDITION; unknown → the claim the event store writes carries the fingerprint."""

    async def stream() -> AsyncIterator[Message]:
        digest = hashlib.sha256()
        async for request in requests:
            body = request.SerializeToString(deterministic=True)
            digest.update(len(body).to_bytes(8, "big"))
            digest.update(body)
            yield request
        final = replace(claim, request_hash=digest.hexdigest())
        first = await _replay(engine, final, response_type)
        if first is not None:
            raise _Replayed(first)
        _CLAIM.set(final)

    return stream()


def _find(engine: Engine, claim: IdempotencyClaim) -> IdempotencyRecord | None:
    with Session(engine) as session:
        return session.get(IdempotencyRecord, (claim.caller, claim.key))


def _remember(engine: Engine, claim: IdempotencyClaim, response: bytes) -> None:
    """Give the key its answer; insert the key too when the command recorded no event."""
    with write_transaction_slot(engine), Session(engine) as session:
        updated = session.execute(
            sa.update(_TABLE)
            .where(_TABLE.c.caller == claim.caller, _TABLE.c.key == claim.key, _TABLE.c.response.is_(None))
            .values(response=response, request_hash=claim.request_hash)
        ).rowcount  # type: ignore[attr-defined]
        if not updated:
            try:
                session.execute(
                    sa.insert(_TABLE),
                    [
                        {
                            "caller": claim.caller,
                            "key": claim.key,
                            "method": claim.method,
                            "request_hash": claim.request_hash,
                            "response": response,
                            "created_at": format_time(utc_now()),
                        }
                    ],
                )
            except IntegrityError:  # a concurrent retry answered first: its answer stands
                session.rollback()
                return
        session.commit()


async def _replay(engine: Engine, claim: IdempotencyClaim, response_type: type[Message]) -> Message | None:
    """The first answer for this key; None when the key is unknown. Waits briefly for an answer being written."""
    deadline = asyncio.get_running_loop().time() + ANSWER_WAIT_SECONDS
    while True:
        record = await asyncio.to_thread(_find, engine, claim)
        if record is None:
            return None
        if record.method != claim.method:
            raise KeyReused(claim.key)
        # A stream's key is written with its command's events before its fingerprint is known (empty), and
        # gets it with its answer: until then there is nothing to compare, only an answer to wait for.
        if record.request_hash and record.request_hash != claim.request_hash:
            raise KeyReused(claim.key)
        if record.response is not None:
            return response_type.FromString(record.response)
        if asyncio.get_running_loop().time() > deadline:
            raise FailedPrecondition(
                "该请求已执行，但首次应答因故障丢失；请查询当前状态，勿重复提交 "
                "(already applied; the first answer was lost: read the current state)",
                field=METADATA_KEY,
            )
        await asyncio.sleep(0.05)


def claim_key(engine: Engine, caller: str, raw_key: str, method: str, request: Message) -> IdempotencyClaim:
    """For a command whose effect another system keeps, the workflow's in Temporal (whose update id, built from
    the key, answers a retry with the first result): remember the key with the request's fingerprint, or refuse
    it (`KeyReused`) when it was used for another method or request. Returns the claim, made now or found (a
    retry after a fault): released if the command is then refused, as a refused command leaves no trace."""
    claim = IdempotencyClaim(
        caller=caller, key=_checked_key(raw_key), method=method, request_hash=_request_hash(request)
    )
    with write_transaction_slot(engine), Session(engine) as session:
        record = session.get(IdempotencyRecord, (claim.caller, claim.key))
        if record is None:
            try:
                session.execute(
                    sa.insert(_TABLE),
                    [
                        {
                            "caller": claim.caller,
                            "key": claim.key,
                            "method": claim.method,
                            "request_hash": claim.request_hash,
                            "created_at": format_time(utc_now()),
                        }
                    ],
                )
                session.commit()
                return claim
            except IntegrityError:  # a concurrent call claimed it first: compare with its fingerprint
                session.rollback()
                record = session.get(IdempotencyRecord, (claim.caller, claim.key))
                assert record is not None
        if (record.method, record.request_hash) != (claim.method, claim.request_hash):
            raise KeyReused(claim.key)
        return claim


def release_key(engine: Engine, claim: IdempotencyClaim) -> None:
    """Forget a key `claim_key` claimed for a command that was then refused: the key is free again."""
    with write_transaction_slot(engine), Session(engine) as session:
        session.execute(
            sa.delete(_TABLE).where(
                _TABLE.c.caller == claim.caller,
                _TABLE.c.key == claim.key,
                _TABLE.c.request_hash == claim.request_hash,
                _TABLE.c.response.is_(None),
            )
        )
        session.commit()


def idempotent(response_type: type[Message]) -> Callable[[F], F]:
    """Decorate a command method of a servicer whose `_service.engine` is the service's database. Put it under
    `maps_domain_errors` (and under the permission check's caller) so refusals are never remembered."""

    def decorate(method: F) -> F:
        @functools.wraps(method)
        async def wrapper(self: Any, request: Any, context: grpc.aio.ServicerContext) -> Any:
            metadata = {k: v for k, v in (context.invocation_metadata() or ()) if isinstance(v, str)}
            if METADATA_KEY not in metadata:
                return await method(self, request, context)
            engine: Engine = self._service.engine
            claim = IdempotencyClaim(
                caller=_caller(metadata),
                key=_checked_key(metadata[METADATA_KEY]),
                method=method.__name__,
                request_hash=_request_hash(request) if isinstance(request, Message) else "",
            )
            if isinstance(request, Message):
                first = await _replay(engine, claim, response_type)
                if first is not None:
                    return first
            else:  # a request stream: its fingerprint is known, and checked, once it has been read
                request = _fingerprinted_stream(request, engine, claim, response_type)
            token = _CLAIM.set(claim)
            try:
                response = await method(self, request, context)
            except _Replayed as replayed_stream:
                return replayed_stream.response
            except DuplicateCommand:  # a concurrent retry with the same key committed first
                replayed = await _replay(engine, _CLAIM.get() or claim, response_type)
                if replayed is None:
                    raise
                return replayed
            finally:
                claim = _CLAIM.get() or claim
                _CLAIM.reset(token)
            await asyncio.to_thread(_remember, engine, claim, response.SerializeToString(deterministic=True))
            return response

        return wrapper  # type: ignore[return-value]

    return decorate
