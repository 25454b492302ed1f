"""The registry's gRPC API as an integrating platform sees it: health, districts, units, errors, audit."""

from __future__ import annotations

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from zdz.events.v1 import refs_pb2
from zdz.registry.v1 import registry_pb2 as pb
from zdz_registry.directory.service_layer.official_data import load_official_data, official_data

CLERK = (
    ("x-zdz-organisation", "wanzhou-task-force"),
    ("x-zdz-role", "DISTRICT_TASK_FORCE"),
    ("x-zdz-person", "li"),
)


def _wanzhou() -> pb.District:
    return pb.District(
        code="wanzhou", name="万州区", gb_code="500101", town_share_2025=35, town_share_2027=80
    )


async def _code_of(call) -> grpc.StatusCode:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await call
    return error.value.code(), error.value.details()  # type: ignore[return-value]


async def test_health_check_answers_serving(registry) -> None:
    health = health_pb2_grpc.HealthStub(registry.channel)
    response = await health.Check(health_pb2.HealthCheckRequest(service="zdz.registry.v1.RegistryService"))
    assert response.status == health_pb2.HealthCheckResponse.SERVING


async def test_create_then_get_district_round_trips(registry) -> None:
    created = await registry.stub.CreateDistrict(
        pb.CreateDistrictRequest(district=_wanzhou()), metadata=CLERK
    )
    assert created.district.version == 1
    fetched = await registry.stub.GetDistrict(pb.GetDistrictRequest(code="wanzhou"))
    assert fetched.district.town_share_2025 == 35 and fetched.district.name == "万州区"


async def test_share_above_100_percent_is_invalid_argument_naming_the_field(registry) -> None:
    district = _wanzhou()
    district.town_share_2027 = 120
    code, details = await _code_of(registry.stub.CreateDistrict(pb.CreateDistrictRequest(district=district)))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "town_share_2027" in details
    code, _ = await _code_of(registry.stub.GetDistrict(pb.GetDistrictRequest(code="wanzhou")))
    assert code == grpc.StatusCode.NOT_FOUND  # nothing half-written


async def test_missing_name_is_invalid_argument(registry) -> None:
    district = _wanzhou()
    district.name = "  "
    code, details = await _code_of(registry.stub.CreateDistrict(pb.CreateDistrictRequest(district=district)))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "district.name" in details


async def test_duplicate_district_is_already_exists(registry) -> None:
    await registry.stub.CreateDistrict(pb.CreateDistrictRequest(district=_wanzhou()))
    code, _ = await _code_of(registry.stub.CreateDistrict(pb.CreateDistrictRequest(district=_wanzhou())))
    assert code == grpc.StatusCode.ALREADY_EXISTS


async def test_unit_in_unknown_district_is_not_found_naming_the_field(registry) -> None:
    unit = pb.Unit(district_code="atlantis", kind=refs_pb2.UNIT_KIND_TOWN, name="某镇", target_year=2027)
    code, details = await _code_of(registry.stub.CreateUnit(pb.CreateUnitRequest(unit=unit)))
    assert code == grpc.StatusCode.NOT_FOUND and "unit.district_code" in details


async def test_duplicate_unit_name_in_a_district_is_already_exists(registry) -> None:
    await registry.stub.CreateDistrict(pb.CreateDistrictRequest(district=_wanzhou()))
    unit = pb.Unit(district_code="wanzhou", kind=refs_pb2.UNIT_KIND_TOWN, name="高笋塘街道", target_year=2027)
    await registry.stub.CreateUnit(pb.CreateUnitRequest(unit=unit))
    code, details = await _code_of(registry.stub.CreateUnit(pb.CreateUnitRequest(unit=unit)))
    assert code == grpc.StatusCode.ALREADY_EXISTS and "高笋塘街道" in details


async def test_unit_without_kind_or_park_group_without_level_is_invalid(registry) -> None:
    await registry.stub.CreateDistrict(pb.CreateDistrictRequest(district=_wanzhou()))
    no_kind = pb.Unit(district_code="wanzhou", name="某镇", target_year=2027)
    code, details = await _code_of(registry.stub.CreateUnit(pb.CreateUnitRequest(unit=no_kind)))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "unit.kind" in details
    no_level = pb.Unit(
        district_code="wanzhou", kind=refs_pb2.UNIT_KIND_PARK_GROUP, name="某组团", target_year=2025
    )
    code, details = await _code_of(registry.stub.CreateUnit(pb.CreateUnitRequest(unit=no_level)))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "unit.level" in details


