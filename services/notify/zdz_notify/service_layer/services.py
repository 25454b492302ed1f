"""The notify service's use cases: set-up commands (integrations, webhooks, e-mail addresses, replays), each
recorded as an audit event, and the queries behind the inbox, the delivery lists and the notice board."""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from zdz_common.context import CommandContext
from zdz_common.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound
from zdz_common.eventstore.engine import write_transaction_slot
from zdz_common.eventstore.store import format_time, parse_time, utc_now
from zdz_common.paging import decode_token, encode_token
from zdz_common.unit_of_work import UnitOfWorkFactory
from zdz_common.validation import bounded_items, code_id
from zdz_notify.adapters import directory
from zdz_notify.adapters.orm import (
    BoardFilingRecord,
    BoardObjectionRecord,
    DeliveryRecord,
    DemonstrationListRecord,
    EmailAddressRecord,
    IntegrationRecord,
    NoticeRecord,
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
from zdz_notify.domain.events import (
    DeadLettersReplayed,
    EmailAddressRegistered,
    EmailAddressRemoved,
    Event,
    IntegrationRegistered,
    WebhookRegistered,
    WebhookRemoved,
)
from zdz_notify.domain.notices import (
    BoardObjection,
    DemonstrationList,
    Filing,
    Notice,
    NoticeChannel,
    ObjectionOutcome,
)
from zdz_notify.domain.recipients import (
    Channel,
    RecipientId,
    RecipientKind,
    integration_recipient,
    parse_recipient,
    require_email_address,
    require_integration_name,
    require_text,
)
from zdz_notify.domain.routing import EventRule, RoutingTable
from zdz_notify.domain.webhooks import (
    SecretVault,
    TargetCheck,
    require_secret,
    require_webhook_url,
    secret_fingerprint,
)

MAX_PAGE_SIZE = 1000
MAX_IDS = 1000  # notification or delivery ids in one request
_EMAIL_KINDS = {RecipientKind.UNIT, RecipientKind.DISTRICT, RecipientKind.MUNICIPAL}


def _ids(ids: Sequence[str], field: str) -> None:
    bounded_items(ids, field, max_items=MAX_IDS)
    for index, value in enumerate(ids):
        code_id(value, f"{field}[{index}]")


def _page_size(requested: int, default: int) -> int:
    if requested < 0 or requested > MAX_PAGE_SIZE:
        raise InvalidArgument(
            f"每页条数须在 1–{MAX_PAGE_SIZE} 之间 (page size 1 to {MAX_PAGE_SIZE})", field="page_size"
        )
    return requested or default


def recipient_stream(recipient: RecipientId | str) -> str:
    return f"recipient/{recipient}"


@dataclass(frozen=True)
class InboxPage:
    items: list[NotificationRecord]
    next_page_token: str
    total_size: int
    unread_count: int


@dataclass(frozen=True)
class DeliveryView:
    record: DeliveryRecord
    endpoint: str  # the webhook URL or e-mail address
    event_type: str
    event_id: str


@dataclass(frozen=True)
class DeliveryPage:
    items: list[DeliveryView]
    next_page_token: str


class NotifyService:
    """Commands append an audit event in the same transaction as the change; queries read the tables."""

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory[Event],
        table: RoutingTable,
        *,
        secrets: SecretVault,
        targets: TargetCheck,
        clock: Callable[[], datetime] = utc_now,
        on_deliveries_due: Callable[[], None] = lambda: None,
    ) -> None:
        self._unit_of_work = unit_of_work
        self.secrets = secrets  # webhook secrets are stored sealed, opened only to sign a delivery
        self._targets = targets
        self.engine = unit_of_work.engine
        self.store = unit_of_work.store
        self.table = table
        self._clock = clock
        self._on_deliveries_due = on_deliveries_due

    def _now(self) -> str:
        return format_time(self._clock())

    # --- inbox -----------------------------------------------------------------------------------------------

    def list_notifications(
        self, recipient: str, *, unread_only: bool = False, page_size: int = 0, page_token: str = ""
    ) -> InboxPage:
        who = str(parse_recipient(recipient))
        # pages are keyed by sequence number, so notifications arriving meanwhile shift none
        size, cursor = _page_size(page_size, 50), decode_token(page_token)
        inbox = [NotificationRecord.recipient == who, NotificationRecord.channel == Channel.INBOX.value]
        unread = col(NotificationRecord.read_at).is_(None)
        matching = [*inbox, unread] if unread_only else inbox
        with Session(self.engine) as session:
            total = session.exec(select(func.count()).select_from(NotificationRecord).where(*matching)).one()
            unread_count = session.exec(
                select(func.count()).select_from(NotificationRecord).where(*inbox, unread)
            ).one()
            page = list(
                session.exec(
                    select(NotificationRecord)
                    .where(*matching, *([col(NotificationRecord.seq) < cursor] if cursor else []))
                    .order_by(col(NotificationRecord.seq).desc())
                    .limit(size + 1)
                ).all()
            )
        more = len(page) > size
        items = page[:size]
        return InboxPage(items, encode_token(items[-1].seq or 0) if more else "", total, unread_count)

    def inbox_after(
        self, recipient: str, seq: int, *, unread_only: bool, limit: int = 500
    ) -> list[NotificationRecord]:
        """Inbox notifications after sequence number `seq`, oldest first."""
        conditions = [
            NotificationRecord.recipient == recipient,
            NotificationRecord.channel == Channel.INBOX.value,
            col(NotificationRecord.seq) > seq,
        ]
        if unread_only:
            conditions.append(col(NotificationRecord.read_at).is_(None))
        with Session(self.engine) as session:
            return list(
                session.exec(
                    select(NotificationRecord)
                    .where(*conditions)
                    .order_by(col(NotificationRecord.seq))
                    .limit(limit)
                ).all()
            )

    def mark_read(self, command: MarkRead, context: CommandContext) -> int:
        who = str(parse_recipient(command.recipient))
        if not command.all and not command.notification_ids:
            raise InvalidArgument("请给出通知编号，或选择全部标为已读 (ids or all)", field="notification_ids")
        _ids(command.notification_ids, "notification_ids")
        conditions = [NotificationRecord.recipient == who, NotificationRecord.channel == Channel.INBOX.value]
        with write_transaction_slot(self.engine), Session(self.engine) as session:
            if not command.all:
                ids = set(command.notification_ids)
                found = set(
                    session.exec(
                        select(NotificationRecord.id).where(*conditions, col(NotificationRecord.id).in_(ids))
                    ).all()
                )
                missing = sorted(ids - found)
                if missing:
                    raise NotFound(
                        f"收件箱 {who} 中没有通知 {missing[0]} (not in this inbox)", field="notification_ids"
                    )
                conditions.append(col(NotificationRecord.id).in_(ids))
            marked = session.execute(
                sa.update(NotificationRecord)
                .where(*conditions, col(NotificationRecord.read_at).is_(None))
                .values(read_at=self._now(), read_by=context.actor.person)
            ).rowcount
            session.commit()
        return int(marked)

    # --- integrations, webhooks, e-mail addresses --------------------------------------------------------------

    def register_integration(
        self, command: RegisterIntegration, context: CommandContext
    ) -> IntegrationRecord:
        name = require_integration_name(command.name)
        display_name = require_text(command.display_name, "display_name")
        event_types = self.table.check_subscriptions(command.event_types)
        recipient = str(integration_recipient(name))
        now = self._now()
        with self._unit_of_work(context) as uow:
            record = uow.session.get(IntegrationRecord, recipient)
            if record is None:
                record = IntegrationRecord(
                    recipient=recipient, display_name="", event_types="[]", created_at=now, updated_at=now
                )
            record.display_name = display_name
            record.event_types = json.dumps(list(event_types), ensure_ascii=False)
            record.updated_at = now
            uow.session.add(record)
            uow.save(
                recipient_stream(recipient),
                None,
                [IntegrationRegistered(recipient, display_name, event_types)],
            )
            return record

    def register_webhook(self, command: RegisterWebhook, context: CommandContext) -> WebhookRecord:
        recipient = parse_recipient(command.recipient)
        if recipient.kind is not RecipientKind.INTEGRATION:
            raise InvalidArgument(
                "回调地址只供外部系统（integration:<名称>）使用；单元和工作专班请用收件箱和电子邮件 "
                "(webhooks are for integrating systems)",
                field="recipient",
            )
        url = require_webhook_url(command.url)
        secret = require_secret(command.secret)
        description = require_text(command.description, "description", max_length=500, required=False)
        self._targets.check_registration(url)  # resolves the host: after every check that needs no network
        with self._unit_of_work(context) as uow:
            if uow.session.get(IntegrationRecord, str(recipient)) is None:
                raise NotFound(
                    f"未注册的外部系统 {recipient}，请先调用 RegisterIntegration (unknown recipient)",
                    field="recipient",
                )
            clash = uow.session.exec(
                select(WebhookRecord.id).where(
                    WebhookRecord.recipient == str(recipient),
                    WebhookRecord.url == url,
                    col(WebhookRecord.removed_at).is_(None),
                )
            ).first()
            if clash:
                raise AlreadyExists(f"{recipient} 已登记该回调地址（编号 {clash}）", field="url")
            record = WebhookRecord(
                id=str(uuid.uuid4()),
                recipient=str(recipient),
                url=url,
                secret=self.secrets.seal(secret),
                description=description,
                created_at=self._now(),
            )
            uow.session.add(record)
            uow.save(
                recipient_stream(recipient),
                None,
                [
                    WebhookRegistered(
                        record.id, record.recipient, url, description, secret_fingerprint(secret)
                    )
                ],
            )
            return record

    def _cancel_pending(self, session: Session, endpoint_id: str) -> int:
        return int(
            session.execute(
                sa.update(DeliveryRecord)
                .where(
                    DeliveryRecord.endpoint_id == endpoint_id,
                    DeliveryRecord.status == DeliveryStatus.PENDING.value,
                )
                .values(status=DeliveryStatus.CANCELLED.value, lease_until=None)
            ).rowcount
        )

    def remove_webhook(self, command: RemoveWebhook, context: CommandContext) -> int:
        code_id(command.webhook_id, "id")
        with self._unit_of_work(context) as uow:
            record = uow.session.get(WebhookRecord, command.webhook_id)
            if record is None or record.removed_at is not None:
                raise NotFound(f"没有回调地址 {command.webhook_id!r} (unknown webhook)", field="id")
            record.removed_at = self._now()
            uow.session.add(record)
            cancelled = self._cancel_pending(uow.session, record.id)
            uow.save(
                recipient_stream(record.recipient),
                None,
                [WebhookRemoved(record.id, record.recipient, cancelled)],
            )
            return cancelled

    def list_webhooks(self, recipient: str) -> list[WebhookRecord]:
        who = str(parse_recipient(recipient))
        with Session(self.engine) as session:
            return list(
                session.exec(
                    select(WebhookRecord)
                    .where(WebhookRecord.recipient == who, col(WebhookRecord.removed_at).is_(None))
                    .order_by(col(WebhookRecord.created_at))
                ).all()
            )

    def recipient_known(self, session: Session, recipient: RecipientId) -> bool:
        match recipient.kind:
            case RecipientKind.MUNICIPAL | RecipientKind.PUBLIC:
                return True
            case RecipientKind.INTEGRATION:
                return session.get(IntegrationRecord, str(recipient)) is not None
            case _:
                return session.get(RecipientRecord, str(recipient)) is not None

    def register_email_address(
        self, command: RegisterEmailAddress, context: CommandContext
    ) -> EmailAddressRecord:
        recipient = parse_recipient(command.recipient)
        if recipient.kind not in _EMAIL_KINDS:
            raise InvalidArgument(
                "电子邮件只发给单元、区县工作专班和市级工作专班；外部系统请用回调地址 "
                "(e-mail is for units and task forces)",
                field="recipient",
            )
        address = require_email_address(command.address)
        with self._unit_of_work(context) as uow:
            if not self.recipient_known(uow.session, recipient):
                raise NotFound(
                    f"未知接收方 {recipient}：通知服务尚未收到关于它的任何事件 (unknown recipient)",
                    field="recipient",
                )
            clash = uow.session.exec(
                select(EmailAddressRecord.id).where(
                    EmailAddressRecord.recipient == str(recipient),
                    func.lower(EmailAddressRecord.address) == address.lower(),
                    col(EmailAddressRecord.removed_at).is_(None),
                )
            ).first()
            if clash:
                raise AlreadyExists(f"{recipient} 已登记邮箱 {address}（编号 {clash}）", field="address")
            record = EmailAddressRecord(
                id=str(uuid.uuid4()), recipient=str(recipient), address=address, created_at=self._now()
            )
            uow.session.add(record)
            uow.save(
                recipient_stream(recipient),
                None,
                [EmailAddressRegistered(record.id, record.recipient, address)],
            )
            return record

    def remove_email_address(self, command: RemoveEmailAddress, context: CommandContext) -> int:
        code_id(command.address_id, "id")
        with self._unit_of_work(context) as uow:
            record = uow.session.get(EmailAddressRecord, command.address_id)
            if record is None or record.removed_at is not None:
                raise NotFound(f"没有邮箱 {command.address_id!r} (unknown e-mail address)", field="id")
            record.removed_at = self._now()
            uow.session.add(record)
            cancelled = self._cancel_pending(uow.session, record.id)
            uow.save(
                recipient_stream(record.recipient),
                None,
                [EmailAddressRemoved(record.id, record.recipient, cancelled)],
            )
            return cancelled

    # --- deliveries ------------------------------------------------------------------------------------------

    def list_deliveries(
        self,
        recipient: str = "",
        status: DeliveryStatus | None = None,
        page_size: int = 0,
        page_token: str = "",
    ) -> DeliveryPage:
        # pages are keyed by sequence number, so notifications arriving meanwhile shift none
        size, cursor = _page_size(page_size, 100), decode_token(page_token)
        conditions = [col(DeliveryRecord.seq) > cursor]
        if recipient:
            conditions.append(DeliveryRecord.recipient == str(parse_recipient(recipient)))
        if status is not None:
            conditions.append(DeliveryRecord.status == status.value)
        with Session(self.engine) as session:
            rows = session.exec(
                select(DeliveryRecord, NotificationRecord, WebhookRecord.url, EmailAddressRecord.address)
                .join(NotificationRecord, col(NotificationRecord.id) == DeliveryRecord.notification_id)
                .outerjoin(WebhookRecord, col(WebhookRecord.id) == DeliveryRecord.endpoint_id)
                .outerjoin(EmailAddressRecord, col(EmailAddressRecord.id) == DeliveryRecord.endpoint_id)
                .where(*conditions)
                .order_by(col(DeliveryRecord.seq))
                .limit(size + 1)
            ).all()
        items = [
            DeliveryView(delivery, url or address or "", notification.event_type, notification.event_id)
            for delivery, notification, url, address in rows[:size]
        ]
        more = len(rows) > size
        return DeliveryPage(items, encode_token(items[-1].record.seq or 0) if more else "")

    def replay_dead_letters(self, command: ReplayDeadLetters, context: CommandContext) -> int:
        if not command.recipient and not command.delivery_ids:
            raise InvalidArgument("请给出接收方或投递编号 (recipient or delivery ids)", field="delivery_ids")
        _ids(command.delivery_ids, "delivery_ids")
        if command.recipient:
            parse_recipient(command.recipient)
        with self._unit_of_work(context) as uow:
            query = select(DeliveryRecord)
            if command.delivery_ids:
                query = query.where(col(DeliveryRecord.id).in_(command.delivery_ids))
            if command.recipient:
                query = query.where(DeliveryRecord.recipient == str(parse_recipient(command.recipient)))
            if not command.delivery_ids:
                query = query.where(DeliveryRecord.status == DeliveryStatus.DEAD.value)
            found = list(uow.session.exec(query).all())
            missing = sorted(set(command.delivery_ids) - {d.id for d in found})
            if missing:
                raise NotFound(f"没有投递 {missing[0]} (unknown delivery)", field="delivery_ids")
            alive = [d for d in found if d.status != DeliveryStatus.DEAD.value]
            if alive:
                raise FailedPrecondition(
                    f"投递 {alive[0].id} 状态为 {alive[0].status}，只能重发死信 (only dead letters can be replayed)",
                    field="delivery_ids",
                )
            now = self._now()
            by_recipient: dict[str, list[str]] = {}
            for delivery in found:
                delivery.status = DeliveryStatus.PENDING.value
                delivery.attempts = 0
                delivery.next_attempt_at = now
                delivery.lease_until = None
                uow.session.add(delivery)
                by_recipient.setdefault(delivery.recipient, []).append(delivery.id)
            for recipient, ids in by_recipient.items():
                uow.save(
                    recipient_stream(recipient), None, [DeadLettersReplayed(command.recipient, tuple(ids))]
                )
        if found:
            self._on_deliveries_due()
        return len(found)

    # --- routing table and notice board ------------------------------------------------------------------------

    def event_rules(self) -> Sequence[EventRule]:
        return [self.table.rules[t] for t in sorted(self.table.rules)]

    def district_name(self, district_code: str) -> str:
        """The district's official name, or its code while the registry has not told it."""
        with Session(self.engine) as session:
            return directory.district_name(session, district_code) or district_code

    def notices(self, district_code: str = "") -> list[Notice]:
        """Every notice on the board, newest first, with its objections and filing; only one district's when
        `district_code` is given."""
        with Session(self.engine) as session:
            return self._notices(session, district_code)

    def notice(self, notice_id: str) -> Notice | None:
        with Session(self.engine) as session:
            found = self._notices(session, notice_id=notice_id)
        return found[0] if found else None

    def demonstration_lists(self) -> list[DemonstrationList]:
        """The published 示范园区清单, newest first."""
        with Session(self.engine) as session:
            records = session.exec(
                select(DemonstrationListRecord).order_by(col(DemonstrationListRecord.published_at).desc())
            ).all()
            return [
                DemonstrationList(
                    id=r.id,
                    title=r.title,
                    commendation=r.commendation,
                    units=tuple(
                        (
                            u["name"],
                            directory.district_name(session, u["district_code"]) or u["district_code"],
                        )
                        for u in json.loads(r.units)
                    ),
                    published_at=parse_time(r.published_at),
                )
                for r in records
            ]

    def _notices(self, session: Session, district_code: str = "", notice_id: str = "") -> list[Notice]:
        query = (
            select(NoticeRecord, RecipientRecord.name)
            .outerjoin(
                RecipientRecord, col(RecipientRecord.id) == "district:" + col(NoticeRecord.district_code)
            )
            .order_by(col(NoticeRecord.published_at).desc(), col(NoticeRecord.id))
        )
        if district_code:
            query = query.where(NoticeRecord.district_code == district_code)
        if notice_id:
            query = query.where(NoticeRecord.id == notice_id)
        rows = session.exec(query).all()
        ids = [record.id for record, _ in rows]
        objections: dict[str, list[BoardObjection]] = {}
        for o in session.exec(
            select(BoardObjectionRecord)
            .where(col(BoardObjectionRecord.notice_id).in_(ids))
            .order_by(col(BoardObjectionRecord.raised_at))
        ).all():
            objections.setdefault(o.notice_id, []).append(_objection(o))
        units = {record.unit_id for record, _ in rows}
        filings = {
            (f.unit_id, f.campaign): f
            for f in session.exec(
                select(BoardFilingRecord)
                .where(col(BoardFilingRecord.unit_id).in_(units))
                .order_by(col(BoardFilingRecord.filed_at))
            ).all()
        }
        notices = []
        for record, district in rows:
            name = district or record.district_code
            filing = filings.get((record.unit_id, record.campaign)) if record.campaign else None
            notices.append(
                dataclasses.replace(
                    _notice(record, name),
                    objections=tuple(objections.get(record.id, ())),
                    filing=_filing(filing, name) if filing else None,
                )
            )
        return notices


