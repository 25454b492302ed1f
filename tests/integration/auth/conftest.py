"""One system (registry, scoring, notify behind authentication) per test module."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.integration.auth.harness import System, start_system


@pytest.fixture(scope="module")
async def system(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    running, [stop] = await start_system(tmp_path_factory.mktemp("auth"))
    yield running
    await stop()
