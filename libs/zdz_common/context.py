"""Who asks: the actor and request id every command carries and every event records."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Actor:
    """The organisation, role and person behind a command."""

    organisation: str = "unknown"
    role: str = "unknown"
    person: str = "unknown"


SYSTEM = Actor(organisation="zdz", role="SYSTEM", person="zdz")


@dataclass(frozen=True)
class IdempotencyClaim:
    """A command's idempotency key (x-idempotency-key), scoped to its caller; the event store writes it in the
    command's own transaction (see zdz_common.idempotency)."""

    caller: str
    key: str
    method: str
    request_hash: str


@dataclass(frozen=True)
class CommandContext:
    """What travels with a command into the events it causes."""

    actor: Actor = SYSTEM
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    traceparent: str = ""
    idempotency: IdempotencyClaim | None = None
