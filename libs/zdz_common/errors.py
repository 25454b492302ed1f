"""Errors a service's domain raises; each maps to one gRPC status code at the edge.

Messages are written for the person who sent the request (a district clerk, a park administrator,
an integrating platform's engineer): say what is wrong, with which field, and what is allowed.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a clerk may see. `field` names the offending input, when there is one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class InvalidArgument(DomainError):
    """The request itself is malformed or out of range (INVALID_ARGUMENT)."""


class NotFound(DomainError):
    """The request names something that does not exist (NOT_FOUND)."""


class AlreadyExists(DomainError):
    """The request creates something that exists already (ALREADY_EXISTS)."""


class FailedPrecondition(DomainError):
    """The request is well formed but the rules forbid it in the current state (FAILED_PRECONDITION)."""


class PermissionDenied(DomainError):
    """The caller may not do this (PERMISSION_DENIED)."""


class ConcurrencyConflict(DomainError):
    """Someone else changed the record since the caller read it (ABORTED): read again and retry."""


class Unauthenticated(DomainError):
    """The call carries no valid token (UNAUTHENTICATED): sign in again."""


class RateLimited(DomainError):
    """The caller sent too many requests (RESOURCE_EXHAUSTED): wait and retry."""


class Unavailable(Exception):
    """A service or server this one depends on is out of reach or did not answer in time (UNAVAILABLE): nothing
    in the request is wrong, the caller may retry it. Not a DomainError on purpose: code that takes a domain
    error as a final refusal (a Temporal activity, a bulk loop that goes on past a refused item) must let this one
    through, to be retried."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


# The one table from domain error to gRPC status (by name, so that code without grpcio — the workflow
# sandbox — reads it too). The first matching class wins; an unlisted error is FAILED_PRECONDITION.
STATUS_OF: tuple[tuple[type[DomainError], str], ...] = (
    (InvalidArgument, "INVALID_ARGUMENT"),
    (NotFound, "NOT_FOUND"),
    (AlreadyExists, "ALREADY_EXISTS"),
    (FailedPrecondition, "FAILED_PRECONDITION"),
    (PermissionDenied, "PERMISSION_DENIED"),
    (ConcurrencyConflict, "ABORTED"),
    (Unauthenticated, "UNAUTHENTICATED"),
    (RateLimited, "RESOURCE_EXHAUSTED"),
)

_ERROR_OF_STATUS = {status: error_class for error_class, status in STATUS_OF}


def status_name(error: DomainError) -> str:
    """The gRPC status name of a domain error, e.g. "INVALID_ARGUMENT"."""
    return next(
        (status for error_class, status in STATUS_OF if isinstance(error, error_class)), "FAILED_PRECONDITION"
    )


def error_class_of(status: str) -> type[DomainError] | None:
    """The domain error class of a gRPC status name, or None for a status no domain error has."""
    return _ERROR_OF_STATUS.get(status)
