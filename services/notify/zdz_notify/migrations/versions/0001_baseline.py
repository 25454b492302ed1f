"""The baseline: the notify store of the last release before migrations (c8b9760).

That release made it at start with create_all; every table here is created only if missing, so such a store is
adopted as it is.

Revision ID: 0001_baseline
Revises: <base>
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from zdz_common.migrations import create_event_store_tables

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_event_store_tables()
    _tables()
    _notice_columns_since_issue_11()


def _notice_columns_since_issue_11() -> None:
    """A board stored before issue 11 (by create_all at start) gains the notice's channel, sheet and campaign,
    empty: such notices show no channel and take objections only through their contact."""
    present = {column["name"] for column in sa.inspect(op.get_bind()).get_columns("notify_notice")}
    for name, length in _NOTICE_COLUMNS_SINCE_ISSUE_11:
        if name not in present:
            op.add_column(
                "notify_notice", sa.Column(name, sa.String(length), nullable=False, server_default="")
            )


_NOTICE_COLUMNS_SINCE_ISSUE_11 = (
    ("channel_kind", 30),
    ("channel_name", 200),
    ("channel_url", 2000),
    ("sheet_id", 64),
    ("campaign", 40),
)


def _tables() -> None:
    """Every table as create_all made it at c8b9760; a store made then keeps its own."""
    op.create_table(
        "notify_board_filing",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("unit_id", sa.String(length=36), nullable=False),
        sa.Column("unit_name", sa.String(length=200), nullable=False),
        sa.Column("unit_kind", sa.String(length=20), nullable=False),
        sa.Column("district_code", sa.String(length=40), nullable=False),
        sa.Column("campaign", sa.String(length=40), nullable=False),
        sa.Column("filing_number", sa.String(length=200), nullable=False),
        sa.Column("sheet_id", sa.String(length=64), nullable=False),
        sa.Column("total", sa.String(length=10), nullable=False),
        sa.Column("grade", sa.String(length=20), nullable=False),
        sa.Column("filed_at", sa.String(length=40), nullable=False),
        sa.Column("acknowledged_at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_notify_board_filing_district_code"),
        "notify_board_filing",
        ["district_code"],
        unique=False,
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_notify_board_filing_unit_id"),
        "notify_board_filing",
        ["unit_id"],
        unique=False,
        if_not_exists=True,
    )
    op.create_table(
        "notify_board_objection",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("notice_id", sa.String(length=36), nullable=False),
        sa.Column("unit_id", sa.String(length=36), nullable=False),
        sa.Column("objection_id", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=30), nullable=False),
        sa.Column("objector", sa.String(length=60), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("raised_at", sa.String(length=40), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("resolved_at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_notify_board_objection_notice_id"),
        "notify_board_objection",
        ["notice_id"],
        unique=False,
        if_not_exists=True,
    )
    op.create_table(
        "notify_delivery",
        sa.Column(
            "seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("notification_id", sa.String(length=36), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("endpoint_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.String(length=40), nullable=False),
        sa.Column("lease_until", sa.String(length=40), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.Column("delivered_at", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("id"),
        sa.UniqueConstraint("notification_id", "endpoint_id", name="uq_notify_delivery_endpoint"),
        if_not_exists=True,
    )
    op.create_index(
        "ix_notify_delivery_due",
        "notify_delivery",
        ["status", "next_attempt_at"],
        unique=False,
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_notify_delivery_recipient"),
        "notify_delivery",
        ["recipient"],
        unique=False,
        if_not_exists=True,
    )
    op.create_table(
        "notify_demonstration_list",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("commendation", sa.Text(), nullable=False),
        sa.Column("units", sa.Text(), nullable=False),
        sa.Column("published_at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_notify_demonstration_list_published_at"),
        "notify_demonstration_list",
        ["published_at"],
        unique=False,
        if_not_exists=True,
    )
    op.create_table(
        "notify_email_address",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.Column("removed_at", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_notify_email_address_recipient"),
        "notify_email_address",
        ["recipient"],
        unique=False,
        if_not_exists=True,
    )
    op.create_table(
        "notify_integration",
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("event_types", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.Column("updated_at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("recipient"),
        if_not_exists=True,
    )
    op.create_table(
        "notify_notice",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("unit_id", sa.String(length=36), nullable=False),
        sa.Column("unit_name", sa.String(length=200), nullable=False),
        sa.Column("unit_kind", sa.String(length=20), nullable=False),
        sa.Column("district_code", sa.String(length=40), nullable=False),
        sa.Column("score", sa.String(length=10), nullable=False),
        sa.Column("grade", sa.String(length=20), nullable=False),
        sa.Column("period_start", sa.String(length=40), nullable=False),
        sa.Column("period_end", sa.String(length=40), nullable=False),
        sa.Column("objection_contact", sa.Text(), nullable=False),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("suspended", sa.Boolean(), nullable=False),
        sa.Column("objection", sa.Text(), nullable=False),
        sa.Column("published_at", sa.String(length=40), nullable=False),
        sa.Column("updated_at", sa.String(length=40), nullable=False),
        sa.Column("channel_kind", sa.String(length=30), server_default="", nullable=False),
        sa.Column("channel_name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("channel_url", sa.String(length=2000), server_default="", nullable=False),
        sa.Column("sheet_id", sa.String(length=64), server_default="", nullable=False),
        sa.Column("campaign", sa.String(length=40), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_notify_notice_district_code"),
        "notify_notice",
        ["district_code"],
        unique=False,
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_notify_notice_published_at"),
        "notify_notice",
        ["published_at"],
        unique=False,
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_notify_notice_unit_id"), "notify_notice", ["unit_id"], unique=False, if_not_exists=True
    )
    op.create_table(
        "notify_notification",
        sa.Column(
            "seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("event_type", sa.String(length=200), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("unit_id", sa.String(length=36), nullable=False),
        sa.Column("district_code", sa.String(length=40), nullable=False),
        sa.Column("event_time", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.Column("read_at", sa.String(length=40), nullable=True),
        sa.Column("read_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint(
            "event_id", "recipient", "channel", name="uq_notify_notification_event_recipient"
        ),
        sa.UniqueConstraint("id"),
        if_not_exists=True,
    )
    op.create_index(
        "ix_notify_notification_inbox",
        "notify_notification",
        ["recipient", "channel", "seq"],
        unique=False,
        if_not_exists=True,
    )
    op.create_table(
        "notify_recipient",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("district_code", sa.String(length=40), nullable=False),
        sa.Column("unit_kind", sa.String(length=20), nullable=False),
        sa.Column("updated_at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_table(
        "notify_webhook",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("secret", sa.String(length=256), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.Column("removed_at", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_notify_webhook_recipient"), "notify_webhook", ["recipient"], unique=False, if_not_exists=True
    )


def downgrade() -> None:
    raise NotImplementedError("notify: no downgrade below the baseline (restore a backup)")
