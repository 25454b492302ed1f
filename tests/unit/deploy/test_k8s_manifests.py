"""Every kustomize overlay renders; every service has its Deployment, Service, ServiceAccount, autoscaler and
disruption budget; every workload is hardened and every service probed (gRPC, or exec under mutual TLS)."""

from __future__ import annotations

import pytest

from tests.unit.deploy.k8s import (
    GRPC_PORTS,
    HTTP_SERVICES,
    OVERLAYS,
    SERVICE_DEPLOYMENTS,
    WORKER,
    config,
    env_of,
    of_kind,
    pod_spec,
    render,
)

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "Job")


def test_the_layout_is_a_base_with_the_dev_and_prod_overlays() -> None:
    assert set(OVERLAYS) == {"base", "dev", "prod"}


@pytest.mark.parametrize("name", list(OVERLAYS))
def test_overlay_renders_with_kubectl_kustomize(name: str) -> None:
    kinds = {doc["kind"] for doc in render(name)}
    assert {"Namespace", "Deployment", "Service", "ServiceAccount", "StatefulSet", "Job", "Ingress"} <= kinds
    assert {"HorizontalPodAutoscaler", "PodDisruptionBudget", "Cluster", "Database"} <= kinds
    assert all(
        d["metadata"].get("namespace", "zdz") == "zdz" for d in render(name) if d["kind"] != "Namespace"
    )


@pytest.mark.parametrize("name", list(OVERLAYS))
def test_every_service_has_a_deployment_a_service_account_an_autoscaler_and_a_disruption_budget(
    name: str,
) -> None:
    documents = render(name)
    deployments = of_kind(documents, "Deployment")
    assert SERVICE_DEPLOYMENTS <= set(deployments)
    accounts = of_kind(documents, "ServiceAccount")
    hpas = of_kind(documents, "HorizontalPodAutoscaler")
    pdbs = of_kind(documents, "PodDisruptionBudget")
    for service in SERVICE_DEPLOYMENTS:
        pod = pod_spec(deployments[service])
        assert pod["serviceAccountName"] == service and service in accounts
        assert accounts[service]["automountServiceAccountToken"] is False  # none of them calls the API
        assert hpas[service]["spec"]["scaleTargetRef"] == {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": service,
        }
        labels = deployments[service]["spec"]["template"]["metadata"]["labels"]
        assert pdbs[service]["spec"]["selector"]["matchLabels"].items() <= labels.items()


@pytest.mark.parametrize("name", list(OVERLAYS))
def test_every_service_has_a_service_with_its_port_named_grpc_or_http(name: str) -> None:
    documents = render(name)
    services = of_kind(documents, "Service")
    for service in SERVICE_DEPLOYMENTS - {WORKER}:
        ports = {port["name"]: port for port in services[service]["spec"]["ports"]}
        if service in HTTP_SERVICES:
            assert "http" in ports
        else:
            assert ports["grpc"]["port"] == GRPC_PORTS[service]
    # the worker is reached by nobody: Temporal hands it work; no Service selects it
    selectors = [s["spec"].get("selector", {}) for s in services.values()]
    assert all(s.get("app.kubernetes.io/name") != WORKER for s in selectors)


@pytest.mark.parametrize("name", list(OVERLAYS))
def test_the_workflow_worker_is_its_own_deployment_apart_from_the_grpc_facade(name: str) -> None:
    deployments = of_kind(render(name), "Deployment")
    facade, worker = deployments["workflow"], deployments[WORKER]
    for deployment, run in ((facade, "facade"), (worker, "worker")):
        container = pod_spec(deployment)["containers"][0]
        assert container["args"] == ["python", "-m", "zdz_workflow"]
        assert env_of(container)["ZDZ_WORKFLOW_RUN"]["value"] == run
    assert facade["spec"]["selector"] != worker["spec"]["selector"]


@pytest.mark.parametrize("name", list(OVERLAYS))
def test_every_workload_runs_as_non_root_on_a_read_only_root_with_no_capabilities_and_bounded(
    name: str,
) -> None:
    for doc in render(name):
        if doc["kind"] not in WORKLOAD_KINDS:
            continue
        pod = pod_spec(doc)
        where = f"{doc['kind']}/{doc['metadata']['name']}"
        assert pod["securityContext"]["runAsNonRoot"] is True, where
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, where
        for container in [*pod.get("initContainers", []), *pod["containers"]]:
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True, where
            assert security["allowPrivilegeEscalation"] is False, where
            assert security["capabilities"]["drop"] == ["ALL"], where
            assert "add" not in security["capabilities"], where
            resources = container["resources"]
            assert {"cpu", "memory"} <= set(resources["requests"]) and {"cpu", "memory"} <= set(
                resources["limits"]
            )


