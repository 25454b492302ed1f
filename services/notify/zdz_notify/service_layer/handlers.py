"""Turning one event into its notifications, in the consumer's transaction (which also records the event id).

Each (event, recipient, channel) becomes one notification; e-mail and webhook notifications get one pending
delivery per registered address or webhook, which the delivery worker sends; board notifications update
the public notice board. A unique key on (event id, recipient, channel) backs the consumer's tracking.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col

from zdz.events.v1.envelope_pb2 import Envelope
from zdz_common.eventstore.store import format_time, utc_now
from zdz_notify.adapters import directory
from zdz_notify.adapters.batch_cache import transaction_cache
from zdz_notify.adapters.board import apply_to_board
from zdz_notify.adapters.orm import (
    DeliveryRecord,
    EmailAddressRecord,
    IntegrationRecord,
    NotificationRecord,
    WebhookRecord,
)
from zdz_notify.adapters.payloads import (
    cloudevent_document,
    decode,
    scalar_values,
    template_fields,
    timestamp_field,
    unit_of,
    units_at,
)
from zdz_notify.domain.deliveries import DeliveryStatus
from zdz_notify.domain.messages import Moment, render
from zdz_notify.domain.recipients import Channel, parse_recipient
from zdz_notify.domain.routing import Addressee, RoutingTable, Subscriber

log = logging.getLogger(__name__)

_INSERT_NOTIFICATION = sa.insert(NotificationRecord.__table__)  # type: ignore[arg-type]
_INSERT_DELIVERY = sa.insert(DeliveryRecord.__table__)  # type: ignore[arg-type]

ID_NAMESPACE = uuid.UUID("3b0d7c52-6f0e-5a63-9a7e-5f1f2d8c4e11")


class ContractMismatch(ValueError):
    """The event's payload is not the message its type promises (routing table `payload`)."""


def notification_id(event_id: str, recipient: str, channel: Channel) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, f"{event_id}/{recipient}/{channel.value}"))


def delivery_id(notification: str, endpoint_id: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, f"{notification}/{endpoint_id}"))


def subscribers(session: Session) -> list[Subscriber]:
    """The integrations and what they subscribe to, read once per transaction (the handler writes none)."""
    cache = transaction_cache(session, "zdz_notify.subscribers")
    if "all" not in cache:
        cache["all"] = [
            Subscriber(parse_recipient(recipient), tuple(json.loads(event_types)))
            for recipient, event_types in session.connection().execute(
                sa.select(IntegrationRecord.recipient, IntegrationRecord.event_types)
            )
        ]
    return cache["all"]  # type: ignore[no-any-return]


def _endpoints(session: Session, addressees: list[Addressee]) -> dict[tuple[str, Channel], list[str]]:
    """The registered webhooks and e-mail addresses of the addressees reached by webhook or e-mail, each
    recipient's read once per transaction (the handler writes none)."""
    known = transaction_cache(session, "zdz_notify.endpoints")
    for channel, table in ((Channel.WEBHOOK, WebhookRecord), (Channel.EMAIL, EmailAddressRecord)):
        recipients = {
            str(a.recipient)
            for a in addressees
            if a.channel is channel and (str(a.recipient), channel) not in known
        }
        if not recipients:
            continue
        for recipient in recipients:
            known[(recipient, channel)] = []
        rows = session.connection().execute(
            sa.select(table.recipient, table.id).where(
                col(table.recipient).in_(sorted(recipients)), col(table.removed_at).is_(None)
            )
        )
        for recipient, endpoint_id in rows:
            known[(recipient, channel)].append(endpoint_id)
    return known


