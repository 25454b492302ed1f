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
