"""The delivery worker: sends pending webhook and e-mail deliveries from the database, retries with back-off,
dead-letters after the last attempt.

Driven by the table, not by memory: a restarted service finds what is pending and carries on. Each batch (as
many deliveries as are sent at once) is leased (`lease_until`) with a conditional update before it is sent, so
two replicas never send the same delivery at once; a lease left by a crashed process expires and the delivery
is sent again (at least once: receivers drop repeats by the X-Zdz-Delivery header). The lease must outlast a
send's timeout (10 s for webhooks, 20 s for SMTP).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from zdz_common.eventstore.engine import write_transaction_slot
from zdz_common.eventstore.store import format_time, parse_time, utc_now
from zdz_common.metrics import WEBHOOK_DELIVERIES, WEBHOOK_FAILURES
from zdz_notify.adapters.orm import DeliveryRecord, EmailAddressRecord, NotificationRecord, WebhookRecord
from zdz_notify.domain.deliveries import DeliveryFailed, DeliveryStatus, Job, RetryPolicy, Sender
from zdz_notify.domain.recipients import Channel
from zdz_notify.domain.webhooks import SecretUnreadable, SecretVault

log = logging.getLogger(__name__)


class DeliveryWorker:
    def __init__(
        self,
        engine: Engine,
        senders: Mapping[Channel, Sender],
        policy: RetryPolicy,
        secrets: SecretVault,
        *,
        clock: Callable[[], datetime] = utc_now,
        concurrency: int = 16,
        lease_seconds: float = 60.0,
        poll_seconds: float = 1.0,
    ) -> None:
        self._engine = engine
        self._senders = dict(senders)
        self._policy = policy
        self._secrets = secrets
        self._clock = clock
        self._batch_size = concurrency
        self._lease = timedelta(seconds=lease_seconds)
        self._poll_seconds = poll_seconds
        self._wakeup = asyncio.Event()
        self.delivered = 0
        self.failed_attempts = 0

    def wake(self) -> None:
        self._wakeup.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Send until `stop` is set; sleep until the next delivery is due, a wake-up, or the poll interval."""
        while not stop.is_set():
            self._wakeup.clear()
            try:
                sent = await self.run_once()
                wait = 0.0 if sent >= self._batch_size else await asyncio.to_thread(self._seconds_until_due)
            except Exception:  # database briefly unavailable: keep the worker alive
                log.exception("delivery worker: batch failed; retrying")
                wait = self._poll_seconds
            if wait > 0:
                stopping = asyncio.ensure_future(stop.wait())
                waking = asyncio.ensure_future(self._wakeup.wait())
                await asyncio.wait(
                    {stopping, waking},
                    timeout=min(wait, self._poll_seconds),
                    return_when=asyncio.FIRST_COMPLETED,
                )
                stopping.cancel()
                waking.cancel()

    async def run_once(self) -> int:
        """Claim a batch of due deliveries, send them all at once, record each outcome; return how many."""
        jobs = await asyncio.to_thread(self._claim)
        await asyncio.gather(*(self._attempt(job) for job in jobs))
        return len(jobs)

    async def _attempt(self, job: Job) -> None:
        try:
            if job.channel is Channel.WEBHOOK:
                job = dataclasses.replace(job, secret=self._secrets.open(job.secret))
            await self._senders[job.channel].send(job)
            error = ""
        except SecretUnreadable as exc:
            log.error("delivery %s: %s", job.delivery_id, exc)
            error = str(exc)
        except DeliveryFailed as exc:
            error = str(exc) or type(exc).__name__
        except Exception as exc:  # a sender bug must not stop the worker: count it as a failed attempt
            log.exception("delivery %s: sender raised", job.delivery_id)
            error = f"{type(exc).__name__}: {exc}"
        status = await asyncio.to_thread(self._record, job, error)
        channel = {"zdz.channel": job.channel.value}
        WEBHOOK_DELIVERIES.add(1, channel | {"zdz.outcome": "failed" if error else "delivered"})
        if error:
            self.failed_attempts += 1
            WEBHOOK_FAILURES.add(
                1, channel | {"zdz.outcome": "dead" if status is DeliveryStatus.DEAD else "retry"}
            )
        else:
            self.delivered += 1

    def _seconds_until_due(self) -> float:
        with Session(self._engine) as session:
            earliest = session.exec(
                select(sa.func.min(DeliveryRecord.next_attempt_at)).where(
                    DeliveryRecord.status == DeliveryStatus.PENDING.value,
                    col(DeliveryRecord.channel).in_([c.value for c in self._senders]),
                )
            ).one()
        if earliest is None:
            return self._poll_seconds
        return max(0.0, (parse_time(earliest) - self._clock()).total_seconds())

    def _claim(self) -> list[Job]:
        now = self._clock()
        now_text = format_time(now)
        free = sa.or_(col(DeliveryRecord.lease_until).is_(None), col(DeliveryRecord.lease_until) < now_text)
        due = [
            DeliveryRecord.status == DeliveryStatus.PENDING.value,
            col(DeliveryRecord.next_attempt_at) <= now_text,
            col(DeliveryRecord.channel).in_([c.value for c in self._senders]),
            free,
        ]
        with write_transaction_slot(self._engine), Session(self._engine) as session:
            candidates = session.exec(
                select(DeliveryRecord.id)
                .where(*due)
                .order_by(col(DeliveryRecord.next_attempt_at), col(DeliveryRecord.seq))
                .limit(self._batch_size)
            ).all()
            if not candidates:
                return []
            claimed = (
                session.execute(
                    sa.update(DeliveryRecord)
                    .where(col(DeliveryRecord.id).in_(candidates), *due)
                    .values(lease_until=format_time(now + self._lease))
                    .returning(DeliveryRecord.id)
                )
                .scalars()
                .all()
            )
            rows = session.exec(
                select(DeliveryRecord, NotificationRecord, WebhookRecord, EmailAddressRecord)
                .join(NotificationRecord, col(NotificationRecord.id) == DeliveryRecord.notification_id)
                .outerjoin(WebhookRecord, col(WebhookRecord.id) == DeliveryRecord.endpoint_id)
                .outerjoin(EmailAddressRecord, col(EmailAddressRecord.id) == DeliveryRecord.endpoint_id)
                .where(col(DeliveryRecord.id).in_(claimed))
            ).all()
            jobs: list[Job] = []
            for delivery, notification, webhook, address in rows:
                endpoint = webhook or address
                if endpoint is None or endpoint.removed_at is not None:
                    delivery.status = DeliveryStatus.CANCELLED.value
                    delivery.lease_until = None
                    session.add(delivery)
                    continue
                jobs.append(
                    Job(
                        delivery_id=delivery.id,
                        attempt=delivery.attempts + 1,
                        channel=Channel(delivery.channel),
                        endpoint=webhook.url if webhook else address.address,  # type: ignore[union-attr]
                        secret=webhook.secret if webhook else "",  # sealed: opened just before sending
                        event_id=notification.event_id,
                        event_type=notification.event_type,
                        title=notification.title,
                        text=notification.text,
                        document=notification.document,
                    )
                )
            session.commit()
        return jobs

    def _record(self, job: Job, error: str) -> DeliveryStatus:
        """Record the attempt's outcome; return the status it leaves the delivery in."""
        now = self._clock()
        status = DeliveryStatus.DELIVERED
        values: dict[str, object] = {"attempts": job.attempt, "lease_until": None}
        if not error:
            values |= {
                "status": DeliveryStatus.DELIVERED.value,
                "delivered_at": format_time(now),
                "last_error": "",
            }
        else:
            status, next_attempt = self._policy.after_failure(job.attempt, now)
            values |= {
                "status": status.value,
                "next_attempt_at": format_time(next_attempt),
                "last_error": error[:500],
            }
            log.log(
                logging.ERROR if status is DeliveryStatus.DEAD else logging.WARNING,
                "delivery %s to %s: attempt %d failed (%s)%s",
                job.delivery_id,
                job.endpoint,
                job.attempt,
                error,
                "; dead letter" if status is DeliveryStatus.DEAD else "",
            )
        with write_transaction_slot(self._engine), Session(self._engine) as session:
            # Only the holder of the lease records: a delivery cancelled or replayed meanwhile stays as it is.
            session.execute(
                sa.update(DeliveryRecord)
                .where(
                    DeliveryRecord.id == job.delivery_id,
                    DeliveryRecord.status == DeliveryStatus.PENDING.value,
                    DeliveryRecord.attempts == job.attempt - 1,
                )
                .values(**values)
            )
            session.commit()
        return status