@pytest.mark.parametrize("name", list(OVERLAYS))
def test_the_namespace_enforces_the_restricted_pod_security_standard(name: str) -> None:
    (namespace,) = of_kind(render(name), "Namespace").values()
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


@pytest.mark.parametrize("name", list(OVERLAYS))
def test_every_service_is_probed_over_grpc_or_by_exec_under_mutual_tls(name: str) -> None:
    documents = render(name)
    mutual_tls = config(documents)["ZDZ_ALLOW_PLAINTEXT"] == "0"
    assert mutual_tls == (name == "prod")
    for service, deployment in of_kind(documents, "Deployment").items():
        if service not in SERVICE_DEPLOYMENTS:
            continue
        container = pod_spec(deployment)["containers"][0]
        probes = [container["readinessProbe"], container["livenessProbe"]]
        env = env_of(container)
        # issue 7: no service runs without token verification in a cluster
        assert "ZDZ_AUTH_PUBLIC_KEY_FILE" in env and "ZDZ_AUTH_DISABLED" not in env
        if mutual_tls:
            assert {"ZDZ_TLS_CERT_FILE", "ZDZ_TLS_KEY_FILE", "ZDZ_TLS_CA_FILE"} <= set(env), service
        if service in HTTP_SERVICES:  # a gRPC client of the services, itself probed over HTTP
            assert all(p["httpGet"]["path"] == "/healthz" for p in probes)
        elif (
            mutual_tls
        ):  # the kubelet's gRPC probe does not speak TLS: exec the health check with the certificate
            assert all(p["exec"]["command"] == ["python", "-m", "zdz_common.healthcheck"] for p in probes)
            assert env["ZDZ_HEALTH_PORT"]["value"] == str(GRPC_PORTS.get(service, GRPC_PORTS["workflow"]))
        else:
            assert all(p["grpc"]["port"] == GRPC_PORTS.get(service, GRPC_PORTS["workflow"]) for p in probes)


@pytest.mark.parametrize("name", list(OVERLAYS))
def test_secrets_are_only_references_never_values(name: str) -> None:
    documents = render(name)
    assert not [d for d in documents if d["kind"] == "Secret"]
    secret_words = ("PASSWORD", "SECRET", "TOKEN", "PRIVATE", "DATABASE_URL")
    for doc in documents:
        if doc["kind"] == "ConfigMap":
            assert not [k for k in doc["data"] if any(w in k.upper() for w in secret_words)], doc["metadata"]
        if doc["kind"] not in WORKLOAD_KINDS:
            continue
        for container in pod_spec(doc)["containers"]:
            for variable in container.get("env", []):
                if any(w in variable["name"] for w in secret_words) and not variable["name"].endswith(
                    "_FILE"
                ):
                    assert "value" not in variable and "secretKeyRef" in variable["valueFrom"], variable


@pytest.mark.parametrize("name", list(OVERLAYS))
def test_each_store_is_migrated_by_its_own_job_before_the_rollout(name: str) -> None:
    jobs = of_kind(render(name), "Job")
    for service in GRPC_PORTS:
        job = jobs[f"{service}-migrate"]
        assert job["metadata"]["labels"]["app.kubernetes.io/component"] == "migration"
        container = pod_spec(job)["containers"][0]
        assert container["args"] == ["python", "-m", f"zdz_{service}", "migrate"]
        url = env_of(container)[f"ZDZ_{service.upper()}_DATABASE_URL"]
        assert url["valueFrom"]["secretKeyRef"] == {"name": f"{service}-database", "key": "url"}
        assert pod_spec(job)["restartPolicy"] == "Never"


@pytest.mark.parametrize("name", list(OVERLAYS))
def test_the_console_the_board_and_the_temporal_ui_share_one_ingress(name: str) -> None:
    documents = render(name)
    (ingress,) = of_kind(documents, "Ingress").values()
    paths = {p["path"]: p["backend"]["service"]["name"] for p in ingress["spec"]["rules"][0]["http"]["paths"]}
    assert paths == {"/": "console", "/board": "notify", "/temporal": "temporal-web"}
    web = of_kind(documents, "Service")["temporal-web"]["spec"]
    assert web == {
        "type": "ExternalName",
        "externalName": "temporal-web.temporal.svc.cluster.local",
        "ports": web["ports"],
    }
    console = env_of(pod_spec(of_kind(documents, "Deployment")["console"])["containers"][0])
    assert console["ZDZ_TEMPORAL_UI_URL"]["value"] == "/temporal/"
