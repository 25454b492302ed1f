"""The baseline: the workflow store of the last release before migrations (c8b9760).

That release made it at start with create_all; every table here is created only if missing, so such a store is
adopted as it is.

Revision ID: 0001_baseline
Revises: <base>
"""

from __future__ import annotations

from zdz_common.migrations import create_event_store_tables

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_event_store_tables()


def downgrade() -> None:
    raise NotImplementedError("workflow: no downgrade below the baseline (restore a backup)")
