"""The workflow service's settings: environment variables with embedded defaults."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from zdz_common.config import AuthSettings, data_dir, env_int, env_str, sqlite_url

ROLES = (
    "facade",
    "worker",
)  # the gRPC API; the Temporal worker with the outbox relay and the event consumers


def roles_from_env() -> frozenset[str]:
    """ZDZ_WORKFLOW_RUN: which parts this process runs, e.g. "facade" and "worker" as two Deployments scaled apart;
    both by default (a laptop)."""
    wanted = frozenset(
        part.strip() for part in env_str("ZDZ_WORKFLOW_RUN", ",".join(ROLES)).split(",") if part.strip()
    )
    if not wanted or not wanted <= set(ROLES):
        raise SystemExit(
            f"ZDZ_WORKFLOW_RUN={','.join(sorted(wanted))!r}: name facade, worker or both (comma-separated)"
        )
    return wanted


def database_url_from_env() -> str:
    """The store's URL (ZDZ_WORKFLOW_DATABASE_URL, default SQLite under the data folder): all that `migrate` needs."""
    return env_str("ZDZ_WORKFLOW_DATABASE_URL", "") or sqlite_url("workflow")


@dataclass(frozen=True)
class WorkflowConfig:
    database_url: str
    nats_url: str
    grpc_address: str
    temporal_address: str
    temporal_namespace: str
    registry_address: str
    scoring_address: str  # the signed sheets verdicts rest on
    holidays_dir: Path  # JSON holiday schedules that extend or correct the installed chinesecalendar
    shutdown_grace_seconds: int
    auth: AuthSettings
    roles: frozenset[str] = frozenset(ROLES)

    @classmethod
    def from_env(cls) -> WorkflowConfig:
        holidays = env_str("ZDZ_HOLIDAYS_DIR", "")
        return cls(
            database_url=database_url_from_env(),
            nats_url=env_str("ZDZ_NATS_URL", "nats://127.0.0.1:4222"),
            grpc_address=env_str("ZDZ_WORKFLOW_GRPC_ADDRESS", "127.0.0.1:50053"),
            temporal_address=env_str("ZDZ_TEMPORAL_ADDRESS", "127.0.0.1:7233"),
            temporal_namespace=env_str("ZDZ_TEMPORAL_NAMESPACE", "default"),
            registry_address=env_str("ZDZ_REGISTRY_GRPC_ADDRESS", "127.0.0.1:50051"),
            scoring_address=env_str("ZDZ_SCORING_GRPC_ADDRESS", "127.0.0.1:50052"),
            holidays_dir=Path(holidays) if holidays else data_dir() / "holidays",
            shutdown_grace_seconds=env_int("ZDZ_SHUTDOWN_GRACE_SECONDS", 5),
            auth=AuthSettings.from_env(),
            roles=roles_from_env(),
        )
