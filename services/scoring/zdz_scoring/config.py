"""The scoring service's settings: environment variables with embedded defaults."""

from __future__ import annotations

from dataclasses import dataclass

from zdz_common.config import AuthSettings, env_int, env_str, sqlite_url


def database_url_from_env() -> str:
    """The store's URL (ZDZ_SCORING_DATABASE_URL, default SQLite under the data folder): all that `migrate` needs."""
    return env_str("ZDZ_SCORING_DATABASE_URL", "") or sqlite_url("scoring")


@dataclass(frozen=True)
class ScoringConfig:
    database_url: str
    nats_url: str
    grpc_address: str
    registry_address: str
    shutdown_grace_seconds: int
    auth: AuthSettings

    @classmethod
    def from_env(cls) -> ScoringConfig:
        return cls(
            database_url=database_url_from_env(),
            nats_url=env_str("ZDZ_NATS_URL", "nats://127.0.0.1:4222"),
            grpc_address=env_str("ZDZ_SCORING_GRPC_ADDRESS", "127.0.0.1:50052"),
            registry_address=env_str("ZDZ_REGISTRY_GRPC_ADDRESS", "127.0.0.1:50051"),
            shutdown_grace_seconds=env_int("ZDZ_SHUTDOWN_GRACE_SECONDS", 5),
            auth=AuthSettings.from_env(),
        )
