"""Who may do what (issue 7), as data: a vocabulary of pure predicates over the caller and the target, rules
that name the clause they implement, and a guard each servicer asks before it calls the service layer.

Each service writes its table in `domain/permissions.py`: one line per RPC (or per RPC and sheet kind),
`"CreateUnit": Rule("issue7.directory", "...", MUNICIPAL | SERVICE | granted("registry.directory.write"))`.
A method without a line is refused (deny by default).

When no principal is present (authentication disabled: unit tests, local tools) everything is allowed, so the
same servicers run behind and without the interceptor. A refusal raises `PermissionDenied` naming the rule, and
is first recorded as an `AccessDenied` event in the service's own store (stream "access/<organisation>", type
"zdz.<service>.access.denied"), so it is hash-chained and published like any other event.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

import grpc
from sqlalchemy.engine import Engine
from sqlmodel import Session

from zdz.events.v1.access_pb2 import AccessDenied
from zdz_common.auth import Principal, Role
from zdz_common.context import CommandContext
from zdz_common.errors import PermissionDenied
from zdz_common.eventstore import EventStore, NewEvent
from zdz_common.eventstore.engine import write_transaction_slot
from zdz_common.grpc_auth import current_principal
from zdz_common.grpc_server import command_context


@dataclass(frozen=True)
class Target:
    """What a call is about, as far as the rules need it: resolved by the servicer before the check."""

    unit_id: str = ""
    district_code: str = ""  # the unit's district, or the district the call names
    recipient: str = (
        ""  # notify: the inbox or subscription concerned ("unit:<id>", "integration:<name>", ...)
    )
    sheet_unit_id: str = (
        ""  # scoring: the unit a sheet scores (for "nobody signs for their own organisation")
    )

    def describe(self) -> str:
        parts = [
            f"unit:{self.unit_id}" if self.unit_id else "",
            f"district:{self.district_code}" if self.district_code else "",
            f"recipient:{self.recipient}" if self.recipient else "",
        ]
        return " ".join(p for p in parts if p)


@dataclass(frozen=True)
class Predicate:
    """A yes/no question about (caller, target); combine with | and &."""

    name: str
    test: Callable[[Principal, Target], bool]

    def __call__(self, principal: Principal, target: Target) -> bool:
        return self.test(principal, target)

    def __or__(self, other: Predicate) -> Predicate:
        return Predicate(f"{self.name} | {other.name}", lambda p, t: self(p, t) or other(p, t))

    def __and__(self, other: Predicate) -> Predicate:
        return Predicate(f"{self.name} & {other.name}", lambda p, t: self(p, t) and other(p, t))


def _role(role: Role) -> Predicate:
    return Predicate(role.value, lambda p, _t: p.role is role)


MUNICIPAL = _role(Role.MUNICIPAL_TASK_FORCE)
SERVICE = _role(Role.SERVICE)  # another zdz service, acting for the system
INTEGRATION = _role(Role.INTEGRATION)
SIGNED_IN = Predicate("signed in, not PUBLIC", lambda p, _t: p.role is not Role.PUBLIC)
OWN_UNIT = Predicate(
    "own unit", lambda p, t: p.role is Role.UNIT and bool(t.unit_id) and p.unit_id == t.unit_id
)
OWN_DISTRICT = Predicate(
    "own district",
    lambda p, t: (
        p.role is Role.DISTRICT_TASK_FORCE and bool(t.district_code) and p.district_code == t.district_code
    ),
)
OWN_RECIPIENT = Predicate(
    "own inbox",
    lambda p, t: p.role is not Role.PUBLIC and bool(t.recipient) and p.organisation == t.recipient,
)
NOT_OWN_SHEET = Predicate(
    "not the signer's own organisation",
    lambda p, t: not (p.role is Role.UNIT and p.unit_id == (t.sheet_unit_id or t.unit_id)),
)
# Reads about one unit: the unit itself, its district's task force, the municipal task force, integrations and
# services (issue 7 "integrations read and subscribe").
READS_UNIT = OWN_UNIT | OWN_DISTRICT | MUNICIPAL | INTEGRATION | SERVICE
READS_DISTRICT = OWN_DISTRICT | MUNICIPAL | INTEGRATION | SERVICE
AUDITORS = MUNICIPAL | INTEGRATION | SERVICE


def granted(permission: str) -> Predicate:
    """An integration (or any caller) whose token names this permission, e.g. "registry.ledger.write"."""
    return Predicate(f"granted {permission}", lambda p, _t: permission in p.permissions)


@dataclass(frozen=True)
class Rule:
    """One line of a permission table: the clause it implements, in words a clerk reads, and the predicate."""

    name: str  # e.g. "issue7.own-ledger"
    text: str  # e.g. "a unit edits only its own ledger (单元只能编辑本单元台账)"
    allows: Predicate

    def __str__(self) -> str:
        return f"{self.name}: {self.text}"


Policy = Mapping[str, Rule]

NO_RULE = Rule(
    "issue7.default-deny",
    "no rule allows this call (未列明的操作一律拒绝)",
    Predicate("never", lambda *_: False),
)


def decide(policy: Policy, action: str, principal: Principal, target: Target) -> Rule | None:
    """The rule that refuses `action`, or None when it is allowed."""
    rule = policy.get(action, NO_RULE)
    return None if rule.allows(principal, target) else rule


def denial_stream(organisation: str) -> str:
    return f"access/{organisation}"


class Guard:
    """The servicer's gatekeeper: checks the table, records a refusal, raises PermissionDenied."""

    def __init__(self, policy: Policy, *, service: str, engine: Engine, store: EventStore) -> None:
        self.policy = policy
        self._service = service
        self._engine = engine
        self._store = store

    async def check(
        self, action: str, target: Target, context: CommandContext, *, method: str = ""
    ) -> Principal | None:
        """Allow (returning the principal, None when authentication is off) or record and refuse."""
        principal = current_principal()
        if principal is None:
            return None
        rule = decide(self.policy, action, principal, target)
        if rule is None:
            return principal
        denial = AccessDenied(
            method=method or action,
            rule=str(rule),
            organisation=principal.organisation,
            role=principal.role.value,
            person=principal.person,
            request_id=context.request_id,
            target=target.describe(),
        )
        # Never under the caller's idempotency key: a refusal is not the command's answer.
        await asyncio.to_thread(self._record, principal, denial, replace(context, idempotency=None))
        raise PermissionDenied(f"无权执行 {action} (permission denied) — {rule}")

    async def admit(self, action: str, target: Target, context: grpc.aio.ServicerContext) -> CommandContext:
        """Who asks (the servicer's command context), once the table lets them act on `target`."""
        command = command_context(context)
        await self.check(action, target, command)
        return command

    def _record(self, principal: Principal, denial: AccessDenied, context: CommandContext) -> None:
        with write_transaction_slot(self._engine), Session(self._engine) as session:
            self._store.append(
                session,
                denial_stream(principal.organisation),
                None,
                [NewEvent(f"zdz.{self._service}.access.denied", denial)],
                context,
            )
            session.commit()
