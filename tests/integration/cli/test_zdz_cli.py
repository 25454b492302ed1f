"""The `zdz` command line run as a user runs it (a subprocess of .venv/bin/zdz) against a real registry gRPC
server with token authentication: ledger import from an .xlsx with Chinese headers in both modes, `--json`
output, and the exit codes scripts rely on (refused, bad file, service down)."""

from __future__ import annotations

import asyncio
import csv
import json
import os
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from openpyxl import Workbook, load_workbook

from tests.integration.cli.workbooks import clerks_workbook
from zdz.registry.v1 import ledger_pb2 as pb
from zdz.registry.v1 import ledger_pb2_grpc, registry_pb2_grpc
from zdz_common.auth import Principal, Role, TokenIssuer, TokenVerifier, generate_key_pair
from zdz_common.context import CommandContext
from zdz_common.grpc_auth import AuthInterceptor
from zdz_common.grpc_server import GrpcServer
from zdz_common.vocabulary import UnitKind
from zdz_registry.bootstrap import bootstrap, bootstrap_ledger
from zdz_registry.directory.domain.commands import CreateDistrict, CreateUnit
from zdz_registry.directory.domain.model import DistrictTargets, UnitDetails
from zdz_registry.directory.entrypoints.grpc_api import RegistryServicer
from zdz_registry.ledger.entrypoints.grpc_api import LedgerServicer

ZDZ = Path(sys.executable).with_name("zdz")
TOWN_CODE = "500101001"


@dataclass
class Registry:
    address: str
    town: str
    tokens: dict[str, Path]  # role → token file
    ledger: ledger_pb2_grpc.LedgerServiceStub
    city_metadata: tuple[tuple[str, str], ...]


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    def json(self) -> dict:  # type: ignore[type-arg]
        return json.loads(self.stdout)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
async def registry(tmp_path: Path) -> AsyncIterator[Registry]:
    directory = bootstrap(f"sqlite:///{tmp_path / 'registry.db'}")
    ledger = bootstrap_ledger(directory)
    context = CommandContext()
    directory.create_district(CreateDistrict("wanzhou", "万州区", "500101", DistrictTargets(35, 80)), context)
    town = directory.create_unit(
        CreateUnit("wanzhou", UnitKind.TOWN, UnitDetails("高笋塘街道", True, 2027, official_code=TOWN_CODE)),
        context,
    )
    private_pem, public_pem = generate_key_pair()
    issuer = TokenIssuer(private_pem)
    principals = {
        "unit": Principal(role=Role.UNIT, person="zhang.san", unit_id=town.id, district_code="wanzhou"),
        "district": Principal(role=Role.DISTRICT_TASK_FORCE, person="li.si", district_code="wanzhou"),
        "city": Principal(role=Role.MUNICIPAL_TASK_FORCE, person="zhou"),
    }
    tokens = {}
    for name, principal in principals.items():
        tokens[name] = tmp_path / f"{name}.token"
        tokens[name].write_text(issuer.issue(principal))
    server = GrpcServer(
        address="127.0.0.1:0",
        register=[
            lambda s: ledger_pb2_grpc.add_LedgerServiceServicer_to_server(LedgerServicer(ledger), s),
            lambda s: registry_pb2_grpc.add_RegistryServiceServicer_to_server(RegistryServicer(directory), s),
        ],
        service_names=["zdz.registry.v1.LedgerService", "zdz.registry.v1.RegistryService"],
        interceptors=[AuthInterceptor(TokenVerifier(public_pem))],
    )
    await server.start()
    channel = grpc.aio.insecure_channel(server.address)
    city = (("authorization", f"Bearer {tokens['city'].read_text()}"),)
    yield Registry(server.address, town.id, tokens, ledger_pb2_grpc.LedgerServiceStub(channel), city)
    await channel.close()
    await server.stop(0)
    directory.engine.dispose()


