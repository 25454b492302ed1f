"""What an event handler reads once per transaction (a consumer's batch) and reuses for the batch's other events."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session


def transaction_cache(session: Session, key: str) -> dict[Any, Any]:
    """A dict that lives as long as the session's current transaction, begun here if need be; a new transaction
    (after a commit or a rollback) starts with an empty one. Fit for rows the transaction does not change, or
    changes only through the same cache."""
    session.connection()  # begins the transaction when none is open
    transaction = session.get_transaction()
    held = session.info.get(key)
    if held is None or held[0] is not transaction:
        held = session.info[key] = (transaction, {})
    return held[1]
