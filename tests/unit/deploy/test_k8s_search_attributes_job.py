"""The search-attribute Job's script, run for real with the `temporal` CLI against a Temporal dev server: in a
fresh namespace it registers every attribute of search_attributes.ALL with its type, and run again it changes
nothing and succeeds (the Job is re-run on every release)."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.deploy.k8s import of_kind, render
from zdz_local.processes import venv_binary
from zdz_local.temporal_dev import TemporalDevServer
from zdz_workflow.temporal import search_attributes

TYPES = {"KEYWORD": "Keyword", "BOOL": "Bool", "INT": "Int", "DOUBLE": "Double", "DATETIME": "Datetime"}


@pytest.fixture
def temporal(tmp_path: Path) -> Iterator[TemporalDevServer]:
    server = TemporalDevServer(tmp_path / "temporal.db", headless=True).start()
    try:
        yield server
    finally:
        server.stop()


def _script_folder(tmp_path: Path) -> Path:
    """The Job's ConfigMap as the pod sees it, with its mount path rewritten to a folder here."""
    data = of_kind(render("prod"), "ConfigMap")["temporal-search-attributes"]["data"]
    folder = tmp_path / "search-attributes"
    folder.mkdir()
    for key, text in data.items():
        (folder / key).write_text(text.replace("/etc/zdz/search-attributes", str(folder)), encoding="utf-8")
    return folder


def test_the_job_registers_every_search_attribute_once_and_is_idempotent(
    temporal: TemporalDevServer, tmp_path: Path
) -> None:
    cli = venv_binary("temporal")
    env = {
        "PATH": f"{Path(cli).parent}:{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "TEMPORAL_ADDRESS": temporal.address,
        "TEMPORAL_NAMESPACE": "zdz",
    }
    subprocess.run([cli, "operator", "namespace", "create", "--namespace", "zdz"], env=env, check=True)
    script = _script_folder(tmp_path) / "register.sh"
    for run in range(2):
        result = subprocess.run(["sh", str(script)], env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        expected = "registered as" if run == 0 else "already registered"
        assert result.stdout.count(expected) == len(search_attributes.ALL), result.stdout
    listed = subprocess.run(
        [cli, "operator", "search-attribute", "list", "--namespace", "zdz", "--output", "json"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    custom = json.loads(listed)["customAttributes"]
    for key in search_attributes.ALL:
        assert custom[key.name].removeprefix("INDEXED_VALUE_TYPE_") == key.indexed_value_type.name, custom