async def zdz(registry: Registry, *args: str, role: str = "unit", cwd: Path | None = None) -> Run:
    """`zdz --token-file <role> --registry <server> …` with the other services on a port nothing listens on."""
    dead = f"127.0.0.1:{_free_port()}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZDZ_")}
    env |= {
        "ZDZ_WORKFLOW_GRPC_ADDRESS": dead,
        "ZDZ_SCORING_GRPC_ADDRESS": dead,
        "ZDZ_NOTIFY_GRPC_ADDRESS": dead,
    }
    command = [str(ZDZ), "--registry", registry.address, "--timeout", "10"]
    if role:
        command += ["--token-file", str(registry.tokens[role])]
    process = await asyncio.create_subprocess_exec(
        *command, *args, env=env, cwd=cwd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return Run(process.returncode, stdout.decode(), stderr.decode())


async def row_count(registry: Registry, unit: str, entity_class: int) -> int:
    response = await registry.ledger.ListLedgerRows(
        pb.ListLedgerRowsRequest(unit_id=unit, entity_class=entity_class), metadata=registry.city_metadata
    )
    return response.total_size


def report_lines(path: Path) -> list[list[str]]:
    assert path.read_bytes().startswith(b"\xef\xbb\xbf"), "the error report carries a UTF-8 byte-order mark"
    with path.open(encoding="utf-8-sig", newline="") as report:
        return list(csv.reader(report))


async def test_all_or_nothing_import_of_an_xlsx_with_one_bad_row_writes_nothing_and_reports_that_row(
    registry: Registry, tmp_path: Path
) -> None:
    ledger = clerks_workbook(tmp_path / "高笋塘台账.xlsx")

    run = await zdz(registry, "ledger", "import", str(ledger), "--unit", TOWN_CODE, "--json")

    assert run.code == 5, run.stderr
    result = run.json()
    assert (result["rows"], result["written"], result["rejected"], result["not_written"]) == (5, 0, 1, 4)
    assert [(e["sheet"], e["row"], e["column"]) for e in result["errors"]] == [("管段", 3, "长度")]
    assert await row_count(registry, registry.town, pb.ENTITY_CLASS_SOURCE_HOUSEHOLD) == 0
    assert await row_count(registry, registry.town, pb.ENTITY_CLASS_PIPE_SEGMENT) == 0
    lines = report_lines(tmp_path / "高笋塘台账.errors.csv")
    assert lines[0] == ["工作表", "行号", "列", "原因"]
    assert [line[:3] for line in lines[1:]] == [["管段", "3", "长度"]]
    assert lines[1][3], "the reason is the service's words for the clerk"


async def test_best_effort_import_writes_the_good_rows_and_reports_the_bad_one(
    registry: Registry, tmp_path: Path
) -> None:
    ledger = clerks_workbook(tmp_path / "台账.xlsx")

    run = await zdz(
        registry, "ledger", "import", str(ledger), "--unit", registry.town, "--mode", "best-effort"
    )

    assert run.code == 5, run.stderr
    assert "写入 4 行" in run.stdout and "拒绝 1 行" in run.stdout
    assert await row_count(registry, registry.town, pb.ENTITY_CLASS_SOURCE_HOUSEHOLD) == 2
    assert await row_count(registry, registry.town, pb.ENTITY_CLASS_PIPE_SEGMENT) == 1
    problems = await registry.ledger.ListProblems(
        pb.ListProblemsRequest(unit_id=registry.town), metadata=registry.city_metadata
    )
    assert [p.code for p in problems.problems] == ["P001"]
    assert [line[:3] for line in report_lines(tmp_path / "台账.errors.csv")[1:]] == [["管段", "3", "长度"]]


async def test_a_clean_import_exits_0_and_leaves_no_error_report(registry: Registry, tmp_path: Path) -> None:
    ledger = clerks_workbook(tmp_path / "台账.xlsx", bad_pipe_length=80)
    stale = tmp_path / "台账.errors.csv"
    stale.write_text("old")

    run = await zdz(registry, "ledger", "import", str(ledger), "--unit", "高笋塘街道", "--json")

    assert run.code == 0, run.stderr
    assert run.json()["written"] == 5 and run.json()["errors"] == []
    assert not stale.exists()


async def test_a_csv_with_a_class_column_reports_an_unreadable_cell_by_row_and_column(
    registry: Registry, tmp_path: Path
) -> None:
    ledger = tmp_path / "排水户.csv"
    ledger.write_text(
        "台账类别,编号,名称,类型,单体楼,管网类型,长度(m)\n"
        "源头排水户,H010,江南小区,生活小区,非单体楼,,\n"
        "源头排水户,H011,某别墅区,别墅,否,,\n"
        "管段,G010,,,,污水,45\n",
        encoding="utf-8-sig",
    )

    run = await zdz(
        registry, "ledger", "import", str(ledger), "--unit", registry.town, "--mode", "best-effort", "--json"
    )

    assert run.code == 5, run.stderr
    errors = run.json()["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(3, "类型")]
    assert "生活小区" in errors[0]["reason"], "the reason names the values allowed"
    assert run.json()["written"] == 2


async def test_a_command_the_role_may_not_issue_exits_1_with_the_services_words(
    registry: Registry, tmp_path: Path
) -> None:
    ledger = clerks_workbook(tmp_path / "台账.xlsx", bad_pipe_length=80)

    run = await zdz(registry, "ledger", "import", str(ledger), "--unit", registry.town, role="district")
    as_json = await zdz(
        registry, "ledger", "import", str(ledger), "--unit", registry.town, "--json", role="district"
    )

    assert run.code == 1
    assert "PERMISSION_DENIED" in run.stderr and "本单元台账" in run.stderr
    assert "Traceback" not in run.stderr
    assert as_json.code == 1
    assert as_json.json()["error"]["code"] == "PERMISSION_DENIED"
    assert await row_count(registry, registry.town, pb.ENTITY_CLASS_SOURCE_HOUSEHOLD) == 0


async def test_no_token_is_refused_with_exit_1_and_says_how_to_give_one(
    registry: Registry, tmp_path: Path
) -> None:
    run = await zdz(registry, "units", "show", registry.town, role="")

    assert run.code == 1
    assert "UNAUTHENTICATED" in run.stderr and "ZDZ_TOKEN" in run.stderr


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (["编号", "管网类型", "长度（公里数）", "管材"], "管材"),  # an unknown column
        (["编号", "位置"], "管网类型"),  # required columns missing
    ],
)
async def test_a_file_with_unknown_or_missing_headers_exits_3_naming_the_column(
    registry: Registry, tmp_path: Path, headers: list[str], expected: str
) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "管段"
    sheet.append(headers)
    sheet.append(["G001", "污水", 10, "PE"][: len(headers)])
    workbook.save(tmp_path / "管段.xlsx")

    run = await zdz(
        registry, "ledger", "import", str(tmp_path / "管段.xlsx"), "--unit", registry.town, "--json"
    )

    assert run.code == 3
    assert run.json()["error"]["code"] == "BAD_FILE"
    assert expected in run.json()["error"]["message"]
    assert await row_count(registry, registry.town, pb.ENTITY_CLASS_PIPE_SEGMENT) == 0


