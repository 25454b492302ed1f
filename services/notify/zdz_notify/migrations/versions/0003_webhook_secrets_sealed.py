"""Issue 16: webhook signing secrets are kept encrypted (zdz_notify.adapters.secret_box), no longer in clear.

The column widens to hold a sealed secret, and every secret stored in clear is sealed with the key the service
will use (ZDZ_NOTIFY_WEBHOOK_SECRET_KEYS, or the key file in the data folder): run `migrate` with the service's
environment.

Revision ID: 0003_webhook_secrets_sealed
Revises: 0002_outbox_parking
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_webhook_secrets_sealed"
down_revision = "0002_outbox_parking"
branch_labels = None
depends_on = None

SEALED_LENGTH = 1000  # a 256-character secret seals to 440 characters


def upgrade() -> None:
    from zdz_notify.config import webhook_secret_box_from_env

    with op.batch_alter_table("notify_webhook") as table:
        table.alter_column(
            "secret",
            existing_type=sa.String(length=256),
            type_=sa.String(length=SEALED_LENGTH),
            existing_nullable=False,
        )
    webhooks = sa.table("notify_webhook", sa.column("id", sa.String), sa.column("secret", sa.String))
    connection = op.get_bind()
    rows = connection.execute(sa.select(webhooks.c.id, webhooks.c.secret)).all()
    if not rows:
        return
    box = webhook_secret_box_from_env()
    for webhook_id, secret in rows:
        connection.execute(
            webhooks.update().where(webhooks.c.id == webhook_id).values(secret=box.seal(secret))
        )


def downgrade() -> None:
    raise NotImplementedError("sealed secrets are not put back in clear")
