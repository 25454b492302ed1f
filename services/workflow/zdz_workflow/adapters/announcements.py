"""Events that belong to no single process, into the service's event store and, through its outbox, to JetStream."""

from __future__ import annotations

import asyncio

from sqlalchemy.engine import Engine

from zdz_common.context import Actor, CommandContext
from zdz_common.eventstore import EventStore
from zdz_common.telemetry import current_traceparent
from zdz_workflow.adapters import event_mapping
from zdz_workflow.domain.demonstration import DemonstrationList
from zdz_workflow.service_layer import effects

DEMONSTRATION_LISTS = "demonstration-lists"


class StoreAnnouncer:
    """ListAnnouncer over the service's event store: each list in a stream of its own, named by its request, so
    the same request again appends nothing."""

    def __init__(self, engine: Engine, store: EventStore) -> None:
        self._engine = engine
        self._store = store

    async def demonstration_list_published(
        self, listing: DemonstrationList, *, actor: Actor, request_id: str
    ) -> None:
        context = CommandContext(actor=actor, request_id=request_id, traceparent=current_traceparent())
        await asyncio.to_thread(
            effects.append_to_stream,
            self._engine,
            self._store,
            f"{DEMONSTRATION_LISTS}/{request_id}",
            0,
            [(context, [event_mapping.demonstration_list_event(listing)])],
        )
