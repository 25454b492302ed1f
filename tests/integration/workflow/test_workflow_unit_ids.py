"""Operators find a unit's process by its name or official code (issue 13): a new process's workflow id carries
the unit's 统计用区划代码 (a park group's official name, having none) and its search attributes the name and code;
a process started before keeps its id, and every look-up by (district, unit, campaign) finds both forms."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime

from tests.integration.workflow.harness import DISTRICT, PARK, TOWN, TOWN_OFFICE, Harness
from tests.integration.workflow.test_workflow_grpc import FakeUnits
from zdz_common.errors import DomainError
from zdz_workflow.domain.calendar import SHANGHAI
from zdz_workflow.domain.commands import CompleteSurvey, OpenProcess
from zdz_workflow.domain.settings import ProcessSettings
from zdz_workflow.domain.units import UnitInfo
from zdz_workflow.domain.values import Campaign
from zdz_workflow.service_layer.rounds import current_process_id
from zdz_workflow.temporal import search_attributes as sa
from zdz_workflow.temporal.payloads import process_id, ref_parts, successor_id, unit_process_id
from zdz_workflow.temporal.processes import ProcessRef, ProcessService

LISTED_SECONDS = 15.0


def service(h: Harness) -> ProcessService:
    return ProcessService(
        h.client,
        units=FakeUnits(TOWN, PARK),
        sheets=h.sheets,
        schedules=h.app.schedules,
        task_queue=h.task_queue,
        settings=ProcessSettings(),
    )


class RegistryDown:
    async def unit(self, unit_id: str) -> UnitInfo:
        raise RuntimeError("registry unavailable")


def opening(unit_id: str, campaign: str, request_id: str) -> OpenProcess:
    return OpenProcess(
        actor=DISTRICT,
        request_id=request_id,
        at=datetime.now(SHANGHAI),
        unit_id=unit_id,
        unit_kind=TOWN.kind if unit_id == TOWN.unit_id else PARK.kind,
        campaign=Campaign(name=campaign),
    )


async def listed(h: Harness, query: str) -> list[str]:
    """The ids the visibility store lists for `query`, waiting a little for it to catch up."""
    deadline = asyncio.get_running_loop().time() + LISTED_SECONDS
    ids: list[str] = []
    while asyncio.get_running_loop().time() < deadline:
        ids = [w.id async for w in h.client.list_workflows(query)]
        if ids:
            return ids
        await asyncio.sleep(0.3)
    return ids


def test_a_new_id_carries_the_official_code_or_the_park_groups_name_and_parses_back_to_its_ref() -> None:
    town = unit_process_id(TOWN, "2026")
    assert town == f"zdz-process/wanzhou/500101001/{TOWN.unit_id}/2026"
    assert unit_process_id(PARK, "2026") == f"zdz-process/wanzhou/九龙园/{PARK.unit_id}/2026"
    old = process_id(TOWN.district_code, TOWN.unit_id, "2024")
    assert ref_parts(town) == ("wanzhou", TOWN.unit_id, "2026")
    assert ref_parts(old) == ("wanzhou", TOWN.unit_id, "2024")
    assert ref_parts("zdz-round/1") is None
    # 重新实施建设验收: the next campaign's process takes the form of the one it continues.
    assert successor_id(town, TOWN, "2026R") == f"zdz-process/wanzhou/500101001/{TOWN.unit_id}/2026R"
    assert successor_id(old, TOWN, "2024R") == f"zdz-process/wanzhou/{TOWN.unit_id}/2024R"


async def test_a_new_process_is_found_by_its_units_name_and_official_code(on_dev_server: Harness) -> None:
    processes, campaign = service(on_dev_server), f"c{uuid.uuid4().hex[:10]}"
    view = await processes.start(TOWN, opening(TOWN.unit_id, campaign, f"open-{campaign}"))
    assert view.process_id == f"zdz-process/wanzhou/500101001/{TOWN.unit_id}/{campaign}"

    # Found by name and by code, as an operator types them into the Temporal UI's list filter.
    by_code = f"ZdzOfficialCode='500101001' AND ZdzCampaign='{campaign}'"
    by_name = f"ZdzUnitName='高笋塘街道' AND ZdzCampaign='{campaign}'"
    assert await listed(on_dev_server, by_code) == [view.process_id]
    assert await listed(on_dev_server, by_name) == [view.process_id]
    # … or by the start of the name or of the id (the id begins with the district and the code).
    begins = f"ZdzUnitName STARTS_WITH '高笋' AND ZdzCampaign='{campaign}'"
    assert await listed(on_dev_server, begins) == [view.process_id]
    prefix = f"WorkflowId STARTS_WITH 'zdz-process/wanzhou/500101001/' AND ZdzCampaign='{campaign}'"
    assert await listed(on_dev_server, prefix) == [view.process_id]
    described = await on_dev_server.client.get_workflow_handle(view.process_id).describe()
    attributes = described.typed_search_attributes
    assert (attributes.get(sa.UNIT_NAME), attributes.get(sa.OFFICIAL_CODE)) == ("高笋塘街道", "500101001")

    # Commands and reads by (district, unit, campaign) reach it.
    ref = ProcessRef(TOWN.district_code, TOWN.unit_id, campaign)
    moved = await processes.send(
        ref, CompleteSurvey(actor=TOWN_OFFICE, request_id=f"survey-{campaign}", at=datetime.now(SHANGHAI))
    )
    assert moved.process_id == view.process_id
    assert (await processes.get(ref)).state is not None
    # With the registry down, the visibility store still names the process's id.
    blind = ProcessService(
        on_dev_server.client,
        units=RegistryDown(),
        sheets=on_dev_server.sheets,
        schedules=on_dev_server.app.schedules,
        task_queue=on_dev_server.task_queue,
        settings=ProcessSettings(),
    )
    assert (await blind.get(ref)).process_id == view.process_id

    # A spot-check round locates the unit's current process by the stream its events go to.
    await on_dev_server.published(view.process_id, 1)
    assert current_process_id(on_dev_server.app.engine, "wanzhou", TOWN.unit_id) == view.process_id

    # A park group has no official code: its name stands in the id; ZdzOfficialCode stays unset.
    park = await processes.start(PARK, opening(PARK.unit_id, campaign, f"open-park-{campaign}"))
    assert park.process_id == f"zdz-process/wanzhou/九龙园/{PARK.unit_id}/{campaign}"
    assert await listed(on_dev_server, f"ZdzUnitName='九龙园' AND ZdzCampaign='{campaign}'") == [
        park.process_id
    ]
    parked = await on_dev_server.client.get_workflow_handle(park.process_id).describe()
    assert parked.typed_search_attributes.get(sa.OFFICIAL_CODE) is None


async def test_a_process_started_before_keeps_its_id_and_is_still_found_and_not_opened_twice(
    on_dev_server: Harness,
) -> None:
    campaign = f"c{uuid.uuid4().hex[:10]}"
    before = await on_dev_server.start(
        TOWN, clock_starts=None, open=opening(TOWN.unit_id, campaign, f"open-{campaign}")
    )
    assert before.handle.id == process_id(TOWN.district_code, TOWN.unit_id, campaign)
    processes = service(on_dev_server)
    ref = ProcessRef(TOWN.district_code, TOWN.unit_id, campaign)
    assert (await processes.get(ref)).process_id == before.handle.id
    # The same unit and campaign again: the running process answers, under its old id, no second one starts.
    try:
        await processes.start(TOWN, opening(TOWN.unit_id, campaign, "open-again"))
        raise AssertionError("a second process was opened")
    except DomainError as refused:
        assert campaign in str(refused)
    again = await processes.start(TOWN, opening(TOWN.unit_id, campaign, f"open-{campaign}"))
    assert again.process_id == before.handle.id
    # Its next step gives it the unit's name to be found by.
    await processes.send(
        ref, CompleteSurvey(actor=TOWN_OFFICE, request_id=f"survey-{campaign}", at=datetime.now(SHANGHAI))
    )
    assert await listed(on_dev_server, f"ZdzUnitName='高笋塘街道' AND ZdzCampaign='{campaign}'") == [
        before.handle.id
    ]
    await on_dev_server.published(before.handle.id, 1)
    assert current_process_id(on_dev_server.app.engine, "wanzhou", TOWN.unit_id) == before.handle.id
