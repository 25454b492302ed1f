"""The one container image: multi-stage, from pinned bases, run as a non-root user with every service's entry
point installed; the manifests run it as that user."""

from __future__ import annotations

import re

from tests.unit.deploy.k8s import ROOT, env_of, of_kind, pod_spec, render
from zdz_local.services import SERVICES

DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
STAGES = re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\S+))?", DOCKERFILE, flags=re.MULTILINE | re.IGNORECASE)


def test_the_image_is_built_in_stages_from_bases_pinned_to_an_exact_release_or_digest() -> None:
    assert len(STAGES) >= 2
    for image, _stage in STAGES:
        assert "@sha256:" in image or re.fullmatch(r"[\w./-]+:\d+\.\d+\.\d+[\w.-]*", image), image
    assert STAGES[-1][1] == ""  # the last stage is the runtime
    runtime = DOCKERFILE.split(STAGES[-1][0], 1)[1].rsplit("FROM", 1)[-1]
    assert (
        "COPY --from=build /opt/zdz /opt/zdz" in runtime
    )  # only the built venv, not the sources or compilers


def test_the_runtime_runs_as_the_unprivileged_user_the_manifests_require() -> None:
    users = re.findall(r"^USER\s+(\S+)", DOCKERFILE, flags=re.MULTILINE)
    assert users and users[-1].split(":")[0] == "10001"
    for kind in ("Deployment", "Job"):
        for name, doc in of_kind(render("prod"), kind).items():
            if pod_spec(doc)["containers"][0]["image"].endswith("/zdz/zdz:0.1.0"):
                assert pod_spec(doc)["securityContext"]["runAsUser"] == 10001, name


def test_every_service_is_installed_into_the_image_with_its_entry_point() -> None:
    assert "./services/*" in DOCKERFILE and "pip check" in DOCKERFILE
    imported = re.search(r'python -c "import ([^"]+)"', DOCKERFILE)
    assert imported is not None
    assert {m.strip() for m in imported.group(1).split(",")} == {spec.module for spec in SERVICES}
    # the console serves its npm assets from the image, never a CDN: where the image has them is where the
    # manifest looks
    folder = re.search(r"COPY --from=console-assets /src/node_modules (\S+)", DOCKERFILE)
    assert folder is not None and f"ZDZ_CONSOLE_NODE_MODULES={folder.group(1)}" in DOCKERFILE
    console = pod_spec(of_kind(render("prod"), "Deployment")["console"])["containers"][0]
    assert env_of(console).get("ZDZ_CONSOLE_NODE_MODULES", {"value": folder.group(1)})[
        "value"
    ] == folder.group(1)
