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
from sqlmodel import Session, col, select

from zdz.events.v1.envelope_pb2 import Envelope
from zdz_common.eventstore.store import format_time, utc_now
from zdz_notify.adapters import directory
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

ID_NAMESPACE = uuid.UUID("3b0d7c52-6f0e-5a63-9a7e-5f1f2d8c4e11")


class ContractMismatch(ValueError):
    """The event's payload is not the message its type promises (routing table `payload`)."""


def notification_id(event_id: str, recipient: str, channel: Channel) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, f"{event_id}/{recipient}/{channel.value}"))


def delivery_id(notification: str, endpoint_id: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, f"{notification}/{endpoint_id}"))


def subscribers(session: Session) -> list[Subscriber]:
    return [
        Subscriber(parse_recipient(record.recipient), tuple(json.loads(record.event_types)))
        for record in session.exec(select(IntegrationRecord)).all()
    ]


def _endpoints(session: Session, addressees: list[Addressee]) -> dict[tuple[str, Channel], list[str]]:
    """The registered webhooks and e-mail addresses of the addressees reached by webhook or e-mail."""
    found: dict[tuple[str, Channel], list[str]] = {}
    for channel, table in ((Channel.WEBHOOK, WebhookRecord), (Channel.EMAIL, EmailAddressRecord)):
        recipients = [str(a.recipient) for a in addressees if a.channel is channel]
        if not recipients:
            continue
        rows = session.exec(
            select(table.recipient, table.id).where(
                col(table.recipient).in_(recipients), col(table.removed_at).is_(None)
            )
        ).all()
        for recipient, endpoint_id in rows:
            found.setdefault((recipient, channel), []).append(endpoint_id)
    return found


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
            self._handle(session, envelope)

    def _handle(self, session: Session, envelope: Envelope) -> None:
        rule = self._table.rule_for(envelope.type)
        if rule is None:
            if envelope.type not in self._table.ignored:
                log.warning(
                    "%s %s: a type the routing table neither routes nor ignores", envelope.type, envelope.id
                )
            return  # no one is told of this type; the event is still marked processed
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
                return
        unit = unit_of(payload)
        addressees = self._table.addressees(
            rule,
            unit=unit,
            values=scalar_values(payload),
            subscribers=subscribers(session) if rule.offered_to_integrations else [],
            unit_lists={name: units_at(payload, name) for name in rule.unit_lists},
        )
        if not addressees:
            return
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
        session.execute(sa.insert(NotificationRecord), notifications)
        if deliveries:
            session.execute(sa.insert(DeliveryRecord), deliveries)
        channels = frozenset(a.channel for a in addressees)
        sa.event.listen(session, "after_commit", lambda _session: self._on_commit(channels), once=True)
