"""Configuration from environment variables with embedded defaults."""

from __future__ import annotations

import os
from pathlib import Path


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
