"""The console's composition root: the configuration, the service channels and the application."""

from __future__ import annotations

from fastapi import FastAPI

from zdz_console.config import ConsoleConfig
from zdz_console.entrypoints.app import create_app


def build(config: ConsoleConfig | None = None) -> FastAPI:
    return create_app(config or ConsoleConfig.from_env())
