"""Fixtures of the workflow tests: a time-skipping server for each test, alone with its workflow; one real dev
server for the visibility and gRPC tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from temporalio.client import Client

from tests.integration.workflow.harness import Harness, time_skipping_server
from zdz_local.temporal_dev import TemporalDevServer
from zdz_workflow.temporal import client as temporal


@pytest.fixture
async def skipping(tmp_path: Path) -> AsyncIterator[Harness]:
    """A time-skipping server and the service's activities over a temp database; no worker yet."""
    async with time_skipping_server() as env:
        harness = Harness.over(env.client, tmp_path, env=env)
        yield harness
        harness.app.engine.dispose()


@pytest.fixture
async def running(skipping: Harness) -> AsyncIterator[Harness]:
    """The same with a worker running."""
    async with skipping.worker():
        yield skipping


@pytest.fixture(scope="package")
def dev_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TemporalDevServer]:
    """One real Temporal dev server (headless, temp SQLite file) for the tests that need visibility queries;
    each test keeps to its own task queue and workflow ids."""
    folder = tmp_path_factory.mktemp("temporal")
    server = TemporalDevServer(
        folder / "temporal.db", headless=True, log_file=folder / "temporal.log"
    ).start()
    yield server
    server.stop()


@pytest.fixture(scope="package")
async def dev_client(dev_server: TemporalDevServer) -> Client:
    return await temporal.connect(dev_server.address, wait_seconds=30)


@pytest.fixture
async def on_dev_server(dev_client: Client, tmp_path: Path) -> AsyncIterator[Harness]:
    """The service's activities and a worker on a fresh task queue of the dev server (real clock)."""
    harness = Harness.over(dev_client, tmp_path)
    async with harness.worker():
        yield harness
    harness.app.engine.dispose()
