"""The living demo city (issue 13): loaded over gRPC into a whole `make run` on free ports, it puts the programme
in motion in the Temporal UI: processes in at least eight distinct stages, in every district, filterable by
district and found by a unit's name or official code, with Chinese summaries. A second load adds nothing;
ZDZ_DEMO=0 loads nothing; `remove` terminates what the demo started."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from temporalio.client import Client

from tests.e2e.make_run import environment, start, stop
from zdz_common.vocabulary import Stage, UnitKind
from zdz_local.demo import created_file, load_if_first_start, remove
from zdz_workflow.domain.units import UnitInfo
from zdz_workflow.temporal import search_attributes as sa
from zdz_workflow.temporal.summaries import static_summary

LOAD_SECONDS = 180  # the whole demo, on 2 cores
RUNNING = "WorkflowType='ZdzProcess' AND ExecutionStatus='Running'"


async def listed(address: str, query: str, expected: int | None = None) -> list[Any]:
    """The executions the visibility store lists for `query` (waiting for `expected` of them to show)."""
    client = await Client.connect(address)
    deadline = time.monotonic() + 30
    while True:
        found = [w async for w in client.list_workflows(query)]
        if expected is None or len(found) == expected or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.5)


def test_the_demo_city_shows_the_programme_in_motion_in_the_temporal_ui_and_loads_once(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    env = {**environment(data), "ZDZ_DEMO": "0"}  # make run itself loads no demo here: the test does
    process, _lines = start(env)
    temporal = f"127.0.0.1:{env['ZDZ_TEMPORAL_PORT']}"
    said: list[str] = []
    try:
        # The production default: nothing is loaded, nothing recorded.
        assert load_if_first_start(data, env, said.append) is None
        assert not created_file(data).exists() and not said
        assert asyncio.run(listed(temporal, RUNNING)) == []
        refused = make_demo(env)  # `make demo` with ZDZ_DEMO=0 refuses too
        assert refused.returncode == 2 and "ZDZ_DEMO=0" in refused.stdout
        assert not created_file(data).exists()

        began = time.monotonic()
        record = load_if_first_start(data, {**env, "ZDZ_DEMO": "1"}, said.append)
        took = time.monotonic() - began
        assert record is not None, said
        print(f"demo loaded in {took:.0f}s")
        assert took < LOAD_SECONDS
        units: dict[str, dict[str, Any]] = record["units"]
        assert any(line.startswith("demo [1/") for line in said)  # a progress line per step

        # The Temporal UI: every demo process running, each at the stage it was driven to.
        running = asyncio.run(listed(temporal, RUNNING, expected=len(units)))
        assert len(running) == len(units)
        by_id = {u["workflow_id"]: u for u in units.values()}
        stages = {w.id: w.typed_search_attributes.get(sa.STAGE) for w in running}
        assert stages == {wid: u["stage"] for wid, u in by_id.items()}
        assert len(set(stages.values())) >= 8, sorted(set(stages.values()))
        # The city's draw took the towns filed for it into 市级抽查; the other filed towns wait as filed.
        assert {"SPOT_CHECK", "FILED"} <= set(stages.values())
        assert sorted(record["spot_check"]["drawn"]) == sorted(
            i for i, u in units.items() if u["stage"] == "SPOT_CHECK"
        )
        assert {u["district"] for u in units.values()} >= {"wanzhou", "jiangbei", "changshou", "fengdu"}
        assert len({u["district"] for u in units.values()}) >= 38  # every district (some zones have no towns)

        # The five park groups of 002, imported as accepted in 2024.
        parks = {u["name"]: u for u in units.values() if u["kind"] == "PARK_GROUP"}
        assert set(parks) == {
            "港城工业园区",
            "A、B、C、D、F、J、L分区",
            "木洞组团",
            "长寿经开区新材料产业园（晏家组团）",
            "水天坪组团",
        }
        assert {(p["stage"], p["campaign"]) for p in parks.values()} == {("ACCEPTED", "2024")}
        assert all("演示数据" in p["source"] for p in parks.values())

        # Filterable by district, and by stage within it (the documented saved view's query).
        wanzhou = asyncio.run(
            listed(
                temporal,
                f"{RUNNING} AND ZdzDistrict='wanzhou'",
                expected=sum(u["district"] == "wanzhou" for u in units.values()),
            )
        )
        assert wanzhou and {w.typed_search_attributes.get(sa.DISTRICT) for w in wanzhou} == {"wanzhou"}
        # The dev server's SQL visibility has no ORDER BY (Elasticsearch has): the view filters by the deadline.
        soon = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
        view = asyncio.run(
            listed(temporal, f"{RUNNING} AND ZdzStage='PUBLIC_NOTICE' AND ZdzNextDeadline < '{soon}'")
        )
        notices = [u for u in units.values() if u["stage"] == "PUBLIC_NOTICE"]
        assert len(view) == len(notices)
        assert all(w.typed_search_attributes.get(sa.NEXT_DEADLINE) for w in view)

        # Found by official code and by name; the summary is in Chinese.
        town = next(u for u in units.values() if u["kind"] == "TOWN" and u["stage"] == "FILED")
        (by_code,) = asyncio.run(listed(temporal, f"ZdzOfficialCode='{town['official_code']}'", expected=1))
        assert by_code.id == town["workflow_id"]
        assert f"/{town['official_code']}/" in by_code.id  # the id carries the code
        (by_name,) = asyncio.run(listed(temporal, "ZdzUnitName='水天坪组团'", expected=1))
        assert by_name.id == parks["水天坪组团"]["workflow_id"]
        described = asyncio.run(_describe(temporal, town["workflow_id"]))
        unit = UnitInfo(unit_id="", district_code=town["district"], kind=UnitKind.TOWN, name=town["name"])
        assert described == static_summary(unit, "2026")
        assert town["name"] in described and "污水零直排区建设验收" in described
        assert Stage(town["stage"]).label == "备案"

        # A second load adds nothing.
        before = created_file(data).read_text(encoding="utf-8")
        said.clear()
        again = load_if_first_start(data, {**env, "ZDZ_DEMO": "1"}, said.append)
        assert again is not None and again["units"] == units
        assert created_file(data).read_text(encoding="utf-8") == before
        assert any("新载入 0 个单元" in line for line in said), said
        assert len(asyncio.run(listed(temporal, "WorkflowType='ZdzProcess'"))) == len(units)

        # Removal terminates every demo process and the demo's round, and says so in the record.
        rounds = asyncio.run(
            listed(temporal, "WorkflowType='ZdzSpotCheckRound' AND ExecutionStatus='Running'")
        )
        assert [w.id for w in rounds] == [record["spot_check"]["workflow_id"]]
        removed = remove(data, env, said.append)
        assert removed["removed_at"]
        assert asyncio.run(listed(temporal, RUNNING, expected=0)) == []
        assert (
            asyncio.run(listed(temporal, "WorkflowType='ZdzSpotCheckRound' AND ExecutionStatus='Running'"))
            == []
        )
        assert json.loads(created_file(data).read_text(encoding="utf-8"))["removed_at"]
        assert load_if_first_start(data, {**env, "ZDZ_DEMO": "1"}, said.append) is None  # not again
        assert make_demo({**env, "ZDZ_DEMO": "1"}).returncode == 2
    finally:
        stop(process)


def make_demo(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`make demo`: python -m zdz_local.demo against the running system."""
    return subprocess.run(
        [sys.executable, "-m", "zdz_local.demo"], env=env, capture_output=True, text=True, timeout=120
    )


async def _describe(address: str, workflow_id: str) -> str:
    client = await Client.connect(address)
    described = await client.get_workflow_handle(workflow_id).describe()
    return await described.static_summary() or ""
