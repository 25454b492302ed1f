"""`make run` as a newcomer uses it: everything starts, says where it listens, stops on Ctrl-C, keeps its data."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.e2e.make_run import environment, start, stop, tokens
from zdz.registry.v1 import registry_pb2 as pb
from zdz.registry.v1 import registry_pb2_grpc
from zdz_local.services import GRPC_SERVICES, service

OFFICIAL_UNITS = (
    107 + 1031 + 7946
)  # park groups of 附件1, towns/streets and administrative villages of the division codes


def _count_units(address: str, token: str) -> int:
    with grpc.insecure_channel(address) as channel:
        stub = registry_pb2_grpc.RegistryServiceStub(channel)
        request = pb.ListUnitsRequest(page_size=1)
        return stub.ListUnits(request, metadata=(("authorization", f"Bearer {token}"),)).total_size


def test_make_run_starts_everything_prints_addresses_and_finds_its_data_again(tmp_path: Path) -> None:
    env = environment(tmp_path / "data")
    registry_address = env[service("registry").address_variable]
    ui_port = int(env["ZDZ_TEMPORAL_UI_PORT"])
    process, lines = start(env)
    try:
        # One line per server with the address it listens on.
        assert any(line.startswith("nats ") and "nats://127.0.0.1:" in line for line in lines)
        assert any(line.startswith("temporal ") and f"http://127.0.0.1:{ui_port}" in line for line in lines)
        assert f"registry  grpc://{registry_address}" in lines
        for spec in GRPC_SERVICES:  # every service, each on the address it was given
            assert f"{spec.name:<9} grpc://{env[spec.address_variable]}" in lines
        console = f"console   http://{env[service('console').address_variable]}"
        assert any(line.startswith(console) for line in lines)  # the web console, started last
        with grpc.insecure_channel(registry_address) as channel:
            health = health_pb2_grpc.HealthStub(channel)
            assert (
                health.Check(health_pb2.HealthCheckRequest()).status == health_pb2.HealthCheckResponse.SERVING
            )
        with urllib.request.urlopen(f"http://127.0.0.1:{ui_port}/", timeout=10) as response:
            assert response.status == 200  # the Temporal Web UI answers
        # A printed token opens the registry; a unit's token may not add a district (issue 7).
        printed = tokens(lines)
        assert set(printed) == {
            "UNIT",
            "DISTRICT_TASK_FORCE",
            "MUNICIPAL_TASK_FORCE",
            "INTEGRATION",
            "PUBLIC",
        }
        assert (tmp_path / "data" / "keys" / "dev-tokens.txt").read_text().count("\n") == 5
        assert _count_units(registry_address, printed["UNIT"]) == OFFICIAL_UNITS
        with grpc.insecure_channel(registry_address) as channel, pytest.raises(grpc.RpcError) as refused:
            registry_pb2_grpc.RegistryServiceStub(channel).CreateDistrict(
                pb.CreateDistrictRequest(district=pb.District(code="newtown", name="新区")),
                metadata=(("authorization", f"Bearer {printed['UNIT']}"),),
            )
        assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED  # type: ignore[attr-defined]
        assert "issue7.directory-write" in refused.value.details()  # type: ignore[attr-defined]
    finally:
        tail = stop(process)
    assert tail[-1] == "zdz: stopped."

    # A second run finds the same data: nothing loaded twice.
    process, lines = start(env)
    try:
        assert _count_units(registry_address, tokens(lines)["MUNICIPAL_TASK_FORCE"]) == OFFICIAL_UNITS
    finally:
        stop(process)
    assert (tmp_path / "data" / "temporal.db").exists()
    assert (tmp_path / "data" / "registry.db").exists()
