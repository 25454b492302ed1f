"""The registry's settings: environment variables with embedded defaults."""

from __future__ import annotations

from dataclasses import dataclass

from zdz_common.config import AuthSettings, env_flag, env_int, env_str, sqlite_url


def database_url_from_env() -> str:
    """The store's URL (ZDZ_REGISTRY_DATABASE_URL, default SQLite under the data folder): all that `migrate` needs."""
    return env_str("ZDZ_REGISTRY_DATABASE_URL", "") or sqlite_url("registry")


@dataclass(frozen=True)
class RegistryConfig:
    database_url: str
    nats_url: str
    grpc_address: str
    load_official_data: bool
    load_villages: bool  # the 7,946 administrative villages of 千村示范 with the official data
    shutdown_grace_seconds: int
    auth: AuthSettings

    @classmethod
    def from_env(cls) -> RegistryConfig:
        return cls(
            database_url=database_url_from_env(),
            nats_url=env_str("ZDZ_NATS_URL", "nats://127.0.0.1:4222"),
            grpc_address=env_str("ZDZ_REGISTRY_GRPC_ADDRESS", "127.0.0.1:50051"),
            load_official_data=env_flag("ZDZ_LOAD_OFFICIAL_DATA", default=True),
            load_villages=env_flag("ZDZ_LOAD_VILLAGES", default=True),
            shutdown_grace_seconds=env_int("ZDZ_SHUTDOWN_GRACE_SECONDS", 5),
            auth=AuthSettings.from_env(),
        )