async def test_a_missing_or_foreign_file_exits_3(registry: Registry, tmp_path: Path) -> None:
    (tmp_path / "台账.xls").write_bytes(b"\xd0\xcf\x11\xe0")

    missing = await zdz(
        registry, "ledger", "import", str(tmp_path / "无此文件.xlsx"), "--unit", registry.town
    )
    foreign = await zdz(registry, "ledger", "import", str(tmp_path / "台账.xls"), "--unit", registry.town)

    assert (missing.code, foreign.code) == (3, 3)
    assert "文件不存在" in missing.stderr and ".xlsx" in foreign.stderr


async def test_a_service_that_is_down_exits_4_and_says_which(registry: Registry, tmp_path: Path) -> None:
    down = Registry(f"127.0.0.1:{_free_port()}", registry.town, registry.tokens, registry.ledger, ())

    run = await zdz(down, "units", "list", "--json")

    assert run.code == 4
    assert run.json()["error"]["code"] == "UNAVAILABLE"
    assert "登记服务" in run.stderr and down.address in run.stderr and "make run" in run.stderr


async def test_units_list_json_parses_and_lists_the_town_while_the_workflow_is_down(
    registry: Registry,
) -> None:
    run = await zdz(
        registry, "units", "list", "--district", "wanzhou", "--kind", "town", "--json", role="district"
    )

    assert run.code == 0, run.stderr
    document = run.json()
    assert document["total"] == 1
    assert document["units"][0]["name"] == "高笋塘街道"
    assert document["units"][0]["official_code"] == TOWN_CODE
    assert "流程服务不可用" in run.stderr


