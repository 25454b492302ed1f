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
class TemporalLimits:
    """How hard one workflow process drives Temporal. The embedded defaults suit the dev server: one history shard
    on one SQLite connection, which starts timing out past about a thousand active workflows driven at once
    (temporal/temporal#9686; measured in bench/README.md, "Temporal at city scale"). Raise them against a
    production cluster (PostgreSQL, many history shards, several workers)."""

    in_flight: int = (
        16  # the facade's Temporal calls at the server at once; beyond, a call waits; 0: no bound
    )
    workflow_tasks: int = 16  # the worker's max_concurrent_workflow_tasks
    activities: int = 32  # the worker's max_concurrent_activities
    cached_workflows: int = 1500  # the worker's max_cached_workflows: the whole city's processes, and room

    @classmethod
    def from_env(cls) -> TemporalLimits:
        embedded = cls()
        return cls(
            in_flight=env_int("ZDZ_WORKFLOW_TEMPORAL_IN_FLIGHT", embedded.in_flight),
            workflow_tasks=env_int("ZDZ_WORKFLOW_TEMPORAL_WORKFLOW_TASKS", embedded.workflow_tasks),
            activities=env_int("ZDZ_WORKFLOW_TEMPORAL_ACTIVITIES", embedded.activities),
            cached_workflows=env_int("ZDZ_WORKFLOW_TEMPORAL_CACHED_WORKFLOWS", embedded.cached_workflows),
        )


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
    temporal_limits: TemporalLimits = TemporalLimits()

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
            temporal_limits=TemporalLimits.from_env(),
        )
