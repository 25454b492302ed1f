"""The console's scene (one `make run` with its console) and a headless Debian Chromium driven by Playwright."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.integration.console.scene import Scene, System, release, shared_system

CHROMIUM = "/usr/bin/chromium"  # Debian's; never a downloaded browser build


@pytest.fixture(scope="package")
def console_system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    system = shared_system(
        tmp_path_factory.mktemp("console")
    )  # the same kind of system as tests/integration/console's, for this folder's tests
    yield system
    release(system)


@pytest.fixture(scope="module")
def scene(console_system: System) -> Scene:
    return console_system.cast()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert not errors, errors  # no script on any page failed


@pytest.fixture(scope="session")
def artefacts() -> Path:
    folder = (
        Path(os.environ.get("ZDZ_TEST_ARTEFACTS", str(Path(__file__).resolve().parents[3] / ".artefacts")))
        / "console"
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder
