"""The notify service's tables: recipients it knows, their contacts, notifications, deliveries, the notice board.

Times are ISO 8601 UTC strings (zdz_common.eventstore.store.format_time), which sort as they compare.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

# SQLite autoincrements only an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TIME = 40


class RecipientRecord(SQLModel, table=True):
    """A unit or district task force, learnt from the events that name it (registry events, UnitRefs)."""

    __tablename__ = "notify_recipient"

    id: str = Field(sa_column=sa.Column(sa.String(200), primary_key=True))  # e.g. "unit:<id>"
    kind: str = Field(sa_column=sa.Column(sa.String(20), nullable=False))
    name: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    district_code: str = Field(sa_column=sa.Column(sa.String(40), nullable=False))
    unit_kind: str = Field(sa_column=sa.Column(sa.String(20), nullable=False))  # TOWN / PARK_GROUP for units
    updated_at: str = Field(sa_column=sa.Column(sa.String(_TIME), nullable=False))


class IntegrationRecord(SQLModel, table=True):
    """An integrating system and the event types (or patterns) it subscribes to (JSON array)."""

    __tablename__ = "notify_integration"

    recipient: str = Field(sa_column=sa.Column(sa.String(200), primary_key=True))  # "integration:<name>"
    display_name: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    event_types: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    created_at: str = Field(sa_column=sa.Column(sa.String(_TIME), nullable=False))
    updated_at: str = Field(sa_column=sa.Column(sa.String(_TIME), nullable=False))


class WebhookRecord(SQLModel, table=True):
    __tablename__ = "notify_webhook"

    id: str = Field(sa_column=sa.Column(sa.String(36), primary_key=True))
    recipient: str = Field(sa_column=sa.Column(sa.String(200), nullable=False, index=True))
    url: str = Field(sa_column=sa.Column(sa.String(2000), nullable=False))
    # sealed (adapters/secret_box.py), never in clear
    secret: str = Field(sa_column=sa.Column(sa.String(1000), nullable=False))
    description: str = Field(sa_column=sa.Column(sa.String(500), nullable=False))
    created_at: str = Field(sa_column=sa.Column(sa.String(_TIME), nullable=False))
    removed_at: str | None = Field(default=None, sa_column=sa.Column(sa.String(_TIME), nullable=True))


class EmailAddressRecord(SQLModel, table=True):
    __tablename__ = "notify_email_address"

    id: str = Field(sa_column=sa.Column(sa.String(36), primary_key=True))
    recipient: str = Field(sa_column=sa.Column(sa.String(200), nullable=False, index=True))
    address: str = Field(sa_column=sa.Column(sa.String(254), nullable=False))
    created_at: str = Field(sa_column=sa.Column(sa.String(_TIME), nullable=False))
    removed_at: str | None = Field(default=None, sa_column=sa.Column(sa.String(_TIME), nullable=True))


class NotificationRecord(SQLModel, table=True):
    """One event told to one recipient on one channel: the unique key makes it exist exactly once."""

    __tablename__ = "notify_notification"
    __table_args__ = (
        sa.UniqueConstraint(
            "event_id", "recipient", "channel", name="uq_notify_notification_event_recipient"
        ),
        sa.Index("ix_notify_notification_inbox", "recipient", "channel", "seq"),
    )

    seq: int | None = Field(default=None, sa_column=sa.Column(_SEQ, primary_key=True, autoincrement=True))
    id: str = Field(sa_column=sa.Column(sa.String(36), nullable=False, unique=True))
    event_id: str = Field(sa_column=sa.Column(sa.String(36), nullable=False))
    event_type: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    recipient: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    channel: str = Field(sa_column=sa.Column(sa.String(20), nullable=False))
    title: str = Field(sa_column=sa.Column(sa.String(500), nullable=False))
    text: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    document: str = Field(sa_column=sa.Column(sa.Text, nullable=False))  # CloudEvents JSON, for webhooks
    unit_id: str = Field(sa_column=sa.Column(sa.String(36), nullable=False))
    district_code: str = Field(sa_column=sa.Column(sa.String(40), nullable=False))
    event_time: str = Field(sa_column=sa.Column(sa.String(_TIME), nullable=False))
    created_at: str = Field(sa_column=sa.Column(sa.String(_TIME), nullable=False))
    read_at: str | None = Field(default=None, sa_column=sa.Column(sa.String(_TIME), nullable=True))
    read_by: str = Field(default="", sa_column=sa.Column(sa.String(200), nullable=False))


class DeliveryRecord(SQLModel, table=True):
    """A notification's delivery to one webhook or e-mail address, driven by the delivery worker."""

    __tablename__ = "notify_delivery"
    __table_args__ = (
        sa.UniqueConstraint("notification_id", "endpoint_id", name="uq_notify_delivery_endpoint"),
        sa.Index("ix_notify_delivery_due", "status", "next_attempt_at"),
    )

    seq: int | None = Field(default=None, sa_column=sa.Column(_SEQ, primary_key=True, autoincrement=True))
    id: str = Field(sa_column=sa.Column(sa.String(36), nullable=False, unique=True))
    notification_id: str = Field(sa_column=sa.Column(sa.String(36), nullable=False))
    recipient: str = Field(sa_column=sa.Column(sa.String(200), nullable=False, index=True))
    channel: str = Field(sa_column=sa.Column(sa.String(20), nullable=False))
    endpoint_id: str = Field(sa_column=sa.Column(sa.String(36), nullable=False))  # webhook or address id
    status: str = Field(sa_column=sa.Column(sa.String(20), nullable=False))
    attempts: int = Field(default=0, nullable=False)
    next_attempt_at: str = Field(sa_column=sa.Column(sa.String(_TIME), nullable=False))
    lease_until: str | None = Field(default=None, sa_column=sa.Column(sa.String(_TIME), nullable=True))
    last_error: str = Field(default="", sa_column=sa.Column(sa.String(500), nullable=False))
    delivered_at: str | None = Field(default=None, sa_column=sa.Column(sa.String(_TIME), nullable=True))
    created_at: str = Field(sa_column=sa.Column(sa.String(_TIME), nullable=False))


class NoticeRecord(SQLModel, table=True):
    """A notice on the public board (公示栏), from NoticePublished; suspended and resumed by later events."""

    __tablename__ = "notify_notice"

    id: str = Field(sa_column=sa.Column(sa.String(36), primary_key=True))  # the NoticePublished event id
    unit_id: str = Field(sa_column=sa.Column(sa.String(36), nullable=False, index=True))
    unit_name: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    unit_kind: str = Field(sa_column=sa.Column(sa.String(20), nullable=False))
    district_code: str = Field(sa_column=sa.Column(sa.String(40), nullable=False, index=True))
    score: str = Field(sa_column=sa.Column(sa.String(10), nullable=False))  # "92.50"
    grade: str = Field(sa_column=sa.Column(sa.String(20), nullable=False))
    period_start: str = Field(sa_column=sa.Column(sa.String(_TIME), nullable=False))
    period_end: str = Field(sa_column=sa.Column(sa.String(_TIME), nullable=False))
    objection_contact: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    provisional: bool = Field(nullable=False)
    suspended: bool = Field(nullable=False)
    objection: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    published_at: str = Field(sa_column=sa.Column(sa.String(_TIME), nullable=False, index=True))
    updated_at: str = Field(sa_column=sa.Column(sa.String(_TIME), nullable=False))
    # Where the notice appears (附件3/附件4 三（二）3), the sheet behind the score, the campaign (for objections).
    channel_kind: str = Field(
        default="", sa_column=sa.Column(sa.String(30), nullable=False, server_default="")
    )
    channel_name: str = Field(
        default="", sa_column=sa.Column(sa.String(200), nullable=False, server_default="")
    )
    channel_url: str = Field(
        default="", sa_column=sa.Column(sa.String(2000), nullable=False, server_default="")
    )
    sheet_id: str = Field(default="", sa_column=sa.Column(sa.String(64), nullable=False, server_default=""))
    campaign: str = Field(default="", sa_column=sa.Column(sa.String(40), nullable=False, server_default=""))


