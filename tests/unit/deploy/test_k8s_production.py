"""The production overlay: ≥ 2 replicas of every service, a 3-node NATS JetStream cluster with R3 streams and
durable writes, a 3-instance PostgreSQL cluster with backups and one database per store, Temporal on PostgreSQL
(the official chart's values, checked against the chart's defaults), the search attributes registered by a Job,
telemetry to an OpenTelemetry Collector, and every image pinned."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from tests.unit.deploy.k8s import (
    GRPC_PORTS,
    SCHEMAS,
    SERVICE_DEPLOYMENTS,
    TEMPORAL_VALUES,
    config,
    env_of,
    of_kind,
    pod_spec,
    render,
)
from zdz_workflow.temporal import search_attributes

STORES = set(GRPC_PORTS)


def test_every_service_runs_at_least_two_replicas_and_never_scales_below_two() -> None:
    documents = render("prod")
    deployments = of_kind(documents, "Deployment")
    hpas = of_kind(documents, "HorizontalPodAutoscaler")
    for name, deployment in deployments.items():
        assert deployment["spec"]["replicas"] >= 2, name
    for name in SERVICE_DEPLOYMENTS:
        assert hpas[name]["spec"]["minReplicas"] >= 2, name
    assert deployments["registry"]["spec"]["replicas"] == 3  # everyone reads it
    for name, pdb in of_kind(documents, "PodDisruptionBudget").items():
        assert pdb["spec"] == {"maxUnavailable": 1, "selector": pdb["spec"]["selector"]}, name


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_nats_is_a_three_node_jetstream_cluster_with_durable_writes_on_volumes_and_r3_streams(
    name: str,
) -> None:
    documents = render(name)
    nats = of_kind(documents, "StatefulSet")["nats"]
    assert nats["spec"]["replicas"] == 3
    assert nats["spec"]["serviceName"] == "nats-headless"
    assert of_kind(documents, "Service")["nats-headless"]["spec"]["clusterIP"] == "None"
    (claim,) = nats["spec"]["volumeClaimTemplates"]
    assert pod_spec(nats)["containers"][0]["volumeMounts"][1] == {
        "name": claim["metadata"]["name"],
        "mountPath": "/data",
    }
    conf = of_kind(documents, "ConfigMap")["nats-config"]["data"]["nats.conf"]
    assert re.search(r"jetstream \{[^}]*sync_interval: always", conf)
    assert re.search(r"store_dir: /data/jetstream", conf)
    routes = re.findall(r"nats://(nats-\d)\.nats-headless\.zdz\.svc\.cluster\.local:6222", conf)
    assert routes == ["nats-0", "nats-1", "nats-2"]
    assert config(documents)["ZDZ_NATS_STREAM_REPLICAS"] == "3"
    assert (
        of_kind(documents, "PodDisruptionBudget")["nats"]["spec"]["maxUnavailable"] == 1
    )  # keeps the quorum


def test_postgresql_is_a_three_instance_cluster_with_backups_and_one_database_per_store() -> None:
    documents = render("prod")
    (cluster,) = of_kind(documents, "Cluster").values()
    spec = cluster["spec"]
    assert spec["instances"] == 3 and spec["minSyncReplicas"] == 1
    store = spec["backup"]["barmanObjectStore"]
    assert store["destinationPath"].startswith("s3://") and spec["backup"]["retentionPolicy"] == "30d"
    assert set(store["s3Credentials"]["accessKeyId"]) == {"name", "key"}  # a reference, not a value
    (nightly,) = of_kind(documents, "ScheduledBackup").values()
    assert nightly["spec"]["cluster"] == {"name": cluster["metadata"]["name"]}
    databases = {d["spec"]["name"]: d["spec"]["owner"] for d in of_kind(documents, "Database").values()}
    assert databases == {**{s: s for s in STORES}, "temporal": "temporal", "temporal_visibility": "temporal"}
    roles = {r["name"]: r["passwordSecret"]["name"] for r in spec["managed"]["roles"]}
    assert roles == {r: f"{r}-database-role" for r in (*STORES, "temporal")}
    deployments = of_kind(documents, "Deployment")
    for store_name in STORES:
        url = env_of(pod_spec(deployments[store_name])["containers"][0])[
            f"ZDZ_{store_name.upper()}_DATABASE_URL"
        ]
        assert url["valueFrom"]["secretKeyRef"] == {"name": f"{store_name}-database", "key": "url"}


def test_production_has_mutual_tls_from_cert_manager_for_every_service_name() -> None:
    documents = render("prod")
    certificates = of_kind(documents, "Certificate")
    service = certificates["zdz-service-tls"]["spec"]
    assert {"server auth", "client auth"} <= set(service["usages"])
    assert service["issuerRef"]["name"] == "zdz-ca" and certificates["zdz-ca"]["spec"]["isCA"] is True
    for name in SERVICE_DEPLOYMENTS:
        assert {name, f"{name}.zdz.svc.cluster.local"} <= set(service["dnsNames"])
        volumes = {v["name"]: v for v in pod_spec(of_kind(documents, "Deployment")[name])["volumes"]}
        assert volumes["tls"]["secret"]["secretName"] == service["secretName"]
    ingress = next(iter(of_kind(documents, "Ingress").values()))
    assert ingress["spec"]["tls"][0]["secretName"]


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_every_pod_sends_otlp_to_the_collector(name: str) -> None:
    documents = render(name)
    settings = config(documents)
    assert settings["OTEL_TRACES_EXPORTER"] == settings["OTEL_METRICS_EXPORTER"] == "otlp"
    assert settings["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel-collector.zdz.svc.cluster.local:4317"
    collector = of_kind(documents, "Deployment")["otel-collector"]
    ports = {p["name"]: p["port"] for p in of_kind(documents, "Service")["otel-collector"]["spec"]["ports"]}
    assert ports == {"otlp-grpc": 4317, "otlp-http": 4318}
    (pipeline,) = [d for d in documents if d["metadata"]["name"].startswith("otel-collector-config")]
    collector_config = yaml.safe_load(pipeline["data"]["collector.yaml"])
    assert set(collector_config["service"]["pipelines"]) == {"traces", "metrics", "logs"}
    assert all(p["receivers"] == ["otlp"] for p in collector_config["service"]["pipelines"].values())
    assert pod_spec(collector)["volumes"][0]["configMap"]["name"] == pipeline["metadata"]["name"]
    shared = next(d["metadata"]["name"] for d in documents if d["metadata"]["name"].startswith("zdz-config"))
    for name in SERVICE_DEPLOYMENTS:  # every service reads the OTEL_* settings from the shared ConfigMap
        env_from = pod_spec(of_kind(documents, "Deployment")[name])["containers"][0]["envFrom"]
        assert {"configMapRef": {"name": shared}} in env_from, name


def test_every_image_in_production_is_pinned_to_an_exact_release() -> None:
    for doc in render("prod"):
        images = []
        if doc["kind"] in ("Deployment", "StatefulSet", "Job"):
            images = [c["image"] for c in pod_spec(doc)["containers"]]
        elif doc["kind"] == "Cluster":
            images = [doc["spec"]["imageName"]]
        for image in images:
            assert "@sha256:" in image or re.search(r":v?\d+\.\d+(\.\d+)?(-[\w.]+)?$", image), image


# Temporal: the official chart's values.

CHART_DEFAULTS = yaml.safe_load(
    (SCHEMAS / "temporal-helm-chart" / "values-1.6.0.yaml").read_text(encoding="utf-8")
)
# Keys the chart reads per server role beside `server.<role>`'s own defaults (server-deployment.yaml: `default
# $.Values.server.replicaCount $serviceValues.replicaCount`, and the same for resources).
PER_ROLE = {"replicaCount", "resources"}
ROLES = ("frontend", "history", "matching", "worker", "internal-frontend")


def _unknown_keys(values: Any, defaults: Any, path: str = "") -> list[str]:
    if not isinstance(values, dict) or not isinstance(defaults, dict) or not defaults:
        return []  # a leaf, a list, or a free-form map in the chart ({} or null: datastores, resources, PDBs)
    unknown = []
    for key, value in values.items():
        here = f"{path}.{key}".lstrip(".")
        if key not in defaults:
            if not (path in {f"server.{r}" for r in ROLES} and key in PER_ROLE):
                unknown.append(here)
            continue
        unknown += _unknown_keys(value, defaults[key], here)
    return unknown


def _values(name: str) -> dict[str, Any]:
    return yaml.safe_load((TEMPORAL_VALUES / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", ["values.yaml", "values-dev.yaml"])
def test_the_temporal_values_use_only_keys_the_official_chart_knows(name: str) -> None:
    # `helm lint` needs the chart and the helm binary, neither to be had offline here: the values are checked
    # against the chart's own default values file (carried in deploy/k8s/schemas) instead.
    assert _unknown_keys(_values(name), CHART_DEFAULTS) == []


def test_unknown_temporal_values_keys_are_caught() -> None:
    assert _unknown_keys({"server": {"replicaCont": 3, "frontend": {"replicaCount": 2}}}, CHART_DEFAULTS) == [
        "server.replicaCont"
    ]


def test_temporal_runs_on_postgresql_for_persistence_and_visibility_with_every_role_replicated() -> None:
    values = _values("values.yaml")
    persistence = values["server"]["config"]["persistence"]
    stores = persistence["datastores"]
    assert {persistence["defaultStore"], persistence["visibilityStore"]} == {"default", "visibility"}
    for store, database in (("default", "temporal"), ("visibility", "temporal_visibility")):
        sql = stores[store]["sql"]
        assert sql["pluginName"] == "postgres12" and sql["databaseName"] == database
        assert sql["connectAddr"] == "zdz-pg-rw.zdz.svc.cluster.local:5432"
        assert "password" not in sql and sql["existingSecret"]  # a reference
    for role in ("frontend", "history", "matching", "worker"):
        assert values["server"][role]["replicaCount"] >= 2, role
        assert values["server"][role]["podDisruptionBudget"] == {"maxUnavailable": 1}
    assert values["web"]["replicaCount"] >= 2
    env = {e["name"]: e["value"] for e in values["web"]["additionalEnv"]}
    assert env["TEMPORAL_UI_PUBLIC_PATH"] == "/temporal"  # behind the zdz Ingress
    assert {n["name"] for n in values["server"]["config"]["namespaces"]["namespace"]} == {"zdz"}
    assert config(render("prod"))["ZDZ_TEMPORAL_NAMESPACE"] == "zdz"


CLI_TYPES = {
    "KEYWORD": "Keyword",
    "BOOL": "Bool",
    "INT": "Int",
    "DOUBLE": "Double",
    "DATETIME": "Datetime",
    "TEXT": "Text",
}


def test_the_search_attributes_job_registers_exactly_the_projects_search_attributes() -> None:
    documents = render("prod")
    listed = of_kind(documents, "ConfigMap")["temporal-search-attributes"]["data"]["attributes.txt"]
    registered = [tuple(line.split()) for line in listed.splitlines() if line.strip()]
    assert registered == [(key.name, CLI_TYPES[key.indexed_value_type.name]) for key in search_attributes.ALL]
    # SQL visibility holds at most 10 custom Keyword attributes per namespace (and 3 of each other type)
    counts = {t: sum(1 for _, kind in registered if kind == t) for t in set(CLI_TYPES.values())}
    assert counts["Keyword"] <= 10 and all(n <= 3 for t, n in counts.items() if t != "Keyword")
    job = of_kind(documents, "Job")["temporal-search-attributes"]
    env = env_of(pod_spec(job)["containers"][0])
    assert env["TEMPORAL_NAMESPACE"]["value"] == "zdz"
    assert env["TEMPORAL_ADDRESS"]["value"] == config(documents)["ZDZ_TEMPORAL_ADDRESS"]
