"""Alembic revisions of the notify service's store: the event store and the notifications, deliveries and 公示栏 tables (`python -m zdz_notify migrate`; see zdz_common.migrations)."""
