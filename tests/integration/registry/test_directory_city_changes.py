"""Issue 12 through gRPC: the city changes official data with its source named, as events in the audit trail;
a district keeps its own units' details and designates and completes its 千村示范 villages (000 二（三）)."""

from __future__ import annotations

import grpc
import pytest

from zdz.events.v1 import refs_pb2
from zdz.registry.v1 import events_pb2, ledger_pb2
from zdz.registry.v1 import registry_pb2 as pb
from zdz_registry.directory.service_layer.official_data import load_official_data, town_id_for

CITY = (("x-zdz-organisation", "municipal"), ("x-zdz-role", "MUNICIPAL_TASK_FORCE"), ("x-zdz-person", "zhou"))


@pytest.fixture
async def city(registry):  # type: ignore[no-untyped-def]
    load_official_data(registry.service, villages=False)
    return registry


async def test_a_move_is_an_event_naming_its_source(city) -> None:  # type: ignore[no-untyped-def]
    youting = town_id_for("500111116")  # 邮亭镇, coded under 大足区
    moved = await city.stub.MoveUnit(
        pb.MoveUnitRequest(
            unit_id=youting, district_code="shuangqiao", source="双桥经开区管理范围调整公告（示例）"
        ),
        metadata=CITY,
    )
    assert (moved.unit.district_code, moved.unit.official_code, moved.unit.coded_under) == (
        "shuangqiao",
        "500111116",
        "500111",
    )
    trail = await city.stub.GetAuditTrail(pb.GetAuditTrailRequest(stream_id=f"unit/{youting}"), metadata=CITY)
    assert [e.type for e in trail.events] == ["zdz.registry.unit.registered", "zdz.registry.unit.moved"]
    event = events_pb2.UnitMoved()
    trail.events[1].data.Unpack(event)
    assert (event.from_district_code, event.source) == ("dazu", "双桥经开区管理范围调整公告（示例）")


async def test_an_official_change_without_a_source_is_refused(city) -> None:  # type: ignore[no-untyped-def]
    unit = (await city.stub.GetUnit(pb.GetUnitRequest(id=town_id_for("500101001")), metadata=CITY)).unit
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await city.stub.UpdateUnit(pb.UpdateUnitRequest(unit=unit), metadata=CITY)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "source" in refused.value.details()


async def test_the_profile_is_kept_apart_from_the_official_data(city) -> None:  # type: ignore[no-untyped-def]
    town = town_id_for("500101001")
    updated = await city.stub.UpdateUnitProfile(
        pb.UpdateUnitProfileRequest(
            unit_id=town,
            profile=pb.UnitProfile(
                built_up_area_km2=3.5, lead_organisation="高笋塘街道办事处", contact_person="李"
            ),
        ),
        metadata=CITY,
    )
    assert updated.unit.profile.lead_organisation == "高笋塘街道办事处"
    assert (updated.unit.name, updated.unit.along_river) == ("高笋塘街道", True)  # official data unchanged


async def test_a_village_is_designated_then_completed_with_evidence(registry) -> None:  # type: ignore[no-untyped-def]
    load_official_data(registry.service)
    page = await registry.stub.ListUnits(
        pb.ListUnitsRequest(kind=refs_pb2.UNIT_KIND_VILLAGE, page_size=1), metadata=CITY
    )
    assert page.total_size == 7946
    village = page.units[0]
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await registry.stub.RecordVillageCompletion(
            pb.RecordVillageCompletionRequest(
                unit_id=village.id, completed_on="2025-09-01", evidence=["验收照片"]
            ),
            metadata=CITY,
        )
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION  # designate first
    await registry.stub.DesignateDemonstrationVillage(
        pb.DesignateDemonstrationVillageRequest(
            unit_id=village.id, designated_on="2025-03-01", reason="区县示范村计划"
        ),
        metadata=CITY,
    )
    done = await registry.stub.RecordVillageCompletion(
        pb.RecordVillageCompletionRequest(
            unit_id=village.id, completed_on="2025-09-01", evidence=["验收照片"]
        ),
        metadata=CITY,
    )
    assert done.unit.demonstration.state == ledger_pb2.DEMONSTRATION_STATE_COMPLETED
    assert done.unit.demonstration.completed_on == "2025-09-01"
    completed = await registry.stub.ListUnits(
        pb.ListUnitsRequest(demonstration_state=ledger_pb2.DEMONSTRATION_STATE_COMPLETED), metadata=CITY
    )
    assert [u.id for u in completed.units] == [village.id]
    assert village.id == town_id_for(village.official_code)  # stable, derived from the code
