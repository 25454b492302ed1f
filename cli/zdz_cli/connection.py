"""Where the services are and who is calling: addresses, the bearer token, one channel per service.

Addresses: ZDZ_<SERVICE>_GRPC_ADDRESS (the services' own variables, `zdz_local.services.SERVICES`), or the
`--registry`/`--scoring`/`--workflow`/`--notify` options. Token, first found: `--token-file`, `--as ROLE` (a
development token from `<ZDZ_DATA_DIR or ./data>/keys/dev-tokens.txt`, written by `make run`), ZDZ_TOKEN,
ZDZ_TOKEN_FILE. Every call carries `authorization: Bearer <token>` and a fresh x-request-id. With ZDZ_TLS_CERT_FILE,
ZDZ_TLS_KEY_FILE and ZDZ_TLS_CA_FILE set (as for the services), the channels speak mutual TLS.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc

from zdz.notify.v1 import notify_pb2_grpc
from zdz.ops.v1 import operations_pb2_grpc
from zdz.registry.v1 import ledger_pb2_grpc, registry_pb2_grpc
from zdz.scoring.v1 import scoring_pb2_grpc
from zdz.workflow.v1 import workflow_pb2_grpc
from zdz_common.telemetry import traced_channel
from zdz_common.tls import TlsFiles
from zdz_local.services import SERVICES

# A whole import batch (5000 rows) and a rendered sheet fit in one message (as the services allow).
MAX_MESSAGE_BYTES = 4 * 1024 * 1024
DEFAULT_TIMEOUT_SECONDS = 30.0

# `--as` accepts the role names of dev-tokens.txt and these short names.
ROLE_ALIASES: dict[str, str] = {
    "unit": "UNIT",
    "单元": "UNIT",
    "district": "DISTRICT_TASK_FORCE",
    "区县": "DISTRICT_TASK_FORCE",
    "city": "MUNICIPAL_TASK_FORCE",
    "municipal": "MUNICIPAL_TASK_FORCE",
    "市级": "MUNICIPAL_TASK_FORCE",
    "integration": "INTEGRATION",
    "public": "PUBLIC",
}


class UsageError(Exception):
    """The command line was used wrongly (exit code USAGE): the message says how to use it."""


def default_addresses() -> dict[str, str]:
    return {spec.name: spec.address for spec in SERVICES}


def dev_tokens_file() -> Path:
    return Path(os.environ.get("ZDZ_DATA_DIR") or "data") / "keys" / "dev-tokens.txt"


def dev_token(role: str, tokens_file: Path | None = None) -> str:
    """The development token of a role from dev-tokens.txt ("ROLE organisation token" per line)."""
    path = tokens_file or dev_tokens_file()
    wanted = ROLE_ALIASES.get(role.strip().lower(), role.strip().upper())
    if not path.is_file():
        raise UsageError(
            f"找不到开发令牌文件 {path}：--as 只用于本机开发环境（先运行 `make run`，或设置 ZDZ_DATA_DIR）；"
            "其他环境请设置 ZDZ_TOKEN 或 --token-file"
        )
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0] == wanted:
            return parts[-1]
    roles = sorted(
        {line.split()[0] for line in path.read_text(encoding="utf-8").splitlines() if line.split()}
    )
    raise UsageError(f"{path} 中没有角色 {role} 的令牌；可选角色：{'、'.join(roles)}")


def resolve_token(token_file: Path | None, as_role: str | None) -> str:
    """The bearer token, or "" for none (a development server without authentication)."""
    if token_file is not None:
        if not token_file.is_file():
            raise UsageError(f"令牌文件不存在：{token_file}")
        return token_file.read_text(encoding="utf-8").strip()
    if as_role:
        return dev_token(as_role)
    if os.environ.get("ZDZ_TOKEN"):
        return os.environ["ZDZ_TOKEN"].strip()
    if os.environ.get("ZDZ_TOKEN_FILE"):
        path = Path(os.environ["ZDZ_TOKEN_FILE"])
        if not path.is_file():
            raise UsageError(f"ZDZ_TOKEN_FILE 指向的令牌文件不存在：{path}")
        return path.read_text(encoding="utf-8").strip()
    return ""


@dataclass
class Connection:
    """The stubs of the four services over lazily opened channels, and the call metadata."""

    addresses: dict[str, str]
    token: str = ""
    timeout: float = DEFAULT_TIMEOUT_SECONDS
    _channels: dict[str, grpc.Channel] = field(default_factory=dict)

    def channel(self, service: str) -> grpc.Channel:
        if service not in self._channels:
            options = [
                ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            ]
            try:
                tls = TlsFiles.from_env()
            except SystemExit as error:
                raise UsageError(f"双向 TLS 配置有误：{error}") from None
            address = self.addresses[service]
            self._channels[service] = traced_channel(
                grpc.secure_channel(address, tls.channel_credentials(), options=options)
                if tls
                else grpc.insecure_channel(address, options=options)
            )
        return self._channels[service]

    def metadata(self) -> list[tuple[str, str]]:
        metadata = [("x-request-id", str(uuid.uuid4()))]
        if self.token:
            metadata.append(("authorization", f"Bearer {self.token}"))
        return metadata

    def call(self, method: Callable[..., Any], request: Any, *, timeout: float | None = None) -> Any:
        """One unary (or client-streaming, with an iterator) call with the token and a deadline."""
        return method(request, metadata=self.metadata(), timeout=timeout or self.timeout)

    @property
    def registry(self) -> registry_pb2_grpc.RegistryServiceStub:
        return registry_pb2_grpc.RegistryServiceStub(self.channel("registry"))

    @property
    def ledger(self) -> ledger_pb2_grpc.LedgerServiceStub:
        return ledger_pb2_grpc.LedgerServiceStub(self.channel("registry"))

    @property
    def scoring(self) -> scoring_pb2_grpc.ScoringServiceStub:
        return scoring_pb2_grpc.ScoringServiceStub(self.channel("scoring"))

    @property
    def workflow(self) -> workflow_pb2_grpc.WorkflowServiceStub:
        return workflow_pb2_grpc.WorkflowServiceStub(self.channel("workflow"))

    @property
    def notify(self) -> notify_pb2_grpc.NotifyServiceStub:
        return notify_pb2_grpc.NotifyServiceStub(self.channel("notify"))

    def operations(self, service: str) -> operations_pb2_grpc.OperationsServiceStub:
        """The operations every service serves next to its API, on its own address (e.g. "registry")."""
        return operations_pb2_grpc.OperationsServiceStub(self.channel(service))

    def close(self) -> None:
        for channel in self._channels.values():
            channel.close()
        self._channels.clear()
