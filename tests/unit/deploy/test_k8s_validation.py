"""Every rendered resource validates offline and strictly: the Kubernetes kinds against the Kubernetes schemas
(kubernetes-validate, strict: no unknown field), the operators' kinds (CloudNativePG, cert-manager) against
their published schemas carried in deploy/k8s/schemas. No resource goes unchecked."""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path

import jsonschema
import pytest

from tests.unit.deploy.k8s import OVERLAYS, SCHEMAS, Doc, render

kubernetes_validate = pytest.importorskip(
    "kubernetes_validate", reason="kubernetes-validate is not installed (requirements.txt pins it)"
)

# The oldest Kubernetes release the manifests are meant for (gRPC probes, autoscaling/v2, policy/v1 are older)
# and the newest kubernetes-validate knows.
KUBERNETES_VERSIONS = ("1.30", "1.37")


def _crd_schema(doc: Doc) -> Path | None:
    group, _, version = doc["apiVersion"].rpartition("/")
    path = SCHEMAS / group / f"{doc['kind'].lower()}_{version}.json"
    return path if group and path.is_file() else None


@functools.cache
def _crd_validator(schema: Path) -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(json.loads(schema.read_text(encoding="utf-8")))


def _validate(doc: Doc, version: str) -> None:
    schema = _crd_schema(doc)
    if schema is not None:
        _crd_validator(schema).validate(doc)
    else:
        kubernetes_validate.validate(doc, version, strict=True)


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("name", list(OVERLAYS))
def test_every_rendered_resource_validates_strictly_offline(name: str, version: str) -> None:
    failures = []
    for doc in render(name):
        where = f"{doc['kind']}/{doc['metadata']['name']}"
        try:
            _validate(doc, version)
        except kubernetes_validate.SchemaNotFoundError:
            failures.append(f"{where}: no schema for {doc['apiVersion']} (carry it in deploy/k8s/schemas)")
        except jsonschema.ValidationError as error:
            failures.append(f"{where}: {'.'.join(map(str, error.path))}: {error.message}")
    assert not failures, "\n".join(failures)


def test_the_operator_resources_are_validated_against_the_carried_schemas() -> None:
    kinds = {(d["apiVersion"], d["kind"]) for d in render("prod") if _crd_schema(d) is not None}
    assert kinds == {
        ("postgresql.cnpg.io/v1", "Cluster"),
        ("postgresql.cnpg.io/v1", "Database"),
        ("postgresql.cnpg.io/v1", "ScheduledBackup"),
        ("cert-manager.io/v1", "Certificate"),
        ("cert-manager.io/v1", "Issuer"),
    }


def test_the_validation_is_strict_an_unknown_or_misspelt_field_fails() -> None:
    documents = render("prod")
    deployment = copy.deepcopy(next(d for d in documents if d["kind"] == "Deployment"))
    deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}  # misspelt
    with pytest.raises(jsonschema.ValidationError):
        _validate(deployment, KUBERNETES_VERSIONS[-1])
    cluster = copy.deepcopy(next(d for d in documents if d["kind"] == "Cluster"))
    cluster["spec"]["instance"] = 3  # misspelt `instances`
    with pytest.raises(jsonschema.ValidationError):
        _validate(cluster, KUBERNETES_VERSIONS[-1])
    certificate = copy.deepcopy(next(d for d in documents if d["kind"] == "Certificate"))
    certificate["spec"]["privateKey"]["algorithm"] = "DSA"  # not an algorithm cert-manager knows
    with pytest.raises(jsonschema.ValidationError):
        _validate(certificate, KUBERNETES_VERSIONS[-1])
