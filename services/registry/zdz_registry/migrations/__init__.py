"""Alembic revisions of the registry's store: the event store, the directory's and the ledger's read models (`python -m zdz_registry migrate`; see zdz_common.migrations)."""
