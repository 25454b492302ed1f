"""One `make run` (free ports, its own data folder) for every console test of the run; fresh towns per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.console.scene import Scene, System, release, shared_system


@pytest.fixture(scope="session")
def console_system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    system = shared_system(tmp_path_factory.mktemp("console"))
    yield system
    release(system)


@pytest.fixture(scope="module")
def scene(console_system: System) -> Scene:
    return console_system.cast()
