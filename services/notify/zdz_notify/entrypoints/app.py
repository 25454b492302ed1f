"""The running notify service: one durable consumer per service stream, the delivery worker, the outbox relay
of its own audit events, the gRPC inbox API and the notice board's HTTP server. `python -m zdz_notify` runs it;
tests run it in-process."""

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
from zdz_common.grpc_auth import server_interceptors
from zdz_common.grpc_server import GrpcServer
from zdz_common.nats_streams import connect, ensure_stream, stream_name
from zdz_common.outbox import OutboxRelay, publish_outbox_forever
from zdz_notify.adapters.board_pages import BoardPages
from zdz_notify.adapters.email_sender import EmailSender
from zdz_notify.adapters.webhook_sender import WebhookSender
from zdz_notify.bootstrap import CONSUMER, bootstrap
from zdz_notify.config import NotifyConfig
from zdz_notify.domain.deliveries import Sender
from zdz_notify.domain.recipients import Channel
from zdz_notify.entrypoints.board_http import BoardServer
from zdz_notify.entrypoints.grpc_api import NotifyServicer
from zdz_notify.service_layer.delivery import DeliveryWorker
from zdz_notify.service_layer.inbox import InboxBell, InboxFeed

log = logging.getLogger(__name__)

SERVICE_NAME = notify_pb2.DESCRIPTOR.services_by_name["NotifyService"].full_name


class NotifyApp:
    def __init__(self, config: NotifyConfig, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.config = config
        self._clock = clock
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._relays: list[OutboxRelay] = []

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        config = self.config
        self.bell = InboxBell()

        def notified(channels: frozenset[Channel]) -> None:  # from the consumer's worker thread, after commit
            loop.call_soon_threadsafe(self._after_notified, channels)

        def audit_committed() -> None:
            for relay in self._relays:
                loop.call_soon_threadsafe(relay.wake)

        self.notify = bootstrap(
            config.database_url,
            routing_file=config.routing_file,
            clock=self._clock,
            on_commit=audit_committed,
            on_notified=notified,
            on_deliveries_due=lambda: loop.call_soon_threadsafe(self.worker.wake),
        )
        self.service = self.notify.service
        self._executor = ThreadPoolExecutor(max_workers=16, thread_name_prefix="notify-send")
        senders: dict[Channel, Sender] = {Channel.WEBHOOK: WebhookSender(self._executor)}
        if config.smtp is not None:
            senders[Channel.EMAIL] = EmailSender(config.smtp, self._executor)
        else:
            log.warning("notify: ZDZ_SMTP_HOST is not set; e-mail deliveries wait until it is")
        self.worker = DeliveryWorker(
            self.service.engine,
            senders,
            config.retry,
            clock=self._clock,
            poll_seconds=config.delivery_poll_seconds,
            lease_seconds=config.delivery_lease_seconds,
        )
        self.consumers = [
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
            for service in config.source_services
        ]
        self._grpc = GrpcServer(
            address=config.grpc_address,
            register=[
                lambda s: notify_pb2_grpc.add_NotifyServiceServicer_to_server(
                    NotifyServicer(self.service, InboxFeed(self.service, self.bell), self._stop), s
                )
            ],
            service_names=[SERVICE_NAME],
            interceptors=server_interceptors(config.auth),
            max_message_bytes=config.auth.max_message_bytes,
            tls=config.auth.tls,
        )
        self._board = BoardServer(
            config.board_address,
            self.service,
            BoardPages(self.service.table.vocabulary),
            clock=self._clock,
            public_base_url=config.board_public_url,
            frame_ancestors=config.board_frame_ancestors,
        )
        self._tasks = [
            asyncio.create_task(self._consume()),
            asyncio.create_task(self.worker.run(self._stop)),
            asyncio.create_task(
                publish_outbox_forever(
                    self.service.engine,
                    service="notify",
                    nats_url=config.nats_url,
                    stop=self._stop,
                    relay_ready=self._relays.append,
                )
            ),
        ]
        self._board.start()
        await self._grpc.start()

    @property
    def grpc_address(self) -> str:
        return self._grpc.address

    @property
    def board_url(self) -> str:
        return self._board.url

    def _after_notified(self, channels: frozenset[Channel]) -> None:
        if Channel.INBOX in channels:
            self.bell.ring()
        if channels & {Channel.EMAIL, Channel.WEBHOOK}:
            self.worker.wake()

    async def _consume(self) -> None:
        """Create the source streams that do not exist yet (their owners may start later), then consume each."""
        while not self._stop.is_set():
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
        await asyncio.gather(*(consumer.run(self.config.nats_url, self._stop) for consumer in self.consumers))

    async def stop(self) -> None:
        self._stop.set()
        await self._grpc.stop(self.config.shutdown_grace_seconds)
        self._board.stop()
        await asyncio.gather(*self._tasks)
        self._executor.shutdown(wait=True)
        self.service.engine.dispose()
