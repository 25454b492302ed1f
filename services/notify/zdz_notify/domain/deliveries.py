"""Deliveries by webhook and e-mail: where each stands, and when a failed one is tried again.

A failed attempt is retried after an exponentially growing delay; after the last allowed attempt the
delivery is a dead letter, kept until someone replays it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from zdz_notify.domain.recipients import Channel


class DeliveryStatus(enum.StrEnum):
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    DEAD = "DEAD"  # every attempt failed: a dead letter
    CANCELLED = "CANCELLED"  # its webhook or address was removed first


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base_seconds: float = 10.0  # 10 s, 20 s, 40 s, … after the 1st, 2nd, 3rd failure
    max_seconds: float = 3600.0

    def delay_after(self, attempts_made: int) -> float:
        return min(self.base_seconds * 2 ** (attempts_made - 1), self.max_seconds)

    def after_failure(self, attempts_made: int, now: datetime) -> tuple[DeliveryStatus, datetime]:
        """Status and next attempt time once `attempts_made` attempts have all failed."""
        if attempts_made >= self.max_attempts:
            return DeliveryStatus.DEAD, now
        return DeliveryStatus.PENDING, now + timedelta(seconds=self.delay_after(attempts_made))


@dataclass(frozen=True)
class Job:
    """One attempt at one delivery, with everything the sender needs."""

    delivery_id: str
    attempt: int  # 1 for the first attempt
    channel: Channel
    endpoint: str  # URL or e-mail address
    secret: str  # webhook signing secret; empty for e-mail
    event_id: str
    event_type: str
    title: str
    text: str
    document: str  # CloudEvents JSON, for webhooks


class DeliveryFailed(Exception):
    """The receiver did not accept the delivery; the message says why (HTTP status, SMTP reply, network)."""


class Sender(Protocol):
    async def send(self, job: Job) -> None: ...
