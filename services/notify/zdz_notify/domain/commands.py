"""What callers ask of the notify service, in the imperative."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RegisterIntegration:
    name: str
    display_name: str
    event_types: tuple[str, ...]


@dataclass(frozen=True)
class RegisterWebhook:
    recipient: str
    url: str
    secret: str
    description: str = ""


@dataclass(frozen=True)
class RemoveWebhook:
    webhook_id: str


@dataclass(frozen=True)
class RegisterEmailAddress:
    recipient: str
    address: str


@dataclass(frozen=True)
class RemoveEmailAddress:
    address_id: str


@dataclass(frozen=True)
class MarkRead:
    recipient: str
    notification_ids: tuple[str, ...] = ()
    all: bool = False


@dataclass(frozen=True)
class ReplayDeadLetters:
    recipient: str = ""
    delivery_ids: tuple[str, ...] = ()
