"""The `zdz` command line against the whole system as `make run` starts it (NATS, Temporal, the four services, on
free ports): a district starts a town's process and the town moves it on with stage commands, using the
development tokens through `--as`; a command out of order is refused with exit 1 in the workflow's words; the
unit's stage, deadlines and history show in `units show`; progress and the audit chain read as the city."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import grpc
import pytest

from tests.e2e.make_run import environment, start, stop, token_issuer
from tests.e2e.programme import SHANGHAI
from tests.integration.cli.workbooks import clerks_workbook
from zdz.scoring.v1 import scoring_pb2, scoring_pb2_grpc
from zdz_common.auth import Principal, Role

ZDZ = Path(sys.executable).with_name("zdz")


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    data = tmp_path_factory.mktemp("cli-system") / "data"
    env = environment(data) | {"ZDZ_DEMO": "0"}
    process, _ = start(env)
    try:
        yield env
    finally:
        stop(process)


def zdz(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in env.items() if k not in ("ZDZ_TOKEN", "ZDZ_TOKEN_FILE")}
    return subprocess.run([str(ZDZ), *args], env=clean, capture_output=True, text=True, timeout=120)


def as_json(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@dataclass
class Town:
    id: str
    official_code: str
    token_file: Path
    token: str


def _town(system: dict[str, str], folder: Path, name: str) -> Town:
    """A town of 万州 as the city lists it, and a token for its office signed with make run's development key
    (make run's own UNIT token is for the first unit of 万州, which may be a village)."""
    towns = as_json(
        zdz(system, "--as", "city", "units", "list", "--district", "wanzhou", "--kind", "town", "--json")
    )
    unit = next(u for u in towns["units"] if u["name"] == name)
    principal = Principal(role=Role.UNIT, person="zhang.san", unit_id=unit["id"], district_code="wanzhou")
    token = token_issuer(Path(system["ZDZ_DATA_DIR"])).issue(principal)
    token_file = folder / f"{unit['id']}.token"
    token_file.write_text(token)
    return Town(unit["id"], unit["official_code"], token_file, token)


@pytest.fixture(scope="module")
def town(system: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Town:
    return _town(system, tmp_path_factory.mktemp("tokens"), "高笋塘街道")


@pytest.fixture(scope="module")
def other_town(system: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Town:
    return _town(system, tmp_path_factory.mktemp("tokens"), "牌楼街道")


def signed_self_check(env: dict[str, str], town: Town) -> str:
    """The town signs a self-check sheet over gRPC (what the console's form does), returning its id."""
    metadata = (("authorization", f"Bearer {town.token}"),)
    with grpc.insecure_channel(env["ZDZ_SCORING_GRPC_ADDRESS"]) as channel:
        scoring = scoring_pb2_grpc.ScoringServiceStub(channel)
        sheet_input = scoring_pb2.SheetInput(
            unit_id=town.id,
            sheet_kind=scoring_pb2.SHEET_KIND_SELF_CHECK,
            assessor="街道办事处 张三",
            assessed_on=datetime.now(SHANGHAI).date().isoformat(),  # the programme's day, not UTC's
            entries=scoring_pb2.AssessorEntries(
                residential_sample_pass_rate="100", non_residential_sample_pass_rate="100"
            ),
        )
        draft = scoring.SaveSheetDraft(
            scoring_pb2.SaveSheetDraftRequest(input=sheet_input), metadata=metadata
        )
        request = scoring_pb2.SignSheetRequest(sheet_id=draft.sheet.id, expected_version=draft.sheet.version)
        return scoring.SignSheet(request, metadata=metadata).sheet.id


def test_stage_commands_move_a_town_and_a_command_out_of_order_exits_1(
    system: dict[str, str], town: Town
) -> None:
    unit = town.official_code  # a clerk names the town by its 统计用区划代码

    started = as_json(
        zdz(system, "--as", "district", "process", "start", unit, "--campaign", "2026", "--json")
    )
    unit_says = ("--token-file", str(town.token_file), "process")
    out_of_order = zdz(
        system, *unit_says, "submit-plan", unit, "--campaign", "2026", "--reason", "方案已编制"
    )
    surveyed = as_json(
        zdz(
            system,
            *unit_says,
            "complete-survey",
            unit,
            "--campaign",
            "2026",
            "--reason",
            "排查完成",
            "--json",
        )
    )
    no_campaign = zdz(system, *unit_says, "submit-plan", unit)
    foreign = zdz(system, "--as", "district", "process", "submit-plan", unit, "--json")

    assert started["process"]["stage"] == "STAGE_SURVEY"
    assert out_of_order.returncode == 1 and "FAILED_PRECONDITION" in out_of_order.stderr
    assert "Traceback" not in out_of_order.stderr
    assert surveyed["process"]["stage"] == "STAGE_PLAN"
    assert foreign.returncode == 1 and json.loads(foreign.stdout)["error"]["code"] == "PERMISSION_DENIED"
    assert no_campaign.returncode == 1 and "--campaign" in no_campaign.stderr

    shown = as_json(zdz(system, "--as", "district", "units", "show", unit, "--json"))
    assert shown["process"]["stage"] == "STAGE_PLAN"
    assert "排查完成" in [entry.get("reason") for entry in shown["history"]]
    own = as_json(
        zdz(
            system,
            "--token-file",
            str(town.token_file),
            "units",
            "show",
            unit,
            "--campaign",
            "2026",
            "--json",
        )
    )
    assert own["process"]["stage"] == "STAGE_PLAN" and "notes" not in own
    human = zdz(system, "--as", "district", "units", "show", unit)
    assert "方案" in human.stdout and "排查完成" in human.stdout

    listed: list[dict[str, Any]] = []
    for _ in range(30):  # the workflow's list reads Temporal's visibility store, which follows within seconds
        listed = as_json(
            zdz(
                system,
                "--as",
                "district",
                "units",
                "list",
                "--district",
                "wanzhou",
                "--stage",
                "plan",
                "--json",
            )
        )["units"]
        if listed:
            break
        time.sleep(1)
    assert [u["id"] for u in listed] == [town.id]


def test_progress_and_audit_read_as_the_city(system: dict[str, str], town: Town, tmp_path: Path) -> None:
    report = tmp_path / "调度表.csv"

    progress = as_json(
        zdz(system, "--as", "city", "progress", "--export", "csv", "--out", str(report), "--json")
    )
    audit = zdz(system, "--as", "city", "audit", "verify", town.id)
    refused = zdz(system, "--as", "district", "audit", "verify", town.id)
    replayed = as_json(
        zdz(
            system,
            "--as",
            "district",
            "ops",
            "replay-dead-letters",
            "--recipient",
            "district:wanzhou",
            "--json",
        )
    )

    assert progress["report"]["summary"]["name"] == "重庆市"
    assert report.read_bytes().startswith(b"\xef\xbb\xbf")
    assert audit.returncode == 0 and "哈希链完好" in audit.stdout
    assert refused.returncode == 1 and "PERMISSION_DENIED" in refused.stderr
    assert replayed == {"ok": True, "replayed": 0}


def test_a_town_imports_its_ledger_submits_its_signed_self_check_and_exports_the_sheet(
    system: dict[str, str], other_town: Town, tmp_path: Path
) -> None:
    town = other_town
    unit = town.id
    as_town = ("--token-file", str(town.token_file))
    workbook = clerks_workbook(tmp_path / "台账.xlsx", bad_pipe_length=60, with_plant=True)
    as_json(zdz(system, "--as", "district", "process", "start", unit, "--campaign", "2026", "--json"))
    for step in ("complete-survey", "submit-plan", "declare-rectification-done"):
        as_json(zdz(system, *as_town, "process", step, unit, "--campaign", "2026", "--json"))

    imported = as_json(zdz(system, *as_town, "ledger", "import", str(workbook), "--unit", unit, "--json"))
    sheet = signed_self_check(system, town)
    submitted = as_json(
        zdz(
            system,
            *as_town,
            "process",
            "submit-self-check",
            unit,
            "--campaign",
            "2026",
            "--sheet",
            sheet,
            "--json",
        )
    )
    listed = as_json(zdz(system, *as_town, "sheets", "list", unit, "--json"))
    html = as_json(
        zdz(system, *as_town, "sheets", "export", sheet, "--out", str(tmp_path / "s.html"), "--json")
    )
    xlsx = zdz(
        system,
        *as_town,
        "sheets",
        "export",
        sheet,
        "--format",
        "xlsx",
        "--out",
        str(tmp_path / "s.xlsx"),
    )

    assert (imported["written"], imported["rejected"]) == (7, 0)
    assert [s["id"] for s in listed["sheets"]] == [sheet]
    assert submitted["process"]["latest_sheet"]["sheet_id"] == sheet
    assert submitted["process"]["stage"] in ("STAGE_DISTRICT_ACCEPTANCE", "STAGE_RECTIFICATION")
    assert html["content_type"].startswith("text/html")
    assert "<table" in (tmp_path / "s.html").read_text(encoding="utf-8")
    assert xlsx.returncode == 0, xlsx.stderr
    assert (tmp_path / "s.xlsx").read_bytes().startswith(b"PK")