class BoardObjectionRecord(SQLModel, table=True):
    """An objection to a notice as the board shows it: the objector's name shortened, never a contact."""

    __tablename__ = "notify_board_objection"

    id: str = Field(sa_column=sa.Column(sa.String(36), primary_key=True))  # from unit, campaign, objection id
    notice_id: str = Field(sa_column=sa.Column(sa.String(36), nullable=False, index=True))
    unit_id: str = Field(sa_column=sa.Column(sa.String(36), nullable=False))
    objection_id: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    source: str = Field(sa_column=sa.Column(sa.String(30), nullable=False))
    objector: str = Field(sa_column=sa.Column(sa.String(60), nullable=False))  # shortened, e.g. "张*"
    text: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    raised_at: str = Field(sa_column=sa.Column(sa.String(_TIME), nullable=False))
    outcome: str = Field(sa_column=sa.Column(sa.String(20), nullable=False))  # "", UPHELD or DISMISSED
    answer: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    resolved_at: str = Field(sa_column=sa.Column(sa.String(_TIME), nullable=False))


class BoardFilingRecord(SQLModel, table=True):
    """A result filed (备案) with the municipal task force, and the city's acknowledgement."""

    __tablename__ = "notify_board_filing"

    id: str = Field(sa_column=sa.Column(sa.String(36), primary_key=True))  # from unit, campaign, number
    unit_id: str = Field(sa_column=sa.Column(sa.String(36), nullable=False, index=True))
    unit_name: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    unit_kind: str = Field(sa_column=sa.Column(sa.String(20), nullable=False))
    district_code: str = Field(sa_column=sa.Column(sa.String(40), nullable=False, index=True))
    campaign: str = Field(sa_column=sa.Column(sa.String(40), nullable=False))
    filing_number: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    sheet_id: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    total: str = Field(sa_column=sa.Column(sa.String(10), nullable=False))  # "92.50", from the sheet
    grade: str = Field(sa_column=sa.Column(sa.String(20), nullable=False))
    filed_at: str = Field(sa_column=sa.Column(sa.String(_TIME), nullable=False))
    acknowledged_at: str = Field(sa_column=sa.Column(sa.String(_TIME), nullable=False))


class DemonstrationListRecord(SQLModel, table=True):
    """A published 示范园区清单 (001 四) with its commendation; `units` a JSON array of {id, name, district_code}."""

    __tablename__ = "notify_demonstration_list"

    id: str = Field(sa_column=sa.Column(sa.String(36), primary_key=True))  # the event id
    title: str = Field(sa_column=sa.Column(sa.String(500), nullable=False))
    commendation: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    units: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    published_at: str = Field(sa_column=sa.Column(sa.String(_TIME), nullable=False, index=True))


# Added to notify_notice by issue 11; a database made before has them added, empty (`add_missing_columns`).
NOTICE_COLUMNS_SINCE_ISSUE_11 = ("channel_kind", "channel_name", "channel_url", "sheet_id", "campaign")


def add_missing_columns(engine: sa.Engine) -> None:
    """Add the notice board's later columns to a notify_notice table created before them (empty text: such
    notices show no channel and take objections only through their contact)."""
    present = {column["name"] for column in sa.inspect(engine).get_columns(NoticeRecord.__tablename__)}
    missing = [name for name in NOTICE_COLUMNS_SINCE_ISSUE_11 if name not in present]
    if not missing:
        return
    table = NoticeRecord.__table__  # type: ignore[attr-defined]
    with engine.begin() as connection:
        for name in missing:
            kind = table.columns[name].type.compile(engine.dialect)
            connection.execute(
                sa.text(f"ALTER TABLE {table.name} ADD COLUMN {name} {kind} NOT NULL DEFAULT ''")
            )


NOTIFY_TABLES = [
    RecipientRecord.__table__,
    IntegrationRecord.__table__,
    WebhookRecord.__table__,
    EmailAddressRecord.__table__,
    NotificationRecord.__table__,
    DeliveryRecord.__table__,
    NoticeRecord.__table__,
    BoardObjectionRecord.__table__,
    BoardFilingRecord.__table__,
    DemonstrationListRecord.__table__,
]
