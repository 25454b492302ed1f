"""Operations on a service's own event store, served by the runtime next to the service's API (issue 13,
"Operations: re-feed a stream from a store position"): `zdz ops refeed --service registry --from-position N`.

Why it is shaped this way. A re-feed changes no fact: it only marks stored events as not yet published, and
the outbox relay that already runs for this store publishes them again, in position order, with the event id
as `Nats-Msg-Id`. So the RPC needs nothing but the store's engine, and every service that relays an outbox
serves it (`ServiceRuntime.relay_outbox` registers it). A copy JetStream still holds inside its
de-duplication window is dropped; past the window (or after the broker lost the stream) the events reach
the stream again and each consumer skips what its tracking table says it processed, so nothing is applied
twice.

Only the municipal task force and the zdz services may re-feed: with authentication on, the verified
principal decides and a refusal is recorded like every other (an `AccessDenied` event, see authorisation);
on a development server without authentication, the call's x-zdz-role metadata decides, as
`grpc_server.command_context` reads it. Who re-fed what is logged as one structured line.
"""

from __future__ import annotations

import asyncio
import logging

import grpc
from sqlalchemy.engine import Engine

from zdz.ops.v1 import operations_pb2 as pb
from zdz.ops.v1 import operations_pb2_grpc
from zdz_common.auth import Principal, Role
from zdz_common.authorisation import MUNICIPAL, SERVICE, Guard, Rule, Target, decide
from zdz_common.context import CommandContext
from zdz_common.errors import PermissionDenied
from zdz_common.eventstore import EventStore
from zdz_common.grpc_auth import current_principal
from zdz_common.grpc_server import command_context, maps_domain_errors
from zdz_common.outbox import requeue

log = logging.getLogger(__name__)

REFEED = Rule(
    "issue13.operations",
    "只有市级工作专班或系统服务可以重新投递事件流 (only the municipal task force or a zdz service re-feeds a stream)",
    MUNICIPAL | SERVICE,
)
OPERATIONS_POLICY = {"Refeed": REFEED}


def _claimed(command: CommandContext) -> Principal:
    """On a server without authentication, the caller its x-zdz-role metadata claims to be (an unknown or missing
    role: PUBLIC, which no operation allows); REFEED then decides as it does for a verified token."""
    try:
        role = Role(command.actor.role)
    except ValueError:
        role = Role.PUBLIC
    return Principal(role=role, person=command.actor.person)


class OperationsServicer(operations_pb2_grpc.OperationsServiceServicer):
    """`zdz.ops.v1.OperationsService` for one store: `service` names the service (its access events are
    `zdz.<service>.access.denied`), `stream` the JetStream stream its relay publishes to."""

    def __init__(self, engine: Engine, *, service: str, stream: str) -> None:
        self._engine = engine
        self._service = service
        self._stream = stream
        self._guard = Guard(
            OPERATIONS_POLICY, service=service, engine=engine, store=EventStore(f"zdz/{service}")
        )

    async def _admit(self, command: CommandContext) -> None:
        if current_principal() is not None:
            await self._guard.check("Refeed", Target(), command, method="Refeed")
        elif decide(OPERATIONS_POLICY, "Refeed", _claimed(command), Target()) is not None:
            raise PermissionDenied(f"无权执行 Refeed (permission denied) — {REFEED}")

    @maps_domain_errors
    async def Refeed(self, request: pb.RefeedRequest, context: grpc.aio.ServicerContext) -> pb.RefeedResponse:
        command = command_context(context)
        actor = command.actor
        to_position = request.to_position if request.HasField("to_position") else None
        who = {
            "operation": "refeed",
            "stream": self._stream,
            "actor_organisation": actor.organisation,
            "actor_role": actor.role,
            "actor_person": actor.person,
            "request_id": command.request_id,
            "from_position": request.from_position,
            "to_position": to_position,
        }
        try:
            await self._admit(command)
        except PermissionDenied:
            log.warning(
                "operations: re-feed of %s refused for %s", self._stream, actor.organisation, extra=who
            )
            raise
        requeued = await asyncio.to_thread(
            requeue, self._engine, from_position=request.from_position, to_position=to_position
        )
        log.info(
            "operations: %s (%s) re-fed %d events of %s, positions %d–%d",
            actor.person,
            actor.organisation,
            requeued.queued,
            self._stream,
            requeued.first_position,
            requeued.last_position,
            extra=who
            | {
                "queued": requeued.queued,
                "first_position": requeued.first_position,
                "last_position": requeued.last_position,
                "store_last_position": requeued.store_last_position,
            },
        )
        return pb.RefeedResponse(
            queued=requeued.queued,
            first_position=requeued.first_position,
            last_position=requeued.last_position,
            store_last_position=requeued.store_last_position,
            stream=self._stream,
        )
