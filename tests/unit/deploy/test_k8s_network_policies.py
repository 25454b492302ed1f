"""The production NetworkPolicies, evaluated: each pod reaches only what it needs. Every (source pod, destination
pod, port) among the services, their Jobs and their stores is allowed exactly when the design says so:
registry ← everyone; scoring → registry; workflow → registry, scoring (and Temporal); notify → registry,
workflow; console → the four; the services with a store → NATS and PostgreSQL; everyone → the OTel collector."""

from __future__ import annotations

import itertools
from typing import Any

from tests.unit.deploy.k8s import Doc, of_kind, pod_spec, render

SERVERS = ("registry", "scoring", "workflow", "workflow-worker", "notify")
MIGRATIONS = tuple(f"{s}-migrate" for s in ("registry", "scoring", "workflow", "notify"))
PORTS = {
    "registry": [50051],
    "scoring": [50052],
    "workflow": [50053],
    "workflow-worker": [50053],
    "notify": [50054, 8054],
    "console": [8080],
    "nats": [4222, 6222],
    "postgres": [5432],
    "otel-collector": [4317, 4318],
}


def _expected() -> set[tuple[str, str, int]]:
    allowed = {
        (src, "registry", 50051) for src in ("scoring", "workflow", "workflow-worker", "notify", "console")
    }
    allowed |= {(src, "scoring", 50052) for src in ("workflow", "workflow-worker", "console")}
    allowed |= {(src, "workflow", 50053) for src in ("console", "notify")}
    allowed |= {("console", "notify", 50054)}
    allowed |= {(src, "nats", 4222) for src in SERVERS} | {("nats", "nats", 6222)}
    allowed |= {(src, "postgres", 5432) for src in (*SERVERS, *MIGRATIONS, "postgres")}
    everyone = (
        *SERVERS,
        "console",
        *MIGRATIONS,
        "nats",
        "postgres",
        "otel-collector",
        "temporal-search-attributes",
    )
    allowed |= {(src, "otel-collector", port) for src in everyone for port in (4317, 4318)}
    return allowed


def _labels(documents: list[Doc]) -> dict[str, dict[str, str]]:
    pods = {
        name: doc["spec"]["template"]["metadata"]["labels"]
        for kind in ("Deployment", "StatefulSet", "Job")
        for name, doc in of_kind(documents, kind).items()
    }
    pods["postgres"] = {
        "cnpg.io/cluster": "zdz-pg",
        "cnpg.io/instanceRole": "primary",
    }  # as the operator labels
    return pods


def _selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        present = labels.get(expression["key"])
        if expression["operator"] == "In" and present not in expression["values"]:
            return False
        if expression["operator"] == "NotIn" and present in expression["values"]:
            return False
    return True


def _peer_matches(peers: list[dict[str, Any]] | None, labels: dict[str, str]) -> bool:
    if peers is None:  # no `from`/`to`: any peer
        return True
    # a peer with a namespaceSelector or an ipBlock names pods of other namespaces or outside addresses
    return any(set(peer) == {"podSelector"} and _selects(peer["podSelector"], labels) for peer in peers)


def _rule_allows(rules: list[dict[str, Any]], peer_key: str, labels: dict[str, str], port: int) -> bool:
    for rule in rules:
        ports = rule.get("ports")
        if ports is not None and not any(p.get("port") == port for p in ports):
            continue
        if _peer_matches(rule.get(peer_key), labels):
            return True
    return False


def _allowed(policies: list[Doc], src: dict[str, str], dst: dict[str, str], port: int) -> bool:
    def side(direction: str, pod: dict[str, str], peer: dict[str, str], key: str) -> bool:
        selecting = [p for p in policies if _selects(p["spec"]["podSelector"], pod)]
        relevant = [p for p in selecting if direction in p["spec"]["policyTypes"]]
        if not relevant:  # a pod no policy isolates in this direction
            return True
        return any(_rule_allows(p["spec"].get(direction.lower(), []), key, peer, port) for p in relevant)

    return side("Egress", src, dst, "to") and side("Ingress", dst, src, "from")


def test_each_pod_reaches_exactly_what_it_needs_in_production() -> None:
    documents = render("prod")
    policies = list(of_kind(documents, "NetworkPolicy").values())
    pods = _labels(documents)
    sources = [
        *SERVERS,
        "console",
        *MIGRATIONS,
        "nats",
        "postgres",
        "otel-collector",
        "temporal-search-attributes",
    ]
    actual = {
        (src, dst, port)
        for src, dst in itertools.product(sources, PORTS)
        for port in PORTS[dst]
        if _allowed(policies, pods[src], pods[dst], port)
    }
    expected = _expected()
    assert actual - expected == set(), "allowed but not needed"
    assert expected - actual == set(), "needed but not allowed"


def test_production_denies_by_default_and_lets_only_notify_out_to_public_addresses() -> None:
    policies = of_kind(render("prod"), "NetworkPolicy")
    deny = policies["default-deny"]["spec"]
    assert deny["podSelector"] == {} and set(deny["policyTypes"]) == {"Ingress", "Egress"}
    assert not deny.get("ingress") and not deny.get("egress")
    blocks = [
        (name, peer["ipBlock"])
        for name, policy in policies.items()
        for rule in policy["spec"].get("egress", [])
        for peer in rule.get("to", [])
        if "ipBlock" in peer
    ]
    assert [name for name, _ in blocks] == ["notify"]  # webhooks and e-mail
    assert {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"} <= set(blocks[0][1]["except"])


def test_the_dev_overlay_leaves_network_policies_out_and_the_workflow_reaches_temporal_in_prod() -> None:
    assert not of_kind(render("dev"), "NetworkPolicy")
    workflow = of_kind(render("prod"), "NetworkPolicy")["workflow"]["spec"]
    temporal = [r for r in workflow["egress"] if any("namespaceSelector" in p for p in r.get("to", []))]
    assert temporal[0]["to"][0]["namespaceSelector"]["matchLabels"] == {
        "kubernetes.io/metadata.name": "temporal"
    }
    assert temporal[0]["ports"] == [{"protocol": "TCP", "port": 7233}]
    assert pod_spec(of_kind(render("prod"), "Deployment")["workflow-worker"])  # selected by the same policy
