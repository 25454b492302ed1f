"""Webhook deliveries: a signed HTTP POST of the event in CloudEvents JSON; any 2xx answer accepts it.

Headers: X-Zdz-Signature (see zdz_notify.domain.webhooks), X-Zdz-Delivery (the delivery id, the same on
every attempt, for receivers to drop repeats), X-Zdz-Event-Id, X-Zdz-Attempt. Redirects are not followed.
"""

from __future__ import annotations

import asyncio
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from zdz_notify.domain.deliveries import DeliveryFailed, Job
from zdz_notify.domain.webhooks import SIGNATURE_HEADER, signature


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None  # a 3xx answer becomes an HTTPError, that is a failed attempt


class WebhookSender:
    def __init__(
        self,
        executor: ThreadPoolExecutor,
        *,
        timeout_seconds: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._executor = executor
        self._timeout = timeout_seconds
        self._clock = clock
        self._opener = urllib.request.build_opener(_NoRedirects())

    async def send(self, job: Job) -> None:
        await asyncio.get_running_loop().run_in_executor(self._executor, self._post, job)

    def _post(self, job: Job) -> None:
        body = job.document.encode("utf-8")
        request = urllib.request.Request(
            job.endpoint,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/cloudevents+json; charset=utf-8",
                "User-Agent": "zdz-notify/1",
                SIGNATURE_HEADER: signature(job.secret, int(self._clock()), body),
                "X-Zdz-Delivery": job.delivery_id,
                "X-Zdz-Event-Id": job.event_id,
                "X-Zdz-Attempt": str(job.attempt),
            },
        )
        try:
            with self._opener.open(request, timeout=self._timeout) as response:
                response.read(64 * 1024)
                status = response.status
        except urllib.error.HTTPError as exc:
            raise DeliveryFailed(f"HTTP {exc.code} {exc.reason}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise DeliveryFailed(f"not reachable: {getattr(exc, 'reason', exc)}") from exc
        if not 200 <= status < 300:
            raise DeliveryFailed(f"HTTP {status}")
