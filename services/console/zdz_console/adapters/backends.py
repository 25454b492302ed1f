"""The four services as the console reaches them: one channel each, every call with the signed-in person's
bearer token and a fresh request id, and gRPC failures turned into the three things a page says about them."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import grpc

from zdz.notify.v1 import notify_pb2_grpc
from zdz.registry.v1 import ledger_pb2_grpc, registry_pb2_grpc
from zdz.scoring.v1 import scoring_pb2_grpc
from zdz.workflow.v1 import workflow_pb2_grpc
from zdz_common.tls import TlsFiles, channel
from zdz_console.domain.errors import SERVICE_LABELS, Refused, Rejected, ServiceDown

TIMEOUT_SECONDS = 20.0


@dataclass(frozen=True)
class Addresses:
    registry: str
    scoring: str
    workflow: str
    notify: str


class Backends:
    """Channels to the services, shared by every request; stubs are cheap and made per call."""

    def __init__(self, addresses: Addresses, tls: TlsFiles | None = None) -> None:
        self.addresses = addresses
        # mutual TLS in a cluster (ZDZ_TLS_*), plaintext on loopback as in `make run`
        self._channels = {name: channel(getattr(addresses, name), tls) for name in SERVICE_LABELS}

    def close(self) -> None:
        for open_channel in self._channels.values():
            open_channel.close()

    def session(self, token: str) -> Calls:
        return Calls(self, token)

    def stub(self, service: str, kind: str) -> Any:
        channel = self._channels[service]
        match kind:
            case "registry":
                return registry_pb2_grpc.RegistryServiceStub(channel)
            case "ledger":
                return ledger_pb2_grpc.LedgerServiceStub(channel)
            case "scoring":
                return scoring_pb2_grpc.ScoringServiceStub(channel)
            case "workflow":
                return workflow_pb2_grpc.WorkflowServiceStub(channel)
            case "notify":
                return notify_pb2_grpc.NotifyServiceStub(channel)
            case _:
                raise ValueError(f"unknown stub {kind!r}")


_API_SERVICE = {
    "registry": "registry",
    "ledger": "registry",
    "scoring": "scoring",
    "workflow": "workflow",
    "notify": "notify",
}


class Calls:
    """One signed-in person's calls: `calls.ledger.GetUnitFacts(request)`."""

    def __init__(self, backends: Backends, token: str) -> None:
        self._backends = backends
        self._token = token

    def metadata(self) -> tuple[tuple[str, str], ...]:
        return (("authorization", f"Bearer {self._token}"), ("x-request-id", f"console-{uuid.uuid4()}"))

    def __getattr__(self, api: str) -> _Api:
        if api not in _API_SERVICE:
            raise AttributeError(api)
        return _Api(self, api)

    def invoke(self, api: str, method: str, request: object) -> Any:
        return self._call(api, method, request)

    def invoke_stream(self, api: str, method: str, requests: list[object]) -> Any:
        """A client-streaming call (ImportLedgerRows): the messages in order."""
        return self._call(api, method, iter(requests))

    def _call(self, api: str, method: str, argument: object) -> Any:
        service = _API_SERVICE[api]
        function: Callable[..., Any] = getattr(self._backends.stub(service, api), method)
        try:
            return function(argument, metadata=self.metadata(), timeout=TIMEOUT_SECONDS)
        except grpc.RpcError as error:
            raise translate(service, error) from error


class _Api:
    def __init__(self, calls: Calls, api: str) -> None:
        self._calls = calls
        self._api = api

    def __getattr__(self, method: str) -> Callable[..., Any]:
        return lambda request: self._calls.invoke(self._api, method, request)


def translate(service: str, error: grpc.RpcError) -> Exception:
    code = error.code()  # type: ignore[attr-defined]
    details = error.details() or ""  # type: ignore[attr-defined]
    if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
        return ServiceDown(service, details or code.name)
    if code in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.UNAUTHENTICATED):
        return Refused(service, code.name, details)
    return Rejected(service, code.name, details)
