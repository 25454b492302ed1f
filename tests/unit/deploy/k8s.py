"""Rendering deploy/k8s for the deployment checks: `kubectl kustomize` (the kustomize built into kubectl, from
the machine's `kubectl` package; its version is printed by `kubectl version --client`), once per folder."""

from __future__ import annotations

import functools
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from zdz_local.services import SERVICES

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy" / "k8s"
OVERLAYS = {
    "base": DEPLOY / "base",
    **{p.name: p for p in sorted((DEPLOY / "overlays").iterdir()) if p.is_dir()},
}
SCHEMAS = DEPLOY / "schemas"
TEMPORAL_VALUES = DEPLOY / "temporal"

# The services' Deployments: every service of zdz_local.services, and the workflow's worker, its own Deployment.
WORKER = "workflow-worker"
SERVICE_DEPLOYMENTS = {spec.name for spec in SERVICES} | {WORKER}
HTTP_SERVICES = {spec.name for spec in SERVICES if spec.http}
GRPC_PORTS = {spec.name: spec.default_port for spec in SERVICES if not spec.http}

Doc = dict[str, Any]


def kubectl() -> str:
    found = shutil.which("kubectl")
    if found is None:  # part of this machine's image (apt package kubectl); never skipped silently
        raise AssertionError(
            "kubectl is needed to render deploy/k8s (`kubectl kustomize`): apt-get install kubectl"
        )
    return found


@functools.cache
def _rendered(name: str) -> str:
    return subprocess.run(
        [kubectl(), "kustomize", str(OVERLAYS[name])], check=True, capture_output=True, text=True
    ).stdout


def render(name: str) -> list[Doc]:
    """The resources of an overlay (or the base), freshly parsed (tests may not share mutations)."""
    return [doc for doc in yaml.safe_load_all(_rendered(name)) if doc]


def of_kind(documents: list[Doc], kind: str) -> dict[str, Doc]:
    return {d["metadata"]["name"]: d for d in documents if d["kind"] == kind}


def pod_spec(workload: Doc) -> Doc:
    return workload["spec"]["template"]["spec"]


def env_of(container: Doc) -> dict[str, Doc]:
    return {e["name"]: e for e in container.get("env", [])}


def config(documents: list[Doc]) -> dict[str, str]:
    """The shared settings (the generated ConfigMap zdz-config-<hash>)."""
    found = [
        d for d in documents if d["kind"] == "ConfigMap" and d["metadata"]["name"].startswith("zdz-config")
    ]
    assert len(found) == 1
    return found[0]["data"]
