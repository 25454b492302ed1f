"""One `make run` (free ports, its own data folder) for the console tests of this folder, stopped after the last of
them (a system idling through the rest of the run slows it on two cores); fresh towns per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.console.scene import Scene, System, release, shared_system


@pytest.fixture(scope="package")
def console_system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    system = shared_system(tmp_path_factory.mktemp("console"))
    yield system
    release(system)


@pytest.fixture(scope="module")
def scene(console_system: System) -> Scene:
    return console_system.cast()
