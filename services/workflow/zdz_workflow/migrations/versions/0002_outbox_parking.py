"""Issue 16: the outbox's parked mark, for an event that can never be published (zdz_common.outbox).

Revision ID: 0002_outbox_parking
Revises: 0001_baseline
"""

from __future__ import annotations

from zdz_common.migrations import add_outbox_parking, remove_outbox_parking

revision = "0002_outbox_parking"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_outbox_parking()


def downgrade() -> None:
    remove_outbox_parking()