def _objection(record: BoardObjectionRecord) -> BoardObjection:
    return BoardObjection(
        objection_id=record.objection_id,
        source=record.source,
        objector=record.objector,
        text=record.text,
        raised_at=parse_time(record.raised_at),
        outcome=ObjectionOutcome[record.outcome] if record.outcome else ObjectionOutcome.OPEN,
        answer=record.answer,
        resolved_at=parse_time(record.resolved_at) if record.resolved_at else None,
    )


def _filing(record: BoardFilingRecord, district_name: str) -> Filing:
    return Filing(
        unit_id=record.unit_id,
        unit_name=record.unit_name,
        unit_kind=record.unit_kind,
        district_code=record.district_code,
        district_name=district_name,
        campaign=record.campaign,
        filing_number=record.filing_number,
        total=Decimal(record.total or "0"),
        grade=record.grade,
        filed_at=parse_time(record.filed_at),
        acknowledged_at=parse_time(record.acknowledged_at) if record.acknowledged_at else None,
    )


def _notice(record: NoticeRecord, district_name: str) -> Notice:
    published_at = parse_time(record.published_at)
    return Notice(
        id=record.id,
        unit_id=record.unit_id,
        unit_name=record.unit_name,
        unit_kind=record.unit_kind,
        district_code=record.district_code,
        district_name=district_name,
        score=Decimal(record.score),
        grade=record.grade,
        period_start=parse_time(record.period_start) if record.period_start else published_at,
        period_end=parse_time(record.period_end) if record.period_end else published_at,
        objection_contact=record.objection_contact,
        provisional=record.provisional,
        suspended=record.suspended,
        objection=record.objection,
        published_at=published_at,
        updated_at=parse_time(record.updated_at),
        channel=NoticeChannel(record.channel_kind, record.channel_name, record.channel_url)
        if record.channel_kind or record.channel_name
        else None,
        sheet_id=record.sheet_id,
        campaign=record.campaign,
    )
