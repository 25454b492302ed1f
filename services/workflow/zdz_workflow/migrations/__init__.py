"""Alembic revisions of the workflow service's store: the event store alone (the processes live in Temporal) (`python -m zdz_workflow migrate`; see zdz_common.migrations)."""
