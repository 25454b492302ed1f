"""The command line's pure rules: the clerks' column headers → LedgerRow fields, the exit-code table, tokens."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import grpc
import pytest

from zdz.registry.v1 import ledger_pb2 as pb
from zdz_cli import exit_codes
from zdz_cli.connection import UsageError, dev_token, resolve_token
from zdz_cli.ledger_columns import (
    CLASSES,
    FileLayoutError,
    Table,
    class_named,
    normalise_header,
    prepare_rows,
)


def test_headers_match_without_spaces_or_a_bracketed_unit() -> None:
    assert (
        normalise_header(" 长度（米） ") == normalise_header("长度(m)") == normalise_header("长 度") == "长度"
    )


def test_a_household_sheet_maps_chinese_headers_and_words_to_the_row_fields() -> None:
    table = Table(
        "源头排水户",
        ["编号", "名称", "类型", "单体楼", "户数", "建成年份", "已排查", "自查结果", "建筑面积(m²)"],
        [(2, ["1001", "天城小区", "生活小区", "否", 320.0, 2005, "是", "自查合格", "12,000"])],
    )

    [row] = prepare_rows([table])

    assert row.errors == []
    household = row.row.source_household  # type: ignore[union-attr]
    assert (household.code, household.name, household.households, household.year_built) == (
        "1001",
        "天城小区",
        320,
        2005,
    )
    assert household.kind == pb.HOUSEHOLD_KIND_RESIDENTIAL
    assert household.building == pb.BUILDING_NON_SINGLE
    assert household.self_check == pb.SELF_CHECK_PASSED
    assert household.surveyed is True
    assert household.floor_area_m2 == 12000.0


def test_an_unreadable_cell_is_reported_by_row_and_column_and_the_row_is_not_built() -> None:
    table = Table("管段", ["编号", "管网类型", "长度"], [(2, ["G1", "污水", "十米"]), (3, ["G2", "中水", 5])])

    first, second = prepare_rows([table])

    assert (first.line, first.row, first.errors[0][0]) == (2, None, "长度")
    assert "数字" in first.errors[0][1]
    assert second.errors[0][0] == "管网类型" and "雨水" in second.errors[0][1]


def test_a_blank_required_cell_is_an_error_and_blank_rows_are_skipped() -> None:
    table = Table("检查井", ["编号", "管网类型"], [(2, [None, "雨水"]), (3, [None, ""])])

    [row] = prepare_rows([table])

    assert row.errors == [("编号", "必填，不能为空")]


def test_dates_and_problem_types_read_as_the_service_expects() -> None:
    table = Table(
        "问题清单",
        ["问题编号", "对象类别", "对象编号", "问题类型", "等级", "发现环节", "发现日期"],
        [
            (2, ["P1", "管段", "G1", "PL", 3, "区县验收", dt.datetime(2025, 6, 3)]),
            (3, ["P2", "管段", "G1", "混接", None, "排查", "2025/6/4"]),
        ],
    )

    first, second = (row.row.problem for row in prepare_rows([table]))  # type: ignore[union-attr]

    assert (first.type, first.grade, first.found_by, first.found_on) == (
        pb.PROBLEM_TYPE_PL,
        3,
        pb.FOUND_BY_ACCEPTANCE,
        "2025-06-03",
    )
    assert (second.type, second.found_on) == (pb.PROBLEM_TYPE_MIXED_CONNECTION, "2025-06-04")


def test_rows_are_sent_households_first_and_problems_last_whatever_the_sheet_order() -> None:
    problems = Table(
        "问题清单",
        ["问题编号", "对象类别", "对象编号", "问题类型", "发现环节", "发现日期"],
        [(2, ["P1", "源头排水户", "H1", "混接", "排查", "2025-01-02"])],
    )
    households = Table("排水户", ["编号", "名称", "类型"], [(2, ["H1", "小区", "生活小区"])])

    rows = prepare_rows([problems, households])

    assert [r.ledger_class.oneof for r in rows] == ["source_household", "problem"]


def test_unknown_headers_refuse_the_whole_file_naming_them() -> None:
    with pytest.raises(FileLayoutError, match="管材"):
        prepare_rows([Table("管段", ["编号", "管网类型", "长度", "管材"], [(2, ["G1", "污水", 1, "PE"])])])


def test_a_sheet_without_a_class_needs_a_class_column_or_the_class_option() -> None:
    table = Table("Sheet1", ["编号", "管网类型", "长度"], [(2, ["G1", "污水", 1])])

    with pytest.raises(FileLayoutError, match="台账类别"):
        prepare_rows([table])
    [row] = prepare_rows([table], class_named("管段"))
    assert row.row.pipe_segment.length_m == 1  # type: ignore[union-attr]


def test_a_csv_file_is_not_classified_by_its_name() -> None:
    table = Table("管段", ["编号", "管网类型", "长度"], [(2, ["G1", "污水", 1])], named_sheet=False)

    with pytest.raises(FileLayoutError):
        prepare_rows([table])


def test_a_services_field_name_maps_back_to_the_clerks_column() -> None:
    [row] = prepare_rows([Table("管段", ["编号", "管网类型", "长度"], [(2, ["G1", "污水", 0])])])

    assert row.header_of("pipe_segment.length_m") == "长度"
    assert row.header_of("unit_id") == "（整行：单元）"


def test_every_class_has_a_code_column_and_a_sheet_name() -> None:
    for ledger_class in CLASSES:
        assert ledger_class.column("编号") is not None
        assert class_named(ledger_class.sheet_names[0]) is ledger_class


def test_exit_codes_refused_usage_bad_file_unavailable_are_fixed() -> None:
    assert (
        exit_codes.OK,
        exit_codes.REFUSED,
        exit_codes.USAGE,
        exit_codes.BAD_FILE,
        exit_codes.UNAVAILABLE,
    ) == (0, 1, 2, 3, 4)
    for status in (
        "INVALID_ARGUMENT",
        "FAILED_PRECONDITION",
        "PERMISSION_DENIED",
        "NOT_FOUND",
        "UNAUTHENTICATED",
    ):
        assert exit_codes.exit_code_of(grpc.StatusCode[status]) == exit_codes.REFUSED
    for status in ("UNAVAILABLE", "DEADLINE_EXCEEDED"):
        assert exit_codes.exit_code_of(grpc.StatusCode[status]) == exit_codes.UNAVAILABLE
    assert all(str(code) in exit_codes.EPILOG for code in exit_codes.EXIT_CODES)


def test_a_token_comes_from_the_file_option_then_as_then_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = tmp_path / "keys"
    keys.mkdir()
    (keys / "dev-tokens.txt").write_text(
        "UNIT unit:abc t-unit\nDISTRICT_TASK_FORCE district:wanzhou t-district\nMUNICIPAL_TASK_FORCE municipal t-city\n"
    )
    (tmp_path / "token").write_text("t-file\n")
    monkeypatch.setenv("ZDZ_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ZDZ_TOKEN", "t-env")

    assert resolve_token(tmp_path / "token", None) == "t-file"
    assert resolve_token(None, "district") == "t-district"
    assert resolve_token(None, "MUNICIPAL_TASK_FORCE") == "t-city"
    assert resolve_token(None, None) == "t-env"
    monkeypatch.delenv("ZDZ_TOKEN")
    monkeypatch.setenv("ZDZ_TOKEN_FILE", str(tmp_path / "token"))
    assert resolve_token(None, None) == "t-file"
    monkeypatch.delenv("ZDZ_TOKEN_FILE")
    assert resolve_token(None, None) == ""
    with pytest.raises(UsageError, match="可选角色"):
        dev_token("public")


def _leaf_commands() -> dict[str, object]:
    import typer.main

    from zdz_cli.app import app

    leaves: dict[str, object] = {}

    def walk(command: object, path: str) -> None:
        children = getattr(command, "commands", None)
        if children:
            for name, child in children.items():
                walk(child, f"{path} {name}".strip())
        else:
            leaves[path] = command

    walk(typer.main.get_command(app), "")
    return leaves


def test_every_command_takes_json() -> None:
    leaves = _leaf_commands()

    assert len(leaves) > 30
    for path, command in leaves.items():
        options = {opt for param in command.params for opt in param.opts}  # type: ignore[attr-defined]
        assert "--json" in options, path


def test_every_workflow_rpc_has_a_command() -> None:
    from zdz.workflow.v1 import workflow_pb2
    from zdz_cli import lookups, process

    source = Path(process.__file__).read_text() + Path(lookups.__file__).read_text()
    methods = workflow_pb2.DESCRIPTOR.services_by_name["WorkflowService"].methods_by_name

    missing = [name for name in methods if f'"{name}"' not in source]

    assert missing == []
