"""The baseline: the scoring store of the last release before migrations (c8b9760).

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

    op.create_table(
        "scoring_plan_use",
        sa.Column("plan_id", sa.String(length=64), nullable=False),
        sa.Column("sheet_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("plan_id"),
        if_not_exists=True,
    )
    op.create_table(
        "scoring_sampling_plan",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("unit_kind", sa.String(length=20), nullable=False),
        sa.Column("seed", sa.String(length=24), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("drawn_at", sa.String(length=40), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_scoring_sampling_plan_unit_id"),
        "scoring_sampling_plan",
        ["unit_id"],
        unique=False,
        if_not_exists=True,
    )
    op.create_table(
        "scoring_sheet",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("district_code", sa.String(length=40), nullable=False),
        sa.Column("unit_kind", sa.String(length=20), nullable=False),
        sa.Column("unit_name", sa.String(length=120), nullable=False),
        sa.Column("sheet_kind", sa.String(length=30), nullable=False),
        sa.Column("rubric_version", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("assessor", sa.String(length=200), nullable=False),
        sa.Column("assessed_on", sa.String(length=10), nullable=False),
        sa.Column("total", sa.String(length=10), nullable=False),
        sa.Column("grade", sa.String(length=10), nullable=False),
        sa.Column("replaces_sheet_id", sa.String(length=64), nullable=False),
        sa.Column("superseded_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.Column("signed_at", sa.String(length=40), nullable=False),
        sa.Column("signed_by", sa.String(length=300), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_scoring_sheet_unit_id"), "scoring_sheet", ["unit_id"], unique=False, if_not_exists=True
    )
    op.create_table(
        "scoring_sheet_replacement",
        sa.Column("replaced_sheet_id", sa.String(length=64), nullable=False),
        sa.Column("sheet_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("replaced_sheet_id"),
        if_not_exists=True,
    )
    op.create_table(
        "scoring_spot_check",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("seed", sa.String(length=24), nullable=False),
        sa.Column("drawn_at", sa.String(length=40), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )


def downgrade() -> None:
    raise NotImplementedError("scoring: no downgrade below the baseline (restore a backup)")
