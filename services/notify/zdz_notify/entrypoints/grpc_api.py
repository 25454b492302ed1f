"""The notify service's gRPC API: parse the request, call the service layer, map the answer."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from sqlmodel import Session

from zdz.notify.v1 import notify_pb2 as pb
from zdz.notify.v1 import notify_pb2_grpc
from zdz_common.authorisation import Guard, Target
from zdz_common.context import CommandContext
from zdz_common.errors import DomainError, InvalidArgument
from zdz_common.eventstore.store import parse_time
from zdz_common.grpc_server import maps_domain_errors, status_of
from zdz_common.idempotency import idempotent
from zdz_common.pb_enums import enum_to_pb, optional_enum_from_pb
from zdz_common.validation import target_id
from zdz_notify.adapters.orm import (
    EmailAddressRecord,
    IntegrationRecord,
    NotificationRecord,
    RecipientRecord,
    WebhookRecord,
)
from zdz_notify.domain.commands import (
    MarkRead,
    RegisterEmailAddress,
    RegisterIntegration,
    RegisterWebhook,
    RemoveEmailAddress,
    RemoveWebhook,
    ReplayDeadLetters,
)
from zdz_notify.domain.deliveries import DeliveryStatus
from zdz_notify.domain.permissions import NOTIFY_POLICY
from zdz_notify.domain.recipients import Channel, RecipientKind, parse_recipient
from zdz_notify.service_layer.inbox import InboxFeed
from zdz_notify.service_layer.services import DeliveryView, NotifyService


def _timestamp(text: str | None) -> Timestamp | None:
    if not text:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(parse_time(text))
    return stamp


def notification_to_pb(record: NotificationRecord) -> pb.Notification:
    return pb.Notification(
        id=record.id,
        recipient=record.recipient,
        channel=enum_to_pb(pb.Channel, Channel(record.channel).name),
        event_id=record.event_id,
        event_type=record.event_type,
        title=record.title,
        text=record.text,
        unit_id=record.unit_id,
        district_code=record.district_code,
        event_time=_timestamp(record.event_time),
        created_at=_timestamp(record.created_at),
        read_at=_timestamp(record.read_at),
        read_by=record.read_by,
    )


def integration_to_pb(record: IntegrationRecord) -> pb.Integration:
    return pb.Integration(
        name=record.recipient.partition(":")[2],
        recipient=record.recipient,
        display_name=record.display_name,
        event_types=json.loads(record.event_types),
        created_at=_timestamp(record.created_at),
    )


def webhook_to_pb(record: WebhookRecord) -> pb.Webhook:
    return pb.Webhook(
        id=record.id,
        recipient=record.recipient,
        url=record.url,
        description=record.description,
        created_at=_timestamp(record.created_at),
    )


def email_address_to_pb(record: EmailAddressRecord) -> pb.EmailAddress:
    return pb.EmailAddress(
        id=record.id,
        recipient=record.recipient,
        address=record.address,
        created_at=_timestamp(record.created_at),
    )


def delivery_to_pb(view: DeliveryView) -> pb.Delivery:
    record = view.record
    status = DeliveryStatus(record.status)
    return pb.Delivery(
        id=record.id,
        notification_id=record.notification_id,
        recipient=record.recipient,
        channel=enum_to_pb(pb.Channel, Channel(record.channel).name),
        endpoint=view.endpoint,
        status=enum_to_pb(pb.DeliveryStatus, status),
        attempts=record.attempts,
        next_attempt_at=_timestamp(record.next_attempt_at) if status is DeliveryStatus.PENDING else None,
        last_error=record.last_error,
        delivered_at=_timestamp(record.delivered_at),
        event_type=view.event_type,
        event_id=view.event_id,
    )


class NotifyServicer(notify_pb2_grpc.NotifyServiceServicer):
    def __init__(self, service: NotifyService, feed: InboxFeed, stopping: asyncio.Event) -> None:
        self._service = service
        self._feed = feed
        self._stopping = stopping
        self._guard = Guard(NOTIFY_POLICY, service="notify", engine=service.engine, store=service.store)

    async def _allowed(
        self, action: str, context: grpc.aio.ServicerContext, recipient: str = ""
    ) -> CommandContext:
        """Who asks, once the permission table lets them act for `recipient` (PERMISSION_DENIED, recorded,
        otherwise). An empty recipient means every recipient. The permission comes first: a malformed recipient
        names no one here, and the service layer refuses it (INVALID_ARGUMENT) only to a caller allowed on."""
        target = await asyncio.to_thread(self._target, recipient)
        return await self._guard.admit(action, target, context)

    def _target(self, recipient: str) -> Target:
        """The recipient as the table reads it: a unit's inbox with the unit's district, as the events told it."""
        if not recipient.strip():
            return Target()
        try:
            who = parse_recipient(recipient)
        except InvalidArgument:
            return Target()
        if who.kind is not RecipientKind.UNIT:
            return Target(recipient=str(who))
        with Session(self._service.engine) as session:
            record = session.get(RecipientRecord, str(who))
        return Target(
            recipient=str(who), unit_id=who.key, district_code=record.district_code if record else ""
        )

    def _owner(self, record_type: type[WebhookRecord] | type[EmailAddressRecord], record_id: str) -> str:
        record_id = target_id(record_id)  # a malformed id names nothing; the service layer refuses it
        with Session(self._service.engine) as session:
            record = session.get(record_type, record_id) if record_id else None
        return record.recipient if record else ""

    @maps_domain_errors
    async def ListNotifications(
        self, request: pb.ListNotificationsRequest, context: grpc.aio.ServicerContext
    ):
        await self._allowed("ListNotifications", context, request.recipient)
        page = await asyncio.to_thread(
            self._service.list_notifications,
            request.recipient,
            unread_only=request.unread_only,
            page_size=request.page_size,
            page_token=request.page_token,
        )
        return pb.ListNotificationsResponse(
            notifications=[notification_to_pb(n) for n in page.items],
            next_page_token=page.next_page_token,
            total_size=page.total_size,
            unread_count=page.unread_count,
        )

    @maps_domain_errors
    @idempotent(pb.MarkReadResponse)
    async def MarkRead(self, request: pb.MarkReadRequest, context: grpc.aio.ServicerContext):
        ctx = await self._allowed("MarkRead", context, request.recipient)
        command = MarkRead(request.recipient, tuple(request.notification_ids), request.all)
        marked = await asyncio.to_thread(self._service.mark_read, command, ctx)
        return pb.MarkReadResponse(marked=marked)

    async def Subscribe(
        self, request: pb.SubscribeRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.SubscribeResponse]:
        try:
            await self._allowed("Subscribe", context, request.recipient)
            async for notification, replayed in self._feed.follow(request.recipient, self._stopping):
                yield pb.SubscribeResponse(notification=notification_to_pb(notification), replayed=replayed)
        except DomainError as error:
            await context.abort(status_of(error), str(error))

    @maps_domain_errors
    @idempotent(pb.RegisterIntegrationResponse)
    async def RegisterIntegration(
        self, request: pb.RegisterIntegrationRequest, context: grpc.aio.ServicerContext
    ):
        ctx = await self._allowed("RegisterIntegration", context)
        command = RegisterIntegration(request.name, request.display_name, tuple(request.event_types))
        record = await asyncio.to_thread(self._service.register_integration, command, ctx)
        return pb.RegisterIntegrationResponse(integration=integration_to_pb(record))

    @maps_domain_errors
    @idempotent(pb.RegisterWebhookResponse)
    async def RegisterWebhook(self, request: pb.RegisterWebhookRequest, context: grpc.aio.ServicerContext):
        ctx = await self._allowed("RegisterWebhook", context, request.recipient)
        command = RegisterWebhook(request.recipient, request.url, request.secret, request.description)
        record = await asyncio.to_thread(self._service.register_webhook, command, ctx)
        return pb.RegisterWebhookResponse(webhook=webhook_to_pb(record))

    @maps_domain_errors
    @idempotent(pb.RemoveWebhookResponse)
    async def RemoveWebhook(self, request: pb.RemoveWebhookRequest, context: grpc.aio.ServicerContext):
        owner = await asyncio.to_thread(self._owner, WebhookRecord, request.id)
        ctx = await self._allowed("RemoveWebhook", context, owner)
        cancelled = await asyncio.to_thread(self._service.remove_webhook, RemoveWebhook(request.id), ctx)
        return pb.RemoveWebhookResponse(cancelled_deliveries=cancelled)

    @maps_domain_errors
    async def ListWebhooks(self, request: pb.ListWebhooksRequest, context: grpc.aio.ServicerContext):
        await self._allowed("ListWebhooks", context, request.recipient)
        records = await asyncio.to_thread(self._service.list_webhooks, request.recipient)
        return pb.ListWebhooksResponse(webhooks=[webhook_to_pb(r) for r in records])

    @maps_domain_errors
    @idempotent(pb.RegisterEmailAddressResponse)
    async def RegisterEmailAddress(
        self, request: pb.RegisterEmailAddressRequest, context: grpc.aio.ServicerContext
    ):
        ctx = await self._allowed("RegisterEmailAddress", context, request.recipient)
        command = RegisterEmailAddress(request.recipient, request.address)
        record = await asyncio.to_thread(self._service.register_email_address, command, ctx)
        return pb.RegisterEmailAddressResponse(email_address=email_address_to_pb(record))

    @maps_domain_errors
    @idempotent(pb.RemoveEmailAddressResponse)
    async def RemoveEmailAddress(
        self, request: pb.RemoveEmailAddressRequest, context: grpc.aio.ServicerContext
    ):
        owner = await asyncio.to_thread(self._owner, EmailAddressRecord, request.id)
        ctx = await self._allowed("RemoveEmailAddress", context, owner)
        cancelled = await asyncio.to_thread(
            self._service.remove_email_address, RemoveEmailAddress(request.id), ctx
        )
        return pb.RemoveEmailAddressResponse(cancelled_deliveries=cancelled)

    @maps_domain_errors
    async def ListDeliveries(self, request: pb.ListDeliveriesRequest, context: grpc.aio.ServicerContext):
        await self._allowed("ListDeliveries", context, request.recipient)
        page = await asyncio.to_thread(
            self._service.list_deliveries,
            request.recipient,
            optional_enum_from_pb(pb.DeliveryStatus, request.status, DeliveryStatus, "status"),
            request.page_size,
            request.page_token,
        )
        return pb.ListDeliveriesResponse(
            deliveries=[delivery_to_pb(v) for v in page.items], next_page_token=page.next_page_token
        )

    @maps_domain_errors
    @idempotent(pb.ReplayDeadLettersResponse)
    async def ReplayDeadLetters(
        self, request: pb.ReplayDeadLettersRequest, context: grpc.aio.ServicerContext
    ):
        ctx = await self._allowed("ReplayDeadLetters", context, request.recipient)
        command = ReplayDeadLetters(request.recipient, tuple(request.delivery_ids))
        replayed = await asyncio.to_thread(self._service.replay_dead_letters, command, ctx)
        return pb.ReplayDeadLettersResponse(replayed=replayed)

    @maps_domain_errors
    async def ListEventTypes(self, request: pb.ListEventTypesRequest, context: grpc.aio.ServicerContext):
        await self._allowed("ListEventTypes", context)
        return pb.ListEventTypesResponse(
            event_types=[
                pb.EventType(
                    type=rule.event_type,
                    payload=rule.payload,
                    routes=[
                        pb.Route(
                            audience=route.audience.value,
                            channels=[enum_to_pb(pb.Channel, c.name) for c in route.channels],
                            when=dict(route.when),
                        )
                        for route in rule.routes
                    ],
                    offered_to_integrations=rule.offered_to_integrations,
                )
                for rule in self._service.event_rules()
            ]
        )
