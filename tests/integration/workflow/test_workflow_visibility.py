"""Operators find a unit on the real dev server: `temporal workflow list --query` by district and stage."""

from __future__ import annotations

import asyncio
import subprocess
from datetime import date, datetime

from tests.integration.workflow import scenarios
from tests.integration.workflow.harness import DISTRICT, TOWN, TOWN_OFFICE, Driver, Harness
from zdz_local.processes import venv_binary
from zdz_local.temporal_dev import TemporalDevServer
from zdz_workflow.domain.calendar import SHANGHAI, local_date
from zdz_workflow.domain.commands import (
    CompleteSurvey,
    DeclareRectificationDone,
    OpenProcess,
    PublishNotice,
    RecordDistrictVerdict,
    SubmitPlan,
    SubmitSelfCheck,
)
from zdz_workflow.domain.sheets import SheetKind
from zdz_workflow.domain.values import Campaign
from zdz_workflow.temporal import search_attributes as sa
from zdz_workflow.temporal.workflows import ProcessWorkflow as W

LISTED_SECONDS = 15.0


def temporal_list(server: TemporalDevServer, query: str) -> str:
    return subprocess.run(
        [venv_binary("temporal"), "workflow", "list", "--address", server.address, "--query", query],
        check=True,
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout


async def listed(server: TemporalDevServer, query: str, workflow_id: str) -> bool:
    """Whether the CLI lists the workflow, waiting a little for the visibility store to catch up."""
    deadline = asyncio.get_running_loop().time() + LISTED_SECONDS
    while asyncio.get_running_loop().time() < deadline:
        if workflow_id in await asyncio.to_thread(temporal_list, server, query):
            return True
        await asyncio.sleep(0.3)
    return False


async def walk_to_public_notice(h: Harness) -> Driver:
    """A town of 万州区 through to its published notice, today, on the real clock (a campaign without the 2024
    survey and plan dates, whose deadlines would already have passed)."""
    campaign = Campaign(name=f"drill-{h.task_queue[-8:]}")
    d = await h.start(
        TOWN,
        clock_starts=None,
        open=OpenProcess(
            actor=DISTRICT,
            request_id=f"open-{campaign.name}",
            at=datetime.now(SHANGHAI),
            unit_id=TOWN.unit_id,
            unit_kind=TOWN.kind,
            campaign=campaign,
        ),
    )
    await d.do(W.complete_survey, CompleteSurvey, TOWN_OFFICE)
    await d.do(W.submit_plan, SubmitPlan, TOWN_OFFICE)
    await d.do(W.declare_rectification_done, DeclareRectificationDone, TOWN_OFFICE)
    today: date = local_date(await d.now())
    self_check = d.sheet(SheetKind.SELF_CHECK, "86.50", today.isoformat())
    await d.do(W.submit_self_check, SubmitSelfCheck, TOWN_OFFICE, sheet_id=self_check)
    drawn = await d.now()  # the plan is drawn in the stage, before the sheet is signed
    acceptance = d.sheet(
        SheetKind.DISTRICT_ACCEPTANCE, "88.00", today.isoformat(), sampling_plan_drawn_at=drawn
    )
    await d.do(W.record_district_verdict, RecordDistrictVerdict, DISTRICT, sheet_id=acceptance)
    await d.do(W.publish_notice, PublishNotice, DISTRICT, published_on=today, channel=scenarios.PORTAL)
    return d


async def test_temporal_workflow_list_finds_a_unit_by_district_and_stage(
    dev_server: TemporalDevServer, on_dev_server: Harness
) -> None:
    d = await walk_to_public_notice(on_dev_server)

    # The CLI an operator would type finds the unit in its public notice …
    assert await listed(dev_server, "ZdzDistrict='wanzhou' AND ZdzStage='PUBLIC_NOTICE'", d.handle.id)
    # … and not under a stage it has left, nor in another district.
    assert d.handle.id not in temporal_list(dev_server, "ZdzDistrict='wanzhou' AND ZdzStage='SURVEY'")
    assert d.handle.id not in temporal_list(dev_server, "ZdzDistrict='fuling' AND ZdzStage='PUBLIC_NOTICE'")

    # What the UI shows of it: the Chinese summary and the search attributes, the notice's end the next deadline.
    described = await d.handle.describe()
    assert (
        await described.static_summary()
        == "高笋塘街道（wanzhou，镇街）" + d.handle.id.rsplit("/", 1)[1] + " 批次污水零直排区建设验收"
    )
    attributes = described.typed_search_attributes
    view = await d.view()
    assert view.state and view.state.notice and view.state.notice.ends
    assert attributes.get(sa.NEXT_DEADLINE) == view.state.notice.ends.ends_at
    assert (attributes.get(sa.LATEST_SCORE), attributes.get(sa.GRADE)) == (88.0, "PASS")
