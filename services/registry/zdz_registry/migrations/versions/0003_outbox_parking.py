"""Issue 16: the outbox's parked mark, for an event that can never be published (zdz_common.outbox).

Revision ID: 0003_outbox_parking
Revises: 0002_issue_12_whole_city
"""

from __future__ import annotations

from zdz_common.migrations import add_outbox_parking, remove_outbox_parking

revision = "0003_outbox_parking"
down_revision = "0002_issue_12_whole_city"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_outbox_parking()


def downgrade() -> None:
    remove_outbox_parking()
