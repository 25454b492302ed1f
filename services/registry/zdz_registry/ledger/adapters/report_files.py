"""The 调度表 as a file: one table (title, summary lines, headers, rows) written as .xlsx or as CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from zdz_common.spreadsheet import cell_text
from zdz_registry.ledger.domain.progress import Progress, ProgressReport, Target, UnitRow

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"

Cell = str | int


@dataclass(frozen=True)
class Table:
    title: str
    summary: list[str]  # one line each, above the headers
    headers: list[str]
    rows: list[list[Cell]]


CITY_HEADERS = [
    "序号",
    "区县",
    "镇街总数",
    "2025年底应完成镇街",
    "2025年底前已达标",
    "2027年底应完成镇街",
    "已达标镇街",
    "沿江镇街",
    "沿江已达标",
    "工业园区组团（在范围）",
    "2025年到期组团",
    "2025年底前已达标组团",
    "已达标组团",
    "示范村",
    "示范村已完成",
    "限期整改中",
    "须重新验收",
]
UNIT_HEADERS = [
    "序号",
    "单元名称",
    "类型",
    "统计用区划代码",
    "沿江",
    "目标年份",
    "状态",
    "计入达标日期",
    "不在范围（无企业）",
    "千村示范",
    "完成日期",
    "备注",
]


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


def _yes(flag: bool) -> str:
    return "是" if flag else ""


def _city_row(first: Cell, name: str, p: Progress) -> list[Cell]:
    return [
        first,
        name,
        p.towns,
        p.town_targets[0].required,
        p.town_targets[0].done,
        p.town_targets[1].required,
        p.towns_done,
        p.along_river_towns,
        p.along_river_towns_done,
        p.park_groups,
        p.park_targets[0].required,
        p.park_targets[0].done,
        p.park_groups_done,
        p.demonstration_villages,
        p.demonstration_villages_done,
        p.failures_open,
        p.reacceptance_ordered,
    ]


def _unit_row(n: int, row: UnitRow) -> list[Cell]:
    return [
        n,
        row.name,
        row.kind.label,
        row.official_code,
        _yes(row.along_river),
        row.target_year,
        row.state.label if row.state else "",
        _day(row.counted_since),
        _yes(row.out_of_scope),
        row.demonstration_state.label if row.demonstration_state else "",
        _day(row.completed_on),
        row.note,
    ]


def _goal(t: Target) -> str:
    return f"{t.year}年底应完成 {t.required} 个，已完成 {t.done} 个{'（已达到）' if t.met else ''}"


def _summary(p: Progress) -> list[str]:
    lines = [
        f"镇街 {p.towns} 个；" + "；".join(_goal(t) for t in p.town_targets),
        f"沿江镇街 {p.along_river_towns} 个；" + "；".join(_goal(t) for t in p.along_river_targets),
        f"工业园区组团 {p.park_groups} 个（另有 {p.park_groups_out_of_scope} 个无企业、不在范围）；"
        + "；".join(_goal(t) for t in p.park_targets),
        f"千村示范：已确定 {p.demonstration_villages} 个，已完成 {p.demonstration_villages_done} 个；"
        + _goal(p.demonstration_village_target),
        f"限期整改中 {p.failures_open} 个，须重新验收 {p.reacceptance_ordered} 个（均不计入达标）",
    ]
    if p.district_town_requirements:
        lines.insert(
            1,
            "各区县要求之和："
            + "；".join(
                f"{t.year}年底 {t.required} 个（已完成 {t.done} 个）" for t in p.district_town_requirements
            ),
        )
    return lines


def table(report: ProgressReport) -> Table:
    """The report as the clerks read it: the city's by district with a total line, a district's by unit."""
    summary = _summary(report.summary)
    if report.summary.code:
        rows = [_unit_row(n, r) for n, r in enumerate(report.units, start=1)]
        return Table(report.title, summary, UNIT_HEADERS, rows)
    city = report.summary
    rows = [_city_row(n, d.name, d) for n, d in enumerate(report.districts, start=1)]
    # The districts' own requirements summed, then the city's goals over all towns (000 一), side by side.
    rows.append(_city_row("", "各区县合计", replace(city, town_targets=city.district_town_requirements)))
    rows.append(_city_row("", "全市目标（000 一：30%、80%）", city))
    return Table(report.title, summary, CITY_HEADERS, rows)


def _safe(t: Table) -> Table:
    """Every text cell guarded against formula injection (a unit's note or name comes from clerks)."""
    return Table(
        cell_text(t.title),
        [cell_text(line) for line in t.summary],
        t.headers,
        [[cell_text(cell) for cell in row] for row in t.rows],
    )


def to_xlsx(report: ProgressReport) -> bytes:
    t = _safe(table(report))
    book = Workbook()
    sheet = book.active
    sheet.title = "调度表"
    sheet.append([t.title])
    sheet["A1"].font = Font(bold=True, size=14)
    for line in t.summary:
        sheet.append([line])
    sheet.append(t.headers)
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in t.rows:
        sheet.append(row)
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    sheet.column_dimensions["B"].width = 24
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_csv(report: ProgressReport) -> bytes:
    """UTF-8 with a byte-order mark, so that spreadsheet programs read the Chinese; the title and summary lines
    first, each in one cell."""
    t = _safe(table(report))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([t.title])
    for line in t.summary:
        writer.writerow([line])
    writer.writerow(t.headers)
    writer.writerows(t.rows)
    return out.getvalue().encode("utf-8-sig")


def filename(report: ProgressReport, extension: str) -> str:
    return f"调度表-{report.summary.code or 'city'}-{_day(report.summary.as_of)}.{extension}"
