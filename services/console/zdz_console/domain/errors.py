"""The three things a page says when a service does not do what was asked."""

from __future__ import annotations

SERVICE_LABELS = {
    "registry": "名录与台账服务（registry）",
    "scoring": "评分服务（scoring）",
    "workflow": "流程服务（workflow）",
    "notify": "通知服务（notify）",
}


class ServiceDown(Exception):
    """A service did not answer (UNAVAILABLE, or no answer in time)."""

    def __init__(self, service: str, detail: str) -> None:
        super().__init__(f"{service}: {detail}")
        self.service = service
        self.label = SERVICE_LABELS.get(service, service)
        self.detail = detail


class Refused(Exception):
    """PERMISSION_DENIED or UNAUTHENTICATED: the service's own words, naming its rule."""

    def __init__(self, service: str, code: str, message: str) -> None:
        super().__init__(message)
        self.service = service
        self.code = code
        self.message = message


class Rejected(Exception):
    """Any other refusal (INVALID_ARGUMENT, FAILED_PRECONDITION, NOT_FOUND, …): the service's message."""

    def __init__(self, service: str, code: str, message: str) -> None:
        super().__init__(message)
        self.service = service
        self.code = code
        self.message = message
