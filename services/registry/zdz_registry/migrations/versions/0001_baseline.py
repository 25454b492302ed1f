"""The baseline: the registry store of the last release before migrations (c8b9760), before issue 12.

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
        "registry_acceptance",
        sa.Column("unit_id", sa.String(length=36), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("effective_on", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("accepted_on", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("unit_id"),
        if_not_exists=True,
    )
    op.create_table(
        "registry_district",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("gb_code", sa.String(length=6), nullable=False),
        sa.Column("town_share_2025", sa.Integer(), nullable=False),
        sa.Column("town_share_2027", sa.Integer(), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code"),
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_registry_district_ordinal"),
        "registry_district",
        ["ordinal"],
        unique=False,
        if_not_exists=True,
    )
    op.create_table(
        "registry_ledger_defect",
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("unit_id", sa.String(length=36), nullable=False),
        sa.Column("entity_id", sa.String(length=36), nullable=False),
        sa.Column("entity_class", sa.String(), nullable=False),
        sa.Column("entity_code", sa.String(), nullable=False),
        sa.Column("field", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("found_by", sa.String(), nullable=False),
        sa.Column("found_on", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("event_id"),
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_registry_ledger_defect_unit_id"),
        "registry_ledger_defect",
        ["unit_id"],
        unique=False,
        if_not_exists=True,
    )
    op.create_table(
        "registry_ledger_facility",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("unit_id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("capacity_m3_per_day", sa.Float(), nullable=False),
        sa.Column("load_m3_per_day", sa.Float(), nullable=False),
        sa.Column("takes_industrial_wastewater", sa.Boolean(), nullable=False),
        sa.Column("industrial_share_percent", sa.Float(), nullable=False),
        sa.Column("online_monitoring", sa.Boolean(), nullable=False),
        sa.Column("surveyed", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("unit_id", "code", name="uq_registry_ledger_facility_unit_code"),
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_registry_ledger_facility_unit_id"),
        "registry_ledger_facility",
        ["unit_id"],
        unique=False,
        if_not_exists=True,
    )
    op.create_table(
        "registry_ledger_household",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("unit_id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("building", sa.String(), nullable=False),
        sa.Column("category", sa.String(), nullable=False),
        sa.Column("floor_area_m2", sa.Float(), nullable=False),
        sa.Column("year_built", sa.Integer(), nullable=False),
        sa.Column("drainage_complexity", sa.String(), nullable=False),
        sa.Column("water_related", sa.Boolean(), nullable=False),
        sa.Column("key_discharger", sa.Boolean(), nullable=False),
        sa.Column("petrochemical", sa.Boolean(), nullable=False),
        sa.Column("discharge_permit", sa.Boolean(), nullable=False),
        sa.Column("online_monitoring", sa.Boolean(), nullable=False),
        sa.Column("surveyed", sa.Boolean(), nullable=False),
        sa.Column("self_check", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("unit_id", "code", name="uq_registry_ledger_household_unit_code"),
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_registry_ledger_household_unit_id"),
        "registry_ledger_household",
        ["unit_id"],
        unique=False,
        if_not_exists=True,
    )
    op.create_table(
        "registry_ledger_outfall",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("unit_id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("attached_to", sa.String(), nullable=False),
        sa.Column("facility_code", sa.String(), nullable=False),
        sa.Column("network", sa.String(), nullable=False),
        sa.Column("standardised", sa.Boolean(), nullable=False),
        sa.Column("surveyed", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("unit_id", "code", name="uq_registry_ledger_outfall_unit_code"),
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_registry_ledger_outfall_unit_id"),
        "registry_ledger_outfall",
        ["unit_id"],
        unique=False,
        if_not_exists=True,
    )
    op.create_table(
        "registry_ledger_pipe",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("unit_id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("network", sa.String(), nullable=False),
        sa.Column("length_m", sa.Float(), nullable=False),
        sa.Column("location", sa.String(), nullable=False),
        sa.Column("surveyed", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("unit_id", "code", name="uq_registry_ledger_pipe_unit_code"),
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_registry_ledger_pipe_unit_id"),
        "registry_ledger_pipe",
        ["unit_id"],
        unique=False,
        if_not_exists=True,
    )
    op.create_table(
        "registry_ledger_point",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("unit_id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("network", sa.String(), nullable=False),
        sa.Column("pipe_code", sa.String(), nullable=False),
        sa.Column("location", sa.String(), nullable=False),
        sa.Column("surveyed", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("unit_id", "code", name="uq_registry_ledger_point_unit_code"),
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_registry_ledger_point_unit_id"),
        "registry_ledger_point",
        ["unit_id"],
        unique=False,
        if_not_exists=True,
    )
    op.create_table(
        "registry_problem",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("unit_id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("entity_class", sa.String(), nullable=False),
        sa.Column("entity_code", sa.String(), nullable=False),
        sa.Column("type", sa.String(), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=False),
        sa.Column("location", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("found_by", sa.String(), nullable=False),
        sa.Column("found_on", sa.String(), nullable=False),
        sa.Column("finder", sa.String(), nullable=False),
        sa.Column("major", sa.Boolean(), nullable=False),
        sa.Column("task_state", sa.String(), nullable=False),
        sa.Column("owner", sa.String(), nullable=False),
        sa.Column("deadline", sa.String(), nullable=False),
        sa.Column("assignee", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("unit_id", "code", name="uq_registry_problem_unit_code"),
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_registry_problem_task_state"),
        "registry_problem",
        ["task_state"],
        unique=False,
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_registry_problem_unit_id"), "registry_problem", ["unit_id"], unique=False, if_not_exists=True
    )
    op.create_table(
        "registry_task_step",
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("problem_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("step_by", sa.String(), nullable=False),
        sa.Column("step_on", sa.String(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("event_id"),
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_registry_task_step_problem_id"),
        "registry_task_step",
        ["problem_id"],
        unique=False,
        if_not_exists=True,
    )
    op.create_table(
        "registry_unit",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("district_code", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("along_river", sa.Boolean(), nullable=False),
        sa.Column("target_year", sa.Integer(), nullable=False),
        sa.Column("park", sa.String(length=120), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("district_code", "kind", "name", name="uq_registry_unit_name"),
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_registry_unit_along_river"),
        "registry_unit",
        ["along_river"],
        unique=False,
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_registry_unit_district_code"),
        "registry_unit",
        ["district_code"],
        unique=False,
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_registry_unit_kind"), "registry_unit", ["kind"], unique=False, if_not_exists=True
    )
    op.create_index(
        op.f("ix_registry_unit_target_year"),
        "registry_unit",
        ["target_year"],
        unique=False,
        if_not_exists=True,
    )


def downgrade() -> None:
    raise NotImplementedError("registry: no downgrade below the baseline (restore a backup)")
