"""The `zdz` command line: units, stage commands, progress (调度表), ledger import, score sheets, audit, operations.

It talks gRPC only, to the four services (registry, scoring, workflow, notify), as any integrating system does.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.tree import Tree

from zdz.notify.v1 import notify_pb2 as npb
from zdz.ops.v1 import operations_pb2 as opb
from zdz.registry.v1 import ledger_pb2 as lpb
from zdz.registry.v1 import registry_pb2 as rpb
from zdz.scoring.v1 import scoring_pb2 as spb
from zdz.workflow.v1 import workflow_pb2 as wf
from zdz_cli import exit_codes
from zdz_cli.connection import UsageError, default_addresses
from zdz_cli.framework import (
    SERVICE_NAMES,
    CheckFailed,
    Cli,
    GlobalOptions,
    ServiceError,
    as_dict,
    command,
)
from zdz_cli.labels import (
    ACCEPTANCE_STATES,
    DEADLINES,
    GRADES,
    STAGES,
    TASK_STATES,
    UNIT_KINDS,
    kind_value,
    label,
    stage_value,
)
from zdz_cli.ledger_columns import (
    CLASS_COLUMN,
    PROBLEM_TYPES,
    PreparedRow,
    class_named,
    columns_help,
    prepare_rows,
)
from zdz_cli.ledger_files import (
    InputFileError,
    error_report_path,
    read_tables,
    write_error_report,
)
from zdz_cli.lookups import processes_of, resolve_unit
from zdz_cli.process import history_table, process_app
from zdz_cli.traces import SpanNode, as_document, command_tree, read_spans

app = typer.Typer(
    name="zdz",
    help="零直排 (zdz) 命令行：单元、阶段命令、进度调度表、台账导入、评分表、审计。只通过 gRPC 调用各服务。",
    epilog=exit_codes.EPILOG,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    add_completion=False,
)
units_app = typer.Typer(help="单元：列出、查看（阶段、得分、期限、未销号问题、历史）", no_args_is_help=True)
ledger_app = typer.Typer(help="台账：从 .xlsx / .csv 导入（中文列名）", no_args_is_help=True)
sheets_app = typer.Typer(help="评分表：列出、导出（HTML、.xlsx）", no_args_is_help=True)
audit_app = typer.Typer(help="审计：核验单元事件流的哈希链", no_args_is_help=True)
ops_app = typer.Typer(help="运维：从存储位置重新投递事件流、重发投递失败的通知（死信）", no_args_is_help=True)
app.add_typer(units_app, name="units")
app.add_typer(process_app, name="process")
app.add_typer(ledger_app, name="ledger")
app.add_typer(sheets_app, name="sheets")
app.add_typer(audit_app, name="audit")
app.add_typer(ops_app, name="ops")


@app.callback()
def main_options(
    context: typer.Context,
    token_file: Annotated[
        Path | None,
        typer.Option(
            "--token-file",
            help="令牌文件。未给出 --token-file 和 --as 时，用环境变量 ZDZ_TOKEN（令牌本身）或 ZDZ_TOKEN_FILE（令牌文件）",
        ),
    ] = None,
    as_role: Annotated[
        str | None,
        typer.Option(
            "--as",
            help="本机开发环境：用 <ZDZ_DATA_DIR 或 ./data>/keys/dev-tokens.txt 中该角色的令牌"
            "（unit、district、city、integration、public）",
        ),
    ] = None,
    registry: Annotated[
        str, typer.Option("--registry", help="登记服务地址（默认 ZDZ_REGISTRY_GRPC_ADDRESS）")
    ] = "",
    scoring: Annotated[
        str, typer.Option("--scoring", help="评分服务地址（默认 ZDZ_SCORING_GRPC_ADDRESS）")
    ] = "",
    workflow: Annotated[
        str, typer.Option("--workflow", help="流程服务地址（默认 ZDZ_WORKFLOW_GRPC_ADDRESS）")
    ] = "",
    notify: Annotated[
        str, typer.Option("--notify", help="通知服务地址（默认 ZDZ_NOTIFY_GRPC_ADDRESS）")
    ] = "",
    timeout: Annotated[float, typer.Option("--timeout", help="每次调用的时限（秒）")] = 30.0,
) -> None:
    addresses = default_addresses()
    for name, value in (
        ("registry", registry),
        ("scoring", scoring),
        ("workflow", workflow),
        ("notify", notify),
    ):
        if value:
            addresses[name] = value
    # The environment's token wins only when no option names one (see connection.resolve_token).
    if token_file is not None and as_role:
        raise typer.BadParameter("--token-file 与 --as 只能用一个")
    context.obj = GlobalOptions(token_file=token_file, as_role=as_role, addresses=addresses, timeout=timeout)


# --- units ------------------------------------------------------------------------------------------------


def _unit_row(unit: rpb.Unit, process: wf.ProcessSummary | None) -> dict[str, Any]:
    row = as_dict(unit)
    if process is not None:
        row["process"] = as_dict(process)
    return row


@command(units_app, "list", "列出单元及其阶段和得分，可按区县、类型、阶段筛选")
def units_list(
    cli: Cli,
    district: Annotated[str, typer.Option("--district", help="区县代码，如 wanzhou")] = "",
    kind: Annotated[
        str, typer.Option("--kind", help="类型：town（镇街）、park（工业园区组团）、village（行政村）")
    ] = "",
    stage: Annotated[
        str, typer.Option("--stage", help="阶段，如 survey、self-check、filed 或 排查、备案")
    ] = "",
) -> None:
    kind_code = kind_value(kind) if kind else 0
    stage_code = stage_value(stage) if stage else 0
    units = list(
        cli.pages(
            "registry", "ListUnits", rpb.ListUnitsRequest(district_code=district, kind=kind_code), "units"
        )
    )
    processes: dict[str, wf.ProcessSummary] = {}
    note = ""
    try:
        request = wf.ListProcessesRequest(district_code=district, stage=stage_code, unit_kind=kind_code)
        for summary in cli.pages("workflow", "ListProcesses", request, "processes"):
            processes.setdefault(summary.ref.unit_id, summary)  # most recently started first
    except ServiceError as error:
        if stage_code:
            raise
        note = f"（流程服务不可用，未显示阶段：{error.details}）"
    if stage_code:
        units = [u for u in units if u.id in processes]

    def render() -> None:
        table = Table(
            "编号",
            "名称",
            "区县",
            "类型",
            "统计代码",
            "沿江",
            "目标年",
            "阶段",
            "得分",
            title=f"单元（{len(units)}）",
        )
        for unit in units:
            process = processes.get(unit.id)
            table.add_row(
                unit.id, unit.name, unit.district_code, label(UNIT_KINDS, unit.kind), unit.official_code or "—",
                "是" if unit.along_river else "", str(unit.target_year or ""),
                label(STAGES, process.stage) if process else "—", (process.latest_score if process else "") or "—",
            )  # fmt: skip
        cli.out.print(table)

    document: dict[str, Any] = {"ok": True, "total": len(units)}
    document["units"] = [_unit_row(u, processes.get(u.id)) for u in units]
    if note:
        document["notes"] = [note]
        cli.err.print(note, highlight=False)
    cli.emit(document, render)


@command(units_app, "show", "查看一个单元：阶段、得分、期限、未销号问题、流程历史")
def units_show(
    cli: Cli,
    unit: Annotated[str, typer.Argument(help="单元：编号、统计用区划代码或名称")],
    history: Annotated[bool, typer.Option("--history/--no-history", help="显示流程历史")] = True,
    campaign: Annotated[
        str,
        typer.Option("--campaign", help="批次（单元角色须填写，或设置 ZDZ_CAMPAIGN）；不填则取最新的流程"),
    ] = "",
) -> None:
    found = resolve_unit(cli, unit)
    document: dict[str, Any] = {"ok": True, "unit": as_dict(found)}
    notes: list[str] = []
    process: wf.Process | None = None
    entries: list[Any] = []
    try:
        campaign = campaign or os.environ.get("ZDZ_CAMPAIGN", "")
        if campaign:
            refs = [wf.ProcessRef(district_code=found.district_code, unit_id=found.id, campaign=campaign)]
        else:
            refs = [summary.ref for summary in processes_of(cli, found)][:1]
        for ref in refs:
            process = cli.call("workflow", "GetProcess", wf.GetProcessRequest(process=ref)).process
            document["process"] = as_dict(process)
            if history:
                request = wf.GetProcessHistoryRequest(process=ref)
                entries = list(cli.call("workflow", "GetProcessHistory", request).entries)
                document["history"] = [as_dict(e) for e in entries]
    except ServiceError as error:
        notes.append(f"流程：{error.details}")
    open_problems: list[lpb.Problem] = []
    try:
        problems = cli.pages("ledger", "ListProblems", lpb.ListProblemsRequest(unit_id=found.id), "problems")
        open_problems = [p for p in problems if p.task.state != lpb.TASK_STATE_VERIFIED]
        document["open_problems"] = [as_dict(p) for p in open_problems]
    except ServiceError as error:
        notes.append(f"问题清单：{error.details}")
    if notes:
        document["notes"] = notes

    def render() -> None:
        cli.out.print(
            f"[bold]{found.name}[/]（{label(UNIT_KINDS, found.kind)}，{found.district_code}）编号 {found.id}"
            f"{'，统计代码 ' + found.official_code if found.official_code else ''}"
            f"{'，沿江' if found.along_river else ''}，目标 {found.target_year} 年底",
            highlight=False,
        )
        if process is not None:
            grade = label(GRADES, process.latest_grade, "")
            cli.out.print(
                f"阶段：[bold]{label(STAGES, process.stage)}[/]（批次 {process.ref.campaign}），"
                f"得分 {process.latest_score or '—'} {grade}",
                highlight=False,
            )
            for deadline in process.deadlines:
                missed = "（已逾期）" if deadline.missed else ""
                cli.out.print(
                    f"  期限 {label(DEADLINES, deadline.kind)}：{deadline.due_on}{missed}", highlight=False
                )
        else:
            cli.out.print("阶段：尚未开始流程")
        table = Table(
            "问题编号",
            "类型",
            "位置",
            "任务",
            "责任单位",
            "期限",
            title=f"未销号问题（{len(open_problems)}）",
        )
        for problem in open_problems:
            table.add_row(
                problem.code, _problem_word(problem.type), problem.location,
                label(TASK_STATES, problem.task.state, "未立项"), problem.task.owner, problem.task.deadline,
            )  # fmt: skip
        cli.out.print(table)
        if entries:
            cli.out.print(history_table(entries))

    for line in notes:
        cli.err.print(f"未能读取 {line}", highlight=False)
    cli.emit(document, render)


PROBLEM_WORDS: dict[int, str] = {}
for _word, _value in PROBLEM_TYPES.items():
    PROBLEM_WORDS.setdefault(_value, _word)


def _problem_word(value: int) -> str:
    """混接, or the CJJ 181 code (PL, BX…) for the structural and functional defects."""
    return PROBLEM_WORDS.get(value) or lpb.ProblemType.Name(value).removeprefix("PROBLEM_TYPE_")


# --- progress (调度表) ----------------------------------------------------------------------------------------

EXPORT_FORMATS = {"xlsx": lpb.REPORT_FORMAT_XLSX, "csv": lpb.REPORT_FORMAT_CSV}


def _targets(targets: Any) -> str:
    return "，".join(f"{t.year}年 {t.done}/{t.required}{'✓' if t.met else ''}" for t in targets)


@command(app, "progress", "进度：区县或全市对照 2025、2027 年目标；--export 导出调度表（xlsx 或 csv）")
def progress_command(
    cli: Cli,
    district: Annotated[str, typer.Option("--district", help="区县代码；不填为全市")] = "",
    as_of: Annotated[str, typer.Option("--as-of", help="截至日期 YYYY-MM-DD；不填为今天")] = "",
    export: Annotated[str, typer.Option("--export", help="导出调度表：xlsx 或 csv")] = "",
    out: Annotated[Path | None, typer.Option("--out", help="导出文件路径；不填用服务给的文件名")] = None,
) -> None:
    if export and export.lower() not in EXPORT_FORMATS:
        raise UsageError(f"--export 只能是 xlsx 或 csv，而不是“{export}”")
    file_format = EXPORT_FORMATS.get(export.lower(), lpb.REPORT_FORMAT_UNSPECIFIED)
    request = lpb.GetProgressReportRequest(district_code=district, as_of=as_of, format=file_format)
    response = cli.call("ledger", "GetProgressReport", request)
    report = response.report
    document: dict[str, Any] = {"ok": True, "report": as_dict(report)}
    if file_format:
        path = out or Path(response.filename)
        path.write_bytes(response.content)
        document["file"] = str(path)

    def render() -> None:
        summary = report.summary
        cli.out.print(f"[bold]{report.title}[/]", highlight=False)
        cli.out.print(
            f"镇街 {summary.towns_done}/{summary.towns}（{_targets(summary.town_targets)}）；"
            f"沿江镇街 {summary.along_river_towns_done}/{summary.along_river_towns}；"
            f"工业园区组团 {summary.park_groups_done}/{summary.park_groups}（{_targets(summary.park_targets)}）；"
            f"示范村 {summary.demonstration_villages_done}/{summary.demonstration_villages}",
            highlight=False,
        )
        if report.districts:
            table = Table("区县", "镇街完成", "2025", "2027", "沿江", "园区组团", "示范村")
            for line in report.districts:
                targets = {t.year: f"{t.done}/{t.required}{'✓' if t.met else ''}" for t in line.town_targets}
                table.add_row(
                    line.name or line.district_code, f"{line.towns_done}/{line.towns}", targets.get(2025, ""),
                    targets.get(2027, ""), f"{line.along_river_towns_done}/{line.along_river_towns}",
                    f"{line.park_groups_done}/{line.park_groups}",
                    f"{line.demonstration_villages_done}/{line.demonstration_villages}",
                )  # fmt: skip
            cli.out.print(table)
        if report.units:
            table = Table("名称", "类型", "统计代码", "沿江", "目标年", "状态", "达标日期")
            for unit in report.units:
                table.add_row(
                    unit.name, label(UNIT_KINDS, unit.kind), unit.official_code, "是" if unit.along_river else "",
                    str(unit.target_year or ""), label(ACCEPTANCE_STATES, unit.state, ""), unit.counted_since,
                )  # fmt: skip
            cli.out.print(table)
        if "file" in document:
            cli.out.print(f"调度表已导出：{document['file']}", highlight=False)

    cli.emit(document, render)


# --- ledger import --------------------------------------------------------------------------------------------

MAX_BATCH_ROWS = 5000  # the ledger service's bound per call
MESSAGE_ROWS = 200  # rows per stream message
MODES = {
    "all-or-nothing": True,
    "全部或不导入": True,
    "best-effort": False,
    "尽量导入": False,
}

IMPORT_HELP = f"""从 .xlsx 或 .csv 导入一个单元的台账（源网厂口及问题清单），列名用台账自己的中文列名。

