"""Every kustomize overlay renders, and every service's Deployment is hardened and probed over gRPC."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parents[3] / "deploy" / "k8s"
OVERLAYS = [DEPLOY / "base", *sorted(p for p in (DEPLOY / "overlays").iterdir() if p.is_dir())]


def _render(folder: Path) -> list[dict]:  # type: ignore[type-arg]
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl (with its built-in kustomize) is not installed on this machine")
    output = subprocess.run(
        [kubectl, "kustomize", str(folder)], check=True, capture_output=True, text=True
    ).stdout
    return [doc for doc in yaml.safe_load_all(output) if doc]


@pytest.mark.parametrize("folder", OVERLAYS, ids=lambda p: p.name)
def test_overlay_renders(folder: Path) -> None:
    kinds = {doc["kind"] for doc in _render(folder)}
    assert {"Namespace", "Deployment", "Service", "StatefulSet"} <= kinds


@pytest.mark.parametrize("folder", OVERLAYS, ids=lambda p: p.name)
def test_every_service_deployment_is_hardened_and_probed_over_grpc(folder: Path) -> None:
    documents = _render(folder)
    deployments = [d for d in documents if d["kind"] == "Deployment"]
    assert deployments
    for deployment in deployments:
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, deployment["metadata"]["name"]
        for container in pod["containers"]:
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True
            assert security["allowPrivilegeEscalation"] is False
            assert security["capabilities"]["drop"] == ["ALL"]
            probes = [container["readinessProbe"], container["livenessProbe"]]
            env = {e["name"]: e.get("value") for e in container.get("env", [])}
            if folder.name == "production":
                # issue 7: mutual TLS between services, so the kubelet cannot use its plaintext gRPC probe
                assert {"ZDZ_TLS_CERT_FILE", "ZDZ_TLS_KEY_FILE", "ZDZ_TLS_CA_FILE"} <= set(env)
                assert all(p["exec"]["command"] == ["python", "-m", "zdz_common.healthcheck"] for p in probes)
            else:
                assert all("grpc" in p for p in probes)
            assert container["resources"]["requests"] and container["resources"]["limits"]
            # issue 7: no service runs without token verification in a cluster
            assert "ZDZ_AUTH_PUBLIC_KEY_FILE" in {e["name"] for e in container.get("env", [])}
            assert "ZDZ_AUTH_DISABLED" not in {e["name"] for e in container.get("env", [])}
    config = next(
        d for d in documents if d["kind"] == "ConfigMap" and d["metadata"]["name"].startswith("zdz-config")
    )
    assert config["data"]["ZDZ_ALLOW_PLAINTEXT"] == ("0" if folder.name == "production" else "1")
    services = {d["metadata"]["name"]: d for d in documents if d["kind"] == "Service"}
    for deployment in deployments:
        ports = services[deployment["metadata"]["name"]]["spec"]["ports"]
        assert any(port["name"] == "grpc" for port in ports)
