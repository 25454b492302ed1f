"""The running notify service: one durable consumer per service stream, the delivery worker, the outbox relay
of its own audit events, the gRPC inbox API and the notice board's HTTP server (Starlette on uvicorn, in this
event loop), on the shared service runtime. `zdz-notify` runs it; tests run it in-process."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from nats.js.errors import NotFoundError

from zdz.notify.v1 import notify_pb2, notify_pb2_grpc
from zdz_common.consumer import ConsumerSettings, EventConsumer
from zdz_common.eventstore.store import utc_now
from zdz_common.nats_streams import connect, ensure_stream, stream_name
from zdz_common.runtime import ServiceRuntime
from zdz_notify.adapters.board_pages import BoardPages
from zdz_notify.adapters.email_sender import EmailSender
from zdz_notify.adapters.rate_limit import ClientThrottle
from zdz_notify.adapters.secret_box import SecretBox
from zdz_notify.adapters.webhook_sender import WebhookSender
from zdz_notify.adapters.webhook_targets import Resolver, WebhookTargets, system_resolver
from zdz_notify.adapters.workflow_desk import WorkflowObjectionDesk
from zdz_notify.bootstrap import CONSUMER, bootstrap
from zdz_notify.config import NotifyConfig
from zdz_notify.domain.deliveries import Sender
from zdz_notify.domain.recipients import Channel
from zdz_notify.entrypoints.board_http import BoardServer
from zdz_notify.entrypoints.grpc_api import NotifyServicer
from zdz_notify.service_layer.delivery import DeliveryWorker
from zdz_notify.service_layer.inbox import InboxBell, InboxFeed
from zdz_notify.service_layer.objections import FormTokens, PublicObjections

log = logging.getLogger(__name__)


class NotifyApp:
    def __init__(
        self,
        config: NotifyConfig,
        *,
        clock: Callable[[], datetime] = utc_now,
        resolve: Resolver = system_resolver,
    ) -> None:
        """`resolve`: how webhook hosts are resolved (the system's resolver; tests stand in for DNS)."""
        self.config = config
        self._clock = clock
        self._resolve = resolve

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        config = self.config
        self.bell = InboxBell()
        if config.webhook_secret_keys:
            secrets = SecretBox(config.webhook_secret_keys)
        else:
            log.warning("notify: no webhook secret key configured; this process's own key seals them")
            secrets = SecretBox.generated()
        targets = WebhookTargets(config.webhook_allow, self._resolve)

        def notified(channels: frozenset[Channel]) -> None:  # from the consumer's worker thread, after commit
            loop.call_soon_threadsafe(self._after_notified, channels)

        self.notify = bootstrap(
            config.database_url,
            routing_file=config.routing_file,
            clock=self._clock,
            on_notified=notified,
            on_deliveries_due=lambda: loop.call_soon_threadsafe(self.worker.wake),
            secrets=secrets,
            targets=targets,
        )
        self.service = self.notify.service
        executor = ThreadPoolExecutor(max_workers=16, thread_name_prefix="notify-send")
        webhooks = WebhookSender(executor, targets)
        senders: dict[Channel, Sender] = {Channel.WEBHOOK: webhooks}
        if config.smtp is not None:
            senders[Channel.EMAIL] = EmailSender(config.smtp, executor)
        else:
            log.warning("notify: ZDZ_SMTP_HOST is not set; e-mail deliveries wait until it is")
        self.worker = DeliveryWorker(
            self.service.engine,
            senders,
            config.retry,
            secrets,
            clock=self._clock,
            poll_seconds=config.delivery_poll_seconds,
            lease_seconds=config.delivery_lease_seconds,
        )
        runtime = self._runtime = ServiceRuntime.from_config("notify", config)
        runtime.serve(
            notify_pb2_grpc.add_NotifyServiceServicer_to_server,
            NotifyServicer(self.service, InboxFeed(self.service, self.bell), runtime.stopping),
            notify_pb2,
            "NotifyService",
        )
        runtime.run_task("notify source streams", self._declare_source_streams)
        for service in config.source_services:
            runtime.consume(
                EventConsumer(
                    self.service.engine,
                    ConsumerSettings(
                        name=CONSUMER,
                        stream=stream_name(service),
                        retry_delays=config.consumer_retry_delays,
                        ack_wait_seconds=config.consumer_ack_wait_seconds,
                    ),
                    self.notify.handler,
                )
            )
        runtime.run_task("notify deliveries", self.worker.run)
        runtime.relay_outbox(self.service.engine)
        desk = WorkflowObjectionDesk(
            config.workflow_address, token=config.auth.service_token, tls=config.auth.tls
        )
        settings = config.objections
        objections = PublicObjections(
            self.service,
            desk,
            ClientThrottle(settings.rate_limit),
            FormTokens(settings.form_secret, settings.form_max_age, self._clock),
            settings.limits,
            self._clock,
        )
        self._board = BoardServer(
            config.board_address,
            self.service,
            BoardPages(self.service.table.vocabulary),
            objections,
            clock=self._clock,
            public_base_url=config.board_public_url,
            frame_ancestors=config.board_frame_ancestors,
            trust_forwarded_for=settings.trust_forwarded_for,
            shutdown_grace_seconds=config.shutdown_grace_seconds,
        )
        # Stopped after the gRPC server, before the workflow channel its objections use is closed.
        runtime.run_task("notify board", self._board.run, stop=self._board.stop)
        runtime.on_shutdown(self.service.engine.dispose)
        runtime.on_shutdown(lambda: executor.shutdown(wait=True))
        runtime.on_shutdown(webhooks.close)
        runtime.on_shutdown(desk.close)
        await self._board.start()
        await runtime.start()

    @property
    def grpc_address(self) -> str:
        return self._runtime.grpc_address

    @property
    def board_url(self) -> str:
        return self._board.url

    @property
    def stopping(self) -> asyncio.Event:
        return self._runtime.stopping

    def _after_notified(self, channels: frozenset[Channel]) -> None:
        if Channel.INBOX in channels:
            self.bell.ring()
        if channels & {Channel.EMAIL, Channel.WEBHOOK}:
            self.worker.wake()

    async def _declare_source_streams(self, stop: asyncio.Event) -> None:
        """Create the source streams that do not exist yet (their owners may start later), so that each
        consumer finds its stream; then wait for shutdown."""
        while not stop.is_set():
            try:
                nc = await connect(self.config.nats_url, name="zdz-notify-streams")
                try:
                    js = nc.jetstream()
                    for service in self.config.source_services:
                        try:
                            await js.stream_info(stream_name(service))
                        except NotFoundError:
                            await ensure_stream(js, service)
                finally:
                    await nc.drain()
                break
            except Exception as exc:
                log.warning("notify: cannot reach NATS to check the streams (%s); retrying", exc)
                await asyncio.sleep(1.0)
        await stop.wait()

    async def stop(self) -> None:
        await self._runtime.stop()
