"""What changes in the notify service's own set-up, in the past tense, for the audit trail.
Wire form: zdz/notify/v1/events.proto. Notifications themselves are not events: they follow from other
services' events, which are the record."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IntegrationRegistered:
    recipient: str
    display_name: str
    event_types: tuple[str, ...]


@dataclass(frozen=True)
class WebhookRegistered:
    webhook_id: str
    recipient: str
    url: str
    description: str
    secret_fingerprint: str


@dataclass(frozen=True)
class WebhookRemoved:
    webhook_id: str
    recipient: str
    cancelled_deliveries: int


@dataclass(frozen=True)
class EmailAddressRegistered:
    address_id: str
    recipient: str
    address: str


@dataclass(frozen=True)
class EmailAddressRemoved:
    address_id: str
    recipient: str
    cancelled_deliveries: int


@dataclass(frozen=True)
class DeadLettersReplayed:
    recipient: str
    delivery_ids: tuple[str, ...]


Event = (
    IntegrationRegistered
    | WebhookRegistered
    | WebhookRemoved
    | EmailAddressRegistered
    | EmailAddressRemoved
    | DeadLettersReplayed
)
