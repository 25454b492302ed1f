"""Alembic revisions of the scoring service's store: the event store and the sheets' and sampling plans' read models (`python -m zdz_scoring migrate`; see zdz_common.migrations)."""
