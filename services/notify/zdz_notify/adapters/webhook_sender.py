"""Webhook deliveries: a signed HTTP POST of the event in CloudEvents JSON; any 2xx answer accepts it.

Headers: X-Zdz-Signature (see zdz_notify.domain.webhooks), X-Zdz-Delivery (the delivery id, the same on
every attempt, for receivers to drop repeats), X-Zdz-Event-Id, X-Zdz-Attempt.

Each attempt resolves the host again and checks every address (WebhookTargets), then connects to the address it
checked, naming the host in the Host header and as the TLS server name (whose certificate is verified), so a
name re-pointed between the check and the connection reaches nothing new. Redirects are not followed: a 3xx
answer is a failed attempt. No proxy from the environment is used (it would connect elsewhere).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx

from zdz_notify.adapters.webhook_targets import WebhookTargets
from zdz_notify.domain.deliveries import DeliveryFailed, Job
from zdz_notify.domain.webhooks import SIGNATURE_HEADER, TargetRefused, signature


class WebhookSender:
    def __init__(
        self,
        executor: ThreadPoolExecutor,
        targets: WebhookTargets,
        *,
        timeout_seconds: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._executor = executor
        self._targets = targets
        self._clock = clock
        # No kept-alive connections: a connection to one address must never carry another host's request.
        self._client = httpx.Client(
            timeout=timeout_seconds,
            follow_redirects=False,
            trust_env=False,
            limits=httpx.Limits(max_keepalive_connections=0),
        )

    async def send(self, job: Job) -> None:
        await asyncio.get_running_loop().run_in_executor(self._executor, self._post, job)

    def close(self) -> None:
        self._client.close()

    def _post(self, job: Job) -> None:
        try:
            target = self._targets.target(job.endpoint)
        except TargetRefused as exc:
            raise DeliveryFailed(f"refused: {exc}") from exc
        body = job.document.encode("utf-8")
        url = httpx.URL(job.endpoint)
        extensions = {"sni_hostname": url.raw_host.decode("ascii")} if url.scheme == "https" else {}
        headers = {
            "Host": url.netloc.decode("ascii"),
            "Content-Type": "application/cloudevents+json; charset=utf-8",
            "User-Agent": "zdz-notify/1",
            SIGNATURE_HEADER: signature(job.secret, int(self._clock()), body),
            "X-Zdz-Delivery": job.delivery_id,
            "X-Zdz-Event-Id": job.event_id,
            "X-Zdz-Attempt": str(job.attempt),
        }
        request = self._client.build_request(
            "POST",
            url.copy_with(host=str(target.address)),
            content=body,
            headers=headers,
            extensions=extensions,
        )
        try:
            response = self._client.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"not reachable: {exc}") from exc
        response.close()  # the body is not read: the status says it all
        status = response.status_code
        if 300 <= status < 400:
            raise DeliveryFailed(f"HTTP {status} {response.reason_phrase} (redirects are not followed)")
        if not 200 <= status < 300:
            raise DeliveryFailed(f"HTTP {status} {response.reason_phrase}")
