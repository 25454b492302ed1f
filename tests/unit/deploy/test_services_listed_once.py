"""The services are listed once (zdz_local.services.SERVICES); everything else that has to name them agrees."""

from __future__ import annotations

import importlib.metadata
import tomllib
from pathlib import Path

import yaml

from zdz_local.services import SERVICES

ROOT = Path(__file__).resolve().parents[3]
MODULES = {spec.module for spec in SERVICES}


def _toml(path: Path) -> dict:  # type: ignore[type-arg]
    return tomllib.loads(path.read_text(encoding="utf-8"))


def test_every_service_folder_is_listed_and_is_a_package_with_its_console_script() -> None:
    folders = {p.parent.relative_to(ROOT).as_posix() for p in (ROOT / "services").glob("*/pyproject.toml")}
    assert folders == {spec.folder for spec in SERVICES}
    for spec in SERVICES:
        project = _toml(ROOT / spec.folder / "pyproject.toml")["project"]
        assert project["name"] == f"zdz-{spec.name}"
        assert project["scripts"] == {spec.console_script: f"{spec.module}.__main__:main"}


def test_every_service_is_installed_with_its_console_script() -> None:
    scripts = {ep.name: ep.value for ep in importlib.metadata.entry_points(group="console_scripts")}
    for spec in SERVICES:
        assert scripts.get(spec.console_script) == f"{spec.module}.__main__:main", "run `make install`"


def test_the_k8s_base_has_one_deployment_and_service_per_service() -> None:
    base = ROOT / "deploy" / "k8s" / "base"
    resources = yaml.safe_load((base / "kustomization.yaml").read_text(encoding="utf-8"))["resources"]
    assert {f"{spec.name}.yaml" for spec in SERVICES} <= set(resources)
    documents = [
        d for r in resources for d in yaml.safe_load_all((base / r).read_text(encoding="utf-8")) if d
    ]
    deployments = {d["metadata"]["name"] for d in documents if d["kind"] == "Deployment"}
    # and the workflow's Temporal worker, its own Deployment (workflow-worker.yaml)
    assert deployments == {spec.name for spec in SERVICES} | {"workflow-worker"}


def test_the_import_contracts_cover_every_service() -> None:
    linter = _toml(ROOT / "pyproject.toml")["tool"]["importlinter"]
    assert set(linter["root_packages"]) >= MODULES
    contracts = {c["id"]: c for c in linter["contracts"]}
    assert set(contracts["services-independent"]["modules"]) == MODULES
    assert set(contracts["libs-import-no-service"]["forbidden_modules"]) == MODULES
    rooms = [*contracts["rooms"]["containers"], *contracts["workflow-rooms"]["containers"]]
    assert {container.split(".")[0] for container in rooms} == MODULES