async def test_units_show_finds_a_unit_by_its_official_code_with_its_open_problems(
    registry: Registry, tmp_path: Path
) -> None:
    await zdz(
        registry,
        "ledger",
        "import",
        str(clerks_workbook(tmp_path / "t.xlsx", bad_pipe_length=5)),
        "--unit",
        TOWN_CODE,
    )

    run = await zdz(registry, "units", "show", TOWN_CODE, "--json", role="district")
    human = await zdz(registry, "units", "show", TOWN_CODE, role="district")

    assert run.code == 0, run.stderr
    assert run.json()["unit"]["id"] == registry.town
    assert [p["code"] for p in run.json()["open_problems"]] == ["P001"]
    assert "高笋塘街道" in human.stdout and "P001" in human.stdout


async def test_progress_exports_the_districts_report_as_xlsx(registry: Registry, tmp_path: Path) -> None:
    out = tmp_path / "调度表.xlsx"

    run = await zdz(
        registry,
        "progress",
        "--district",
        "wanzhou",
        "--export",
        "xlsx",
        "--out",
        str(out),
        "--json",
        role="district",
    )

    assert run.code == 0, run.stderr
    assert run.json()["report"]["summary"]["towns"] == 1
    assert run.json()["file"] == str(out)
    rows = [
        [c for c in row if c is not None] for row in load_workbook(out).active.iter_rows(values_only=True)
    ]
    assert any("高笋塘街道" in row for row in rows)


async def test_audit_verify_checks_the_units_chain_for_the_city_and_refuses_the_unit(
    registry: Registry,
) -> None:
    city = await zdz(registry, "audit", "verify", TOWN_CODE, "--json", role="city")
    unit = await zdz(registry, "audit", "verify", TOWN_CODE, role="unit")

    assert city.code == 0, city.stderr
    assert city.json()["ok"] is True and int(city.json()["events_checked"]) >= 1
    assert unit.code == 1 and "PERMISSION_DENIED" in unit.stderr


async def test_bad_usage_exits_2(registry: Registry) -> None:
    run = await zdz(registry, "ledger", "import", "x.xlsx", "--unit", registry.town, "--mode", "sometimes")
    unknown_option = await zdz(registry, "units", "list", "--colour")

    assert (run.code, unknown_option.code) == (2, 2)
    assert "best-effort" in run.stderr


async def test_as_without_the_development_tokens_is_bad_usage_and_names_the_file(
    registry: Registry, tmp_path: Path
) -> None:
    env = {**os.environ, "ZDZ_DATA_DIR": str(tmp_path)}
    process = await asyncio.create_subprocess_exec(
        str(ZDZ), "--registry", registry.address, "--as", "district", "units", "list",
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, stderr = await process.communicate()

    assert process.returncode == 2
    assert str(tmp_path / "keys" / "dev-tokens.txt") in stderr.decode()
