"""Following an inbox: first what is unread, then each new notification as it arrives.

New notifications are noticed at once when this process created them (the consumer rings the bell after
its commit) and within a second otherwise (another replica created them). Every few seconds the feed also
compares against the unread list, to catch a notification whose transaction committed after a later one's
(sequence numbers are handed out before commit on PostgreSQL).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

from zdz_notify.adapters.orm import NotificationRecord
from zdz_notify.domain.recipients import parse_recipient
from zdz_notify.service_layer.services import NotifyService


class InboxBell:
    """Wakes every waiting feed; `ring` is called on the event loop after inbox notifications commit."""

    def __init__(self) -> None:
        self._waiters: set[asyncio.Event] = set()

    def ring(self) -> None:
        for waiter in self._waiters:
            waiter.set()

    async def wait_at_most(self, seconds: float) -> None:
        waiter = asyncio.Event()
        self._waiters.add(waiter)
        try:
            await asyncio.wait_for(waiter.wait(), seconds)
        except TimeoutError:
            pass
        finally:
            self._waiters.discard(waiter)


class InboxFeed:
    def __init__(
        self,
        service: NotifyService,
        bell: InboxBell,
        *,
        poll_seconds: float = 1.0,
        reconcile_seconds: float = 5.0,
    ) -> None:
        self._service = service
        self._bell = bell
        self._poll_seconds = poll_seconds
        self._reconcile_seconds = reconcile_seconds

    async def follow(
        self, recipient: str, stop: asyncio.Event
    ) -> AsyncIterator[tuple[NotificationRecord, bool]]:
        """Yield (notification, replayed) until `stop` is set or the caller goes away."""
        who = str(parse_recipient(recipient))
        sent: set[str] = set()
        cursor = 0
        # Unread first, oldest first, page after page.
        while True:
            batch = await asyncio.to_thread(self._service.inbox_after, who, cursor, unread_only=True)
            for notification in batch:
                sent.add(notification.id)
                cursor = max(cursor, notification.seq or 0)
                yield notification, True
            if not batch:
                break
        reconciled = time.monotonic()
        while not stop.is_set():
            await self._bell.wait_at_most(self._poll_seconds)
            fresh = await asyncio.to_thread(self._service.inbox_after, who, cursor, unread_only=False)
            if time.monotonic() - reconciled >= self._reconcile_seconds:
                unread = await asyncio.to_thread(
                    self._service.inbox_after, who, 0, unread_only=True, limit=10_000
                )
                sent &= {n.id for n in unread} | {n.id for n in fresh}
                fresh = sorted([*fresh, *(n for n in unread if n.id not in sent)], key=lambda n: n.seq or 0)
                reconciled = time.monotonic()
            for notification in fresh:
                cursor = max(cursor, notification.seq or 0)
                if notification.id in sent:
                    continue
                sent.add(notification.id)
                yield notification, False