Excel 工作簿每种台账一个工作表，按台账类别命名；CSV 文件（或名称不是台账类别的工作表）加一列“{CLASS_COLUMN}”，
或用 --class 指定。列名不计空格和括号里的单位（“长度（米）”即“长度”）；带 * 的列必填；“序号”“备注”列不导入。
是/否 列填 是、否（或 有/无、√/×）；日期填 YYYY-MM-DD。

{columns_help()}

模式：all-or-nothing（默认，有一行错误则全部不写入）或 best-effort（写入正确的行）。
每行的错误（工作表、行号、列、原因）写到输入文件旁的 <文件名>.errors.csv（UTF-8 带 BOM，Excel 可直接打开）。
有被拒绝的行时退出码为 {exit_codes.CHECK_FAILED}。"""


def _error_lines(rows: list[PreparedRow], results: list[lpb.RowResult]) -> list[tuple[str, int, str, str]]:
    lines: list[tuple[str, int, str, str]] = []
    for prepared, result in zip(rows, results, strict=False):
        if prepared.errors:
            lines += [(prepared.sheet, prepared.line, column, reason) for column, reason in prepared.errors]
        elif result.outcome == lpb.ROW_OUTCOME_REJECTED:
            lines.append((prepared.sheet, prepared.line, prepared.header_of(result.field), result.reason))
    return lines


@command(ledger_app, "import", IMPORT_HELP)
def ledger_import(
    cli: Cli,
    file: Annotated[Path, typer.Argument(help="台账文件（.xlsx 或 .csv）")],
    unit: Annotated[str, typer.Option("--unit", help="单元：编号、统计用区划代码或名称")],
    mode: Annotated[
        str, typer.Option("--mode", help="all-or-nothing（默认）或 best-effort")
    ] = "all-or-nothing",
    ledger_class: Annotated[
        str,
        typer.Option("--class", help="台账类别（源头排水户、管段、检查井、污水处理设施、排污口、问题清单）"),
    ] = "",
) -> None:
    if mode not in MODES:
        raise UsageError(f"--mode 只能是 all-or-nothing 或 best-effort，而不是“{mode}”")
    all_or_nothing = MODES[mode]
    default_class = class_named(ledger_class) if ledger_class else None
    if ledger_class and default_class is None:
        raise UsageError(f"未知的台账类别“{ledger_class}”")
    prepared = prepare_rows(read_tables(file), default_class)
    if not prepared:
        raise InputFileError(f"{file.name} 中没有数据行")
    if all_or_nothing and len(prepared) > MAX_BATCH_ROWS:
        raise InputFileError(
            f"all-or-nothing 一次最多 {MAX_BATCH_ROWS} 行，本文件有 {len(prepared)} 行：请拆分文件或用 --mode best-effort"
        )
    target = resolve_unit(cli, unit)
    batches = [prepared[i : i + MAX_BATCH_ROWS] for i in range(0, len(prepared), MAX_BATCH_ROWS)]
    results: list[lpb.RowResult] = []
    written_rows = 0
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()]
    with Progress(*columns, console=cli.err, transient=cli.json) as bar:
        task = bar.add_task(f"导入 {file.name} → {target.name}", total=len(prepared))
        for batch in batches:

            def messages(batch: list[PreparedRow] = batch) -> Any:
                options = lpb.ImportOptions(unit_id=target.id, all_or_nothing=all_or_nothing)
                yield lpb.ImportLedgerRowsRequest(options=options)
                for start in range(0, len(batch), MESSAGE_ROWS):
                    chunk = batch[start : start + MESSAGE_ROWS]
                    # A row whose cells cannot be read travels empty: the service rejects it, so that an
                    # all-or-nothing batch writes nothing and the row numbers stay those of the file.
                    yield lpb.ImportLedgerRowsRequest(
                        rows=[p.row if p.row is not None else lpb.LedgerRow() for p in chunk]
                    )
                    bar.advance(task, len(chunk))

            response = cli.call(
                "ledger", "ImportLedgerRows", messages(), timeout=max(cli.connection.timeout, 300)
            )
            results += list(response.results)
            if response.written:
                written_rows += response.accepted
    errors = _error_lines(prepared, results)
    rejected = sum(
        1
        for p, r in zip(prepared, results, strict=False)
        if p.errors or r.outcome == lpb.ROW_OUTCOME_REJECTED
    )
    not_written = sum(1 for r in results if r.outcome == lpb.ROW_OUTCOME_NOT_WRITTEN)
    report = error_report_path(file)
    if errors:
        write_error_report(report, errors)
    elif report.exists():
        report.unlink()  # an old report of this file would mislead
    document = {
        "ok": not errors,
        "unit": {"id": target.id, "name": target.name},
        "file": str(file),
        "mode": "all-or-nothing" if all_or_nothing else "best-effort",
        "rows": len(prepared),
        "written": written_rows,
        "rejected": rejected,
        "not_written": not_written,
        "error_report": str(report) if errors else None,
        "errors": [{"sheet": s, "row": r, "column": c, "reason": why} for s, r, c, why in errors],
    }

    def render() -> None:
        cli.out.print(
            f"{file.name} → {target.name}：共 {len(prepared)} 行，写入 {written_rows} 行，"
            f"拒绝 {rejected} 行{f'，因整批不写入而未写入 {not_written} 行' if not_written else ''}。",
            highlight=False,
        )
        if errors:
            table = Table("工作表", "行号", "列", "原因", title="被拒绝的行")
            for sheet, line, column, reason in errors[:20]:
                table.add_row(sheet, str(line), column, reason)
            cli.out.print(table)
            more = f"（另有 {len(errors) - 20} 条）" if len(errors) > 20 else ""
            cli.out.print(f"错误报告{more}：{report}", highlight=False)

    cli.emit(document, render)
    if errors:
        raise CheckFailed()


# --- score sheets --------------------------------------------------------------------------------------------

SHEET_FORMATS = {"html": spb.DOCUMENT_FORMAT_HTML, "xlsx": spb.DOCUMENT_FORMAT_XLSX}


@command(sheets_app, "list", "列出单元的评分表（自查、区县验收、抽查、复核、回头看），最早的在前")
def sheets_list(
    cli: Cli, unit: Annotated[str, typer.Argument(help="单元：编号、统计用区划代码或名称")]
) -> None:
    found = resolve_unit(cli, unit)
    sheets = list(cli.pages("scoring", "ListSheets", spb.ListSheetsRequest(unit_id=found.id), "sheets"))

    def render() -> None:
        table = Table(
            "评分表编号", "类型", "状态", "评估日期", "总分", "等级", title=f"{found.name} 的评分表"
        )
        for sheet in sheets:
            table.add_row(
                sheet.id, spb.SheetKind.Name(sheet.sheet_kind).removeprefix("SHEET_KIND_"),
                spb.SheetState.Name(sheet.state).removeprefix("SHEET_STATE_"), sheet.assessed_on, sheet.total,
                spb.Grade.Name(sheet.grade).removeprefix("GRADE_"),
            )  # fmt: skip
        cli.out.print(table)

    cli.emit({"ok": True, "unit": as_dict(found), "sheets": [as_dict(s) for s in sheets]}, render)


@command(sheets_app, "export", "导出已签署的评分表（评分细则原表，含得分和扣分）：HTML 或 .xlsx")
def sheets_export(
    cli: Cli,
    sheet_id: Annotated[str, typer.Argument(help="评分表编号")],
    file_format: Annotated[str, typer.Option("--format", help="html 或 xlsx")] = "html",
    out: Annotated[Path | None, typer.Option("--out", help="输出文件；不填用服务给的文件名")] = None,
) -> None:
    if file_format.lower() not in SHEET_FORMATS:
        raise UsageError(f"--format 只能是 html 或 xlsx，而不是“{file_format}”")
    request = spb.RenderSheetRequest(sheet_id=sheet_id, format=SHEET_FORMATS[file_format.lower()])
    response = cli.call("scoring", "RenderSheet", request)
    path = out or Path(response.file_name)
    path.write_bytes(response.content)
    document = {
        "ok": True,
        "sheet_id": sheet_id,
        "file": str(path),
        "content_type": response.content_type,
        "bytes": len(response.content),
    }
    cli.emit(
        document,
        lambda: cli.out.print(f"评分表已导出：{path}（{len(response.content)} 字节）", highlight=False),
    )


# --- audit -----------------------------------------------------------------------------------------------------


@command(
    audit_app,
    "verify",
    f"核验单元事件流的哈希链（市级专班、集成系统）；链断裂时退出码为 {exit_codes.CHECK_FAILED}",
)
def audit_verify(
    cli: Cli,
    unit: Annotated[str, typer.Argument(help="单元：编号、统计用区划代码或名称；--all 时不填")] = "",
    every: Annotated[bool, typer.Option("--all", help="核验存储中的所有事件流")] = False,
) -> None:
    if not unit and not every:
        raise UsageError("请给出单元，或用 --all 核验所有事件流")
    stream = "" if every else f"unit/{resolve_unit(cli, unit).id}"
    response = cli.call("registry", "VerifyChain", rpb.VerifyChainRequest(stream_id=stream))
    document = {"ok": response.ok, "stream_id": stream or None, **as_dict(response)}

    def render() -> None:
        where = stream or "所有事件流"
        if response.ok:
            cli.out.print(
                f"[green]哈希链完好[/]：{where}，核验 {response.events_checked} 个事件", highlight=False
            )
        else:
            link = response.first_broken_link
            cli.out.print(
                f"[bold red]哈希链断裂[/]：{link.stream_id} 第 {link.version} 版（{link.reason}）；"
                f"已核验 {response.events_checked} 个事件",
                highlight=False,
            )

    cli.emit(document, render)
    if not response.ok:
        raise CheckFailed()


# --- operations -------------------------------------------------------------------------------------------------


@command(
    ops_app,
    "refeed",
    "从存储位置重新投递某服务的事件流（市级专班、系统服务）；消费方不会重复处理已处理的事件",
)
def refeed(
    cli: Cli,
    service: Annotated[str, typer.Option("--service", help="服务：registry、scoring、workflow 或 notify")],
    from_position: Annotated[
        int, typer.Option("--from-position", min=1, help="起始存储位置（含），不小于 1")
    ],
    to_position: Annotated[
        int | None, typer.Option("--to-position", min=1, help="结束存储位置（含）；不填则到最后一个事件")
    ] = None,
) -> None:
    if service not in SERVICE_NAMES:
        raise UsageError(f"未知服务 {service}：可选 {'、'.join(SERVICE_NAMES)}")
    request = opb.RefeedRequest(from_position=from_position, to_position=to_position)
    response = cli.call_operations(service, "Refeed", request)
    document = {
        "ok": True,
        "service": service,
        "stream": response.stream,
        "queued": response.queued,
        "first_position": response.first_position,
        "last_position": response.last_position,
        "store_last_position": response.store_last_position,
    }
    cli.emit(
        document,
        lambda: cli.out.print(
            f"已重新排队 {response.queued} 个事件（存储位置 {response.first_position}–{response.last_position}，"
            f"存储最后位置 {response.store_last_position}），{SERVICE_NAMES[service]}将重新发布到 {response.stream}",
            highlight=False,
        ),
    )


@command(
    app,
    "trace",
    "一条命令的调用链（span 树）：按请求号 x-request-id 查找；读取 ZDZ_TRACES_FILE 写下的文件（本机环境）",
)
def trace_command(
    cli: Cli,
    request_id: Annotated[str, typer.Argument(help="命令的请求号（x-request-id）")],
    traces: Annotated[
        Path | None,
        typer.Option("--traces", help="span 文件所在文件夹；默认 <ZDZ_DATA_DIR 或 ./data>/traces"),
    ] = None,
) -> None:
    folder = traces or Path(os.environ.get("ZDZ_DATA_DIR") or "data") / "traces"
    files = sorted(folder.glob("*.jsonl")) if folder.is_dir() else []
    if not files:
        raise InputFileError(
            f"{folder} 中没有 span 文件：以 ZDZ_TRACES_FILE=<数据文件夹>/traces/{{service}}.jsonl 启动各服务"
            "（本机：ZDZ_TRACES_FILE=data/traces/{service}.jsonl make run）；生产环境请在 OTLP 后端按 trace id 查询"
        )
    tree = command_tree(read_spans(files), request_id)
    if tree is None:
        raise InputFileError(
            f"在 {folder} 的 span 中找不到请求号 {request_id}（该命令未被追踪，或文件已轮换）"
        )

    def render() -> None:
        def add(branch: Tree, node: SpanNode, seen: frozenset[str]) -> None:
            for child in node.children:
                if child.span_id not in seen:  # a span reached twice is shown once
                    add(branch.add(_span_label(child)), child, seen | {child.span_id})

        top = Tree(_span_label(tree))
        add(top, tree, frozenset({tree.span_id}))
        cli.out.print(f"trace {tree.trace_id}", highlight=False)
        cli.out.print(top)

    cli.emit(as_document(tree), render)


def _span_label(node: SpanNode) -> str:
    mark = "" if node.status != "ERROR" else "  [red]失败[/red]"
    return f"{node.name}  [dim]{node.service} · {node.duration_ms:.1f} ms[/dim]{mark}"


@command(ops_app, "replay-dead-letters", "重发投递失败的通知（死信）：某接收方的全部，或指定的投递")
def replay_dead_letters(
    cli: Cli,
    recipient: Annotated[
        str, typer.Option("--recipient", help="接收方，如 district:wanzhou、integration:bayu")
    ] = "",
    delivery: Annotated[list[str] | None, typer.Option("--delivery", help="投递编号；可重复")] = None,
) -> None:
    if not recipient and not delivery:
        raise UsageError("请给出 --recipient 或 --delivery")
    request = npb.ReplayDeadLettersRequest(recipient=recipient, delivery_ids=delivery or [])
    response = cli.call("notify", "ReplayDeadLetters", request)
    cli.emit(
        {"ok": True, "replayed": response.replayed},
        lambda: cli.out.print(f"已重新排队 {response.replayed} 条死信", highlight=False),
    )
