"""Configuration from environment variables with embedded defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zdz_common.tls import TlsFiles


def env_str(name: str, default: str) -> str:
    """The variable's value, or `default` when it is unset or empty."""
    return os.environ.get(name) or default


def env_int(name: str, default: int) -> int:
    """The variable as an integer; a clear error when it is not one."""
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SystemExit(f"environment variable {name}={raw!r} must be an integer") from exc


def data_dir() -> Path:
    """The folder where the embedded set-up keeps its databases and server stores (ZDZ_DATA_DIR, default ./data)."""
    path = Path(env_str("ZDZ_DATA_DIR", "data")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def sqlite_url(name: str) -> str:
    """The default SQLite URL of a service's database under the data folder."""
    return f"sqlite:///{data_dir() / name}.db"


def env_flag(name: str, default: bool = False) -> bool:
    """A yes/no variable: 1/true/yes/on are yes."""
    raw = os.environ.get(name)
    if not raw:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_number(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise SystemExit(f"environment variable {name}={raw!r} must be a number") from exc


@dataclass(frozen=True)
class AuthSettings:
    """How a service authenticates its callers and itself (issue 7), from ZDZ_AUTH_* and ZDZ_SERVICE_TOKEN.

    A service refuses to start unless it is given verification keys — a public key (ZDZ_AUTH_PUBLIC_KEY_FILE), a
    JWK set (ZDZ_AUTH_JWKS=file:///… or https://…, for several keys named by `kid` and their rotation), or both — or
    told to run without authentication (ZDZ_AUTH_DISABLED=1, for tests and local tools only)."""

    public_key_file: Path | None = None  # None and no jwks: authentication disabled
    jwks: str = ""  # the JWK set's address (zdz_common.auth.JwksKeys)
    jwks_refresh_seconds: float = 300.0  # how long a JWK set read is used before it is read again
    issuer: str = "zdz-dev"
    audience: str = "zdz"
    rate_per_second: float = 50.0  # per caller, sustained
    rate_burst: int = 100
    service_token: str = ""  # this service's own SERVICE token, for calls to other services
    max_message_bytes: int = 4 * 1024 * 1024
    tls: TlsFiles | None = None  # mutual TLS between services, when configured (zdz_common.tls)
    max_token_lifetime_seconds: int = 31 * 86400  # exp - iat of any token accepted (zdz_common.auth)

    @property
    def authenticates(self) -> bool:
        return self.public_key_file is not None or bool(self.jwks)

    @classmethod
    def from_env(cls) -> AuthSettings:
        from zdz_common.tls import TlsFiles  # tls reads its variables through this module

        key = env_str("ZDZ_AUTH_PUBLIC_KEY_FILE", "")
        jwks = env_str("ZDZ_AUTH_JWKS", "")
        disabled = env_flag("ZDZ_AUTH_DISABLED")
        if not key and not jwks and not disabled:
            raise SystemExit(
                "refusing to start without authentication: set ZDZ_AUTH_PUBLIC_KEY_FILE to the token signing "
                "public key (PEM) or ZDZ_AUTH_JWKS to a JWK set (file:///… or https://…), or ZDZ_AUTH_DISABLED=1 "
                "to run without (tests and local tools only)"
            )
        if key and not Path(key).is_file():
            raise SystemExit(f"ZDZ_AUTH_PUBLIC_KEY_FILE={key!r} is not a readable file")
        if jwks and not jwks.startswith(("file://", "https://")):
            raise SystemExit(f"ZDZ_AUTH_JWKS={jwks!r} must be a file:// or https:// address")
        return cls(
            public_key_file=None if disabled or not key else Path(key),
            jwks="" if disabled else jwks,
            jwks_refresh_seconds=env_number("ZDZ_AUTH_JWKS_REFRESH_SECONDS", 300.0),
            issuer=env_str("ZDZ_AUTH_ISSUER", "zdz-dev"),
            audience=env_str("ZDZ_AUTH_AUDIENCE", "zdz"),
            rate_per_second=env_number("ZDZ_RATE_LIMIT_PER_SECOND", 50.0),
            rate_burst=env_int("ZDZ_RATE_LIMIT_BURST", 100),
            service_token=env_str("ZDZ_SERVICE_TOKEN", ""),
            max_message_bytes=env_int("ZDZ_GRPC_MAX_MESSAGE_BYTES", 4 * 1024 * 1024),
            tls=TlsFiles.from_env(),
            max_token_lifetime_seconds=env_int("ZDZ_AUTH_MAX_TOKEN_LIFETIME_SECONDS", 31 * 86400),
        )