class EventHandler:
    """The consumer's handler: `handler(session, envelope)`; `on_commit(channels)` runs after the commit."""

    def __init__(
        self,
        table: RoutingTable,
        *,
        clock: Callable[[], datetime] = utc_now,
        on_commit: Callable[[frozenset[Channel]], None] = lambda _channels: None,
    ) -> None:
        self._table = table
        self._vocabulary = dict(table.vocabulary)
        self._clock = clock
        self._on_commit = on_commit

    def __call__(self, session: Session, envelope: Envelope) -> None:
        with session.no_autoflush:  # one flush at commit, not one before every query
            channels = self._handle(session, envelope)
        if channels:  # one listener per transaction, told every channel the batch's events notified on
            notified = transaction_cache(session, "zdz_notify.notified")
            if not notified:
                sa.event.listen(
                    session, "after_commit", lambda _session: self._on_commit(frozenset(notified)), once=True
                )
            notified.update(dict.fromkeys(channels))

    def _handle(self, session: Session, envelope: Envelope) -> frozenset[Channel]:
        """Write the event's notifications and deliveries; the channels they are on (none: no one is told)."""
        rule = self._table.rule_for(envelope.type)
        if rule is None:
            if envelope.type not in self._table.ignored:
                log.warning(
                    "%s %s: a type the routing table neither routes nor ignores", envelope.type, envelope.id
                )
            return frozenset()  # no one is told of this type; the event is still marked processed
        payload = decode(envelope.data)
        if payload.DESCRIPTOR.full_name != rule.payload:
            raise ContractMismatch(
                f"{envelope.type} carries {payload.DESCRIPTOR.full_name}, the routing table expects {rule.payload}"
            )
        now = self._clock()
        directory.observe(session, payload, now)
        if rule.stale_after:
            moment = timestamp_field(payload, rule.stale_after)
            if moment is not None and moment <= now:
                log.info("%s %s: %s has passed, telling no one", envelope.type, envelope.id, rule.stale_after)
                return frozenset()
        unit = unit_of(payload)
        addressees = self._table.addressees(
            rule,
            unit=unit,
            values=scalar_values(payload),
            subscribers=subscribers(session) if rule.offered_to_integrations else [],
            unit_lists={name: units_at(payload, name) for name in rule.unit_lists},
        )
        if not addressees:
            return frozenset()
        if any(a.channel is Channel.BOARD for a in addressees):
            apply_to_board(session, envelope, payload, now)
        event_time = envelope.time.ToDatetime(tzinfo=now.tzinfo)
        fields = {
            **template_fields(payload, self._vocabulary),
            "district_name": directory.district_name(session, unit.district_code) if unit else "",
            "event_time": Moment(event_time),
        }
        title = render(rule.title, fields, field="title")
        text = render(rule.text, fields, field="text")
        created = format_time(now)
        notifications: list[dict[str, object]] = []
        deliveries: list[dict[str, object]] = []
        endpoints = _endpoints(session, addressees)
        for addressee in addressees:
            recipient = str(addressee.recipient)
            about = addressee.about or unit
            notification = notification_id(envelope.id, recipient, addressee.channel)
            notifications.append(
                {
                    "id": notification,
                    "event_id": envelope.id,
                    "event_type": envelope.type,
                    "recipient": recipient,
                    "channel": addressee.channel.value,
                    "title": title,
                    "text": text,
                    "document": cloudevent_document(envelope, payload, recipient=recipient, title=title)
                    if addressee.channel is Channel.WEBHOOK
                    else "",
                    "unit_id": about.id if about else "",
                    "district_code": about.district_code if about else "",
                    "event_time": format_time(event_time),
                    "created_at": created,
                    "read_by": "",
                }
            )
            deliveries.extend(
                {
                    "id": delivery_id(notification, endpoint_id),
                    "notification_id": notification,
                    "recipient": recipient,
                    "channel": addressee.channel.value,
                    "endpoint_id": endpoint_id,
                    "status": DeliveryStatus.PENDING.value,
                    "attempts": 0,
                    "next_attempt_at": created,
                    "last_error": "",
                    "created_at": created,
                }
                for endpoint_id in endpoints.get((recipient, addressee.channel), [])
            )
        connection = session.connection()  # Core: these rows need no ORM objects
        connection.execute(_INSERT_NOTIFICATION, notifications)
        if deliveries:
            connection.execute(_INSERT_DELIVERY, deliveries)
        return frozenset(a.channel for a in addressees)
