"""The console's settings, from the environment (the same variables `make run` sets for the services)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from zdz_common.config import AuthSettings, data_dir, env_flag, env_str

PACKAGE_ROOT = Path(__file__).resolve().parent.parent  # services/console: package.json, node_modules


@dataclass(frozen=True)
class ConsoleConfig:
    http_address: str
    registry: str
    scoring: str
    workflow: str
    notify: str
    temporal_ui: str
    temporal_namespace: str
    board_url: str
    secret: str
    auth: AuthSettings | None  # the services' verification keys (PEM and/or JWK set); None: not given
    dev_tokens: Path | None
    node_modules: Path
    secure_cookie: bool

    @property
    def host(self) -> str:
        return self.http_address.rsplit(":", 1)[0]

    @property
    def port(self) -> int:
        return int(self.http_address.rsplit(":", 1)[1])

    @classmethod
    def from_env(cls) -> ConsoleConfig:
        keys = data_dir() / "keys"
        dev_tokens = keys / "dev-tokens.txt" if env_flag("ZDZ_CONSOLE_DEV_LOGIN", True) else None
        board = env_str("ZDZ_NOTIFY_HTTP_ADDRESS", "127.0.0.1:8054")
        return cls(
            http_address=env_str("ZDZ_CONSOLE_HTTP_ADDRESS", "127.0.0.1:8080"),
            registry=env_str("ZDZ_REGISTRY_GRPC_ADDRESS", "127.0.0.1:50051"),
            scoring=env_str("ZDZ_SCORING_GRPC_ADDRESS", "127.0.0.1:50052"),
            workflow=env_str("ZDZ_WORKFLOW_GRPC_ADDRESS", "127.0.0.1:50053"),
            notify=env_str("ZDZ_NOTIFY_GRPC_ADDRESS", "127.0.0.1:50054"),
            temporal_ui=env_str("ZDZ_TEMPORAL_UI_URL", "http://127.0.0.1:8233"),
            temporal_namespace=env_str("ZDZ_TEMPORAL_NAMESPACE", "default"),
            board_url=env_str("ZDZ_CONSOLE_BOARD_URL", f"http://{board}/board"),
            # unset: a random key per process (sign-ins do not survive a restart; set it for several replicas)
            secret=env_str("ZDZ_CONSOLE_SECRET", "") or secrets.token_urlsafe(32),
            auth=AuthSettings.from_env()
            if env_str("ZDZ_AUTH_PUBLIC_KEY_FILE", "") or env_str("ZDZ_AUTH_JWKS", "")
            else None,
            dev_tokens=dev_tokens,
            node_modules=Path(env_str("ZDZ_CONSOLE_NODE_MODULES", str(PACKAGE_ROOT / "node_modules"))),
            secure_cookie=env_flag("ZDZ_CONSOLE_SECURE_COOKIE", False),
        )
