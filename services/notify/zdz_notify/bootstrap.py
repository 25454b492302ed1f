"""The notify service's composition root: engine, tables, routing table, service and event handler.
Nothing is built at import time; the async parts (consumers, worker, servers) are wired in entrypoints/app.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from zdz_common import migrations
from zdz_common.eventstore import STORE_TABLES, EventStore, create_store_engine
from zdz_common.eventstore.store import utc_now
from zdz_common.unit_of_work import UnitOfWorkFactory, no_projection
from zdz_notify.adapters.event_mapping import AuditCodec
from zdz_notify.adapters.orm import NOTIFY_TABLES
from zdz_notify.adapters.routing_file import DEFAULT_ROUTING_FILE, load_routing_table
from zdz_notify.adapters.secret_box import SecretBox
from zdz_notify.adapters.webhook_targets import WebhookTargets
from zdz_notify.domain.recipients import Channel
from zdz_notify.service_layer.handlers import EventHandler
from zdz_notify.service_layer.services import NotifyService

SOURCE = "zdz/notify"
CONSUMER = "notify"  # durable consumer name and tracking key
# The store's tables as the models define them; the migrations (zdz_notify/migrations) create them.
TABLES = [*STORE_TABLES, *NOTIFY_TABLES]


@dataclass(frozen=True)
class Notify:
    service: NotifyService
    handler: EventHandler


def bootstrap(
    database_url: str,
    *,
    routing_file: Path = DEFAULT_ROUTING_FILE,
    clock: Callable[[], datetime] = utc_now,
    on_notified: Callable[[frozenset[Channel]], None] = lambda _channels: None,
    on_deliveries_due: Callable[[], None] = lambda: None,
    migrate: bool = True,
    secrets: SecretBox | None = None,
    targets: WebhookTargets | None = None,
) -> Notify:
    """`on_notified`: notifications on these
    channels were committed (wake inbox feeds, the delivery worker); `on_deliveries_due`: dead letters replayed.
    `migrate`: upgrade the store to the head first (tests, embedded callers); the service at start passes False
    and only checks it (SystemExit with what to run when it is unmigrated, behind or newer). `secrets`: what
    webhook secrets are sealed with (default: a key of this process only); `targets`: where webhooks may point
    (default: public addresses only, resolved by the system)."""
    table = load_routing_table(routing_file)
    engine = create_store_engine(database_url)
    migrations.prepare(engine, "zdz_notify", migrate=migrate)
    service = NotifyService(
        UnitOfWorkFactory(engine, EventStore(SOURCE), AuditCodec(), no_projection),
        table,
        secrets=secrets or SecretBox.generated(),
        targets=targets or WebhookTargets(),
        clock=clock,
        on_deliveries_due=on_deliveries_due,
    )
    return Notify(service, EventHandler(table, clock=clock, on_commit=on_notified))