async def test_oversized_name_is_invalid_argument(registry) -> None:
    await registry.stub.CreateDistrict(pb.CreateDistrictRequest(district=_wanzhou()))
    unit = pb.Unit(district_code="wanzhou", kind=refs_pb2.UNIT_KIND_TOWN, name="镇" * 500, target_year=2027)
    code, details = await _code_of(registry.stub.CreateUnit(pb.CreateUnitRequest(unit=unit)))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "unit.name" in details


async def test_update_with_stale_version_is_aborted_and_changes_nothing(registry) -> None:
    await registry.stub.CreateDistrict(pb.CreateDistrictRequest(district=_wanzhou()))
    first = _wanzhou()
    first.town_share_2025 = 40
    await registry.stub.UpdateDistrict(pb.UpdateDistrictRequest(district=first, expected_version=1))
    second = _wanzhou()
    second.town_share_2025 = 50
    code, _ = await _code_of(
        registry.stub.UpdateDistrict(pb.UpdateDistrictRequest(district=second, expected_version=1))
    )
    assert code == grpc.StatusCode.ABORTED
    fetched = await registry.stub.GetDistrict(pb.GetDistrictRequest(code="wanzhou"))
    assert (fetched.district.town_share_2025, fetched.district.version) == (40, 2)


async def test_audit_trail_records_who_asked_and_the_chain_verifies(registry) -> None:
    await registry.stub.CreateDistrict(pb.CreateDistrictRequest(district=_wanzhou()), metadata=CLERK)
    trail = await registry.stub.GetAuditTrail(pb.GetAuditTrailRequest(stream_id="district/wanzhou"))
    (event,) = trail.events
    assert event.type == "zdz.registry.district.registered"
    assert (event.actor.organisation, event.actor.role, event.actor.person) == (
        "wanzhou-task-force",
        "DISTRICT_TASK_FORCE",
        "li",
    )
    assert event.data.type_url.endswith("zdz.registry.v1.DistrictRegistered")
    verified = await registry.stub.VerifyChain(pb.VerifyChainRequest())
    assert verified.ok and verified.events_checked == 1


async def test_official_listing_per_district_matches_attachments_1_and_2_row_for_row(registry) -> None:
    data = official_data()
    load_official_data(registry.service, villages=False)
    report = load_official_data(registry.service, villages=False)  # a second start finds everything in place
    assert (report.districts_created, report.units_created) == (0, 0)

    districts = await registry.stub.ListDistricts(pb.ListDistrictsRequest(page_size=500))
    assert [(d.code, d.name, d.town_share_2025, d.town_share_2027) for d in districts.districts] == [
        (row["code"], row["name"], row["town_share_2025"], row["town_share_2027"])
        for row in data["districts"]
    ]
    for row in data["districts"]:
        code = row["code"]
        parks = await _all_units(registry, district_code=code, kind=refs_pb2.UNIT_KIND_PARK_GROUP)
        expected_parks = sorted(
            (g["name"], g["target_year"], g["along_river"], g["level"])
            for g in data["park_groups"]
            if g["district"] == code
        )
        assert (
            sorted(
                (u.name, u.target_year, u.along_river, pb.ParkLevel.Name(u.level).removeprefix("PARK_LEVEL_"))
                for u in parks
            )
            == expected_parks
        ), code
        towns = await _all_units(registry, district_code=code, kind=refs_pb2.UNIT_KIND_TOWN, along_river=True)
        assert sorted(u.name for u in towns) == sorted(
            t["name"] for t in data["along_river_towns"] if t["district"] == code
        ), code


async def test_list_units_filters_and_pages(registry) -> None:
    load_official_data(registry.service, villages=False)
    along_river_towns = await _all_units(
        registry, kind=refs_pb2.UNIT_KIND_TOWN, along_river=True, page_size=40
    )
    assert len(along_river_towns) == 147
    parks_2025 = await _all_units(registry, kind=refs_pb2.UNIT_KIND_PARK_GROUP, target_year=2025, page_size=7)
    # DESIGN: 附件1's 46 for 2025, plus 涪陵综合保税区 (national) and 丰都 玉溪组团 (along-river).
    assert len(parks_2025) == 48 and len({u.id for u in parks_2025}) == 48
    code, details = await _code_of(registry.stub.ListUnits(pb.ListUnitsRequest(page_size=5000)))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "page_size" in details


async def _all_units(registry, page_size: int = 100, **filters) -> list[pb.Unit]:  # type: ignore[no-untyped-def]
    units: list[pb.Unit] = []
    token = ""
    while True:
        page = await registry.stub.ListUnits(
            pb.ListUnitsRequest(page_size=page_size, page_token=token, **filters)
        )
        units.extend(page.units)
        token = page.next_page_token
        if not token:
            return units
