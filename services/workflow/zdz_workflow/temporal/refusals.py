"""Domain errors across the workflow boundary: a refusal rejects an update and comes back as the error it was.

The status each error class travels under is `zdz_common.errors.STATUS_OF`, the table every service maps by.
"""

from __future__ import annotations

from temporalio.exceptions import ApplicationError

from zdz_common.errors import DomainError, error_class_of, status_name


def refusal(error: DomainError) -> ApplicationError:
    """The domain error as a Temporal failure that rejects an update and keeps the clerk's message and field."""
    return ApplicationError(
        str(error),
        {"status": status_name(error), "message": error.message, "field": error.field or ""},
        type=type(error).__name__,
        non_retryable=True,
    )


def domain_error_of(failure: ApplicationError) -> DomainError | None:
    """The domain error a refusal carries, or None when the failure is not a refusal."""
    details = failure.details[0] if failure.details else None
    if not isinstance(details, dict) or not isinstance(details.get("status"), str):
        return None
    error_class = error_class_of(details["status"])
    if error_class is None:
        return None
    return error_class(details.get("message", failure.message), field=details.get("field") or None)
