"""Documents for printing and filing: a signed sheet as the rubric's own table (序号/建设项目/考核内容及标准/分值/
评分细则/验收方法) with each item's points and deductions filled in, as HTML (jinja2) and .xlsx (openpyxl); and
the 自评估报告 draft (Markdown) from the ledger's facts and a self-check sheet.

Cells the printed rubric merges are merged here too: the section column, and the 考核内容 of consecutive items
that share it (town items 10–11 and 13–14, park items 11–12).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from zdz_common.eventstore.store import parse_time
from zdz_common.spreadsheet import cell_text
from zdz_common.vocabulary import UnitKind, UnknownUnitKind
from zdz_scoring.adapters.orm import SheetView
from zdz_scoring.adapters.registry import LedgerSummary, Ratio
from zdz_scoring.domain.engine import figure_source
from zdz_scoring.domain.facts import Figure, read_figure
from zdz_scoring.domain.records import SheetContent
from zdz_scoring.domain.rubric import Rubric, RubricItem
from zdz_scoring.domain.sheet import Deduction, ItemResult, SheetKind, Source

TEMPLATES = Path(__file__).parent / "templates"
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")  # no daylight saving since 1991
RULES_NOTE = (
    "“每降低10%扣N分”按线性计算，即每降低1个百分点扣N/10分；“每少2个百分点扣1分”同理；各项扣完为止，"
    "分数保留两位小数（设计裁定）。城镇第6、7项按问题整改率、自查合格率、抽查样本合格率三者最低值计。"
    "酌情扣分由评分人给出分值并写明理由。"
)
_SOURCE_LABELS = {Source.LEDGER: "台账", Source.ASSESSOR: "评分人录入"}


@dataclass(frozen=True)
class SheetDocument:
    """A stored sheet as the documents show it."""

    id: str
    content: SheetContent
    signed_at: str
    signed_by: str
    superseded_by: str

    @classmethod
    def of(cls, view: SheetView, content: SheetContent) -> SheetDocument:
        return cls(view.id, content, view.signed_at, view.signed_by, view.superseded_by)


@dataclass(frozen=True)
class Line:
    rule_text: str
    reason: str
    points: str
    source_label: str
    line: Deduction


@dataclass(frozen=True)
class Row:
    number: int
    penalty: bool
    section: str
    section_label: str
    section_rowspan: int  # 0: merged into the row above
    content: str
    content_rowspan: int
    max_points: str
    criteria: str
    method: str
    points: str
    deductions: tuple[Line, ...]
    limit_note: str
    notes: tuple[str, ...]


def _points(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.01")), "f")


def table_rows(rubric: Rubric, content: SheetContent) -> list[Row]:
    """The rubric's rows with the sheet's points, merged like the printed table."""
    results = {item.number: item for item in content.result.items}
    rows: list[Row] = []
    items = list(rubric.items)
    for index, item in enumerate(items):
        result = results[item.number]
        first_of_section = index == 0 or items[index - 1].section != item.section
        same_content = (
            index > 0
            and items[index - 1].section == item.section
            and items[index - 1].content == item.content
        )
        rows.append(
            Row(
                number=item.number,
                penalty=item.penalty,
                section=item.section,
                section_label=_section_label(rubric, item),
                section_rowspan=_run(items, index, lambda i: i.section) if first_of_section else 0,
                content=item.content,
                content_rowspan=0 if same_content else _run(items, index, lambda i: (i.section, i.content)),
                max_points=_points(item.max_points),
                criteria=item.criteria,
                method=item.method,
                points=_points(result.points),
                deductions=tuple(
                    Line(d.rule_text, d.reason, _points(d.points), _SOURCE_LABELS[d.source], d)
                    for d in result.deductions
                ),
                limit_note=_limit_note(item, result),
                notes=result.notes,
            )
        )
    return rows


def _run(items: list[RubricItem], start: int, key: Any) -> int:
    length = 1
    while start + length < len(items) and key(items[start + length]) == key(items[start]):
        length += 1
    return length


def _section_label(rubric: Rubric, item: RubricItem) -> str:
    if item.penalty:
        return f"{item.section}*"
    section = next(s for s in rubric.sections if s.name == item.section)
    return f"{section.name}（{section.max_points.normalize():f}分）"


def _limit_note(item: RubricItem, result: ItemResult) -> str:
    if not result.limit_reached:
        return ""
    if item.penalty:
        return f"扣分合计 {_points(result.deducted)} 分，本项最多扣 {_points(item.max_points)} 分"
    return f"扣分合计 {_points(result.deducted)} 分，超过本项分值，扣完为止"


def _totals(rubric: Rubric, content: SheetContent) -> dict[str, Any]:
    result = content.result
    return {
        "subtotal": _points(result.subtotal),
        "penalty": _points(result.penalty),
        "has_penalty": any(item.penalty for item in rubric.items),
        "total": _points(result.total),
        "grade": result.grade.label,
        "may_apply": "可以" if result.may_apply_for_acceptance else "不可以",
        "has_summary_report": rubric.summary_report_from is not None,
        # 001 四: only the district acceptance's total decides the 建设总结报告 (DESIGN)
        "summary_report": None
        if rubric.summary_report_from is None
        or content.header.sheet_kind is not SheetKind.DISTRICT_ACCEPTANCE
        else ("可以" if result.may_submit_summary_report else "不可以"),
    }


def _figures(content: SheetContent) -> list[dict[str, str]]:
    rows = []
    for figure in Figure:
        value = read_figure(figure, content.facts, content.entries, content.sample)
        if value is None:
            continue
        if isinstance(value, bool):
            text = "已建立" if value else "未建立"
        elif isinstance(value, Decimal):
            text = f"{value.normalize():f}%"
        else:
            text = f"{value} 处"
        rows.append(
            {
                "label": figure.label,
                "value": text,
                "source": figure_source(figure, content.sample).label,
            }
        )
    for finding in content.ledger_findings:
        rows.append(
            {
                "label": f"第{finding.item}项 {finding.kind.label}",
                "value": f"{finding.count} 处",
                "source": "台账",
            }
        )
    return rows


def _sheet_context(rubric: Rubric, sheet: SheetDocument) -> dict[str, Any]:
    header = sheet.content.header
    window = sheet.content.result.window
    return {
        "rubric": rubric,
        "sheet": {
            "id": sheet.id,
            "unit": header.unit,
            "district": header.district_name or header.unit.district_code,
            "unit_kind_label": header.unit.kind.label,
            "kind_label": header.sheet_kind.label,
            "assessor": header.assessor,
            "assessed_on": header.assessed_on.isoformat(),
            "application_date": sheet.content.entries.application_date,
            "window": str(window) if window else "",
            "replaces": header.replaces_sheet_id,
            "superseded_by": sheet.superseded_by,
            "signed_at": _moment(sheet.signed_at),
            "signed_by": sheet.signed_by,
            "facts_read_at": _moment(sheet.content.facts_read_at),
            "panel": "；".join(
                "，".join(part for part in (m.name, m.organisation, m.duty) if part)
                for m in header.panel_members
            ),
            "sampling_plan": header.sampling_plan_id,
        },
        "rows": table_rows(rubric, sheet.content),
        "sections": [
            {"name": s.name, "max_points": f"{s.max_points.normalize():f}", "points": _points(s.points)}
            for s in sheet.content.result.sections
        ],
        "totals": _totals(rubric, sheet.content),
        "figures": _figures(sheet.content),
        "rules_note": RULES_NOTE,
    }


def _moment(value: datetime | str) -> str:
    """Beijing time, as the people who file the sheet read it."""
    if not value:
        return ""
    moment = parse_time(value) if isinstance(value, str) else value
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S（北京时间）")


@cache
def _environment(autoescape: bool) -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=not autoescape,
        keep_trailing_newline=True,
    )
    environment.filters["nl2br"] = lambda text: Markup("<br>").join(escape(text).split("\n"))
    environment.filters["percent"] = lambda text: f"{text}%" if text else "—（无可计数对象）"
    environment.filters["int_text"] = lambda text: text.split(".")[0] if text else "0"
    environment.filters["join_counts"] = lambda pairs, unit: (
        "，".join(f"{k} {n} {unit}" for k, n in pairs) or "无"
    )
    return environment


def sheet_html(rubric: Rubric, sheet: SheetDocument) -> str:
    """A printable page (A4 landscape, Chinese): the rubric's table with the sheet's points and deductions."""
    return _environment(True).get_template("score_sheet.html.j2").render(**_sheet_context(rubric, sheet))


# --- .xlsx ---------------------------------------------------------------------------------------------------

_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTRE = Alignment(wrap_text=True, vertical="center", horizontal="center")
_HEAD_FILL = PatternFill("solid", fgColor="EEEEEE")
_FONT = "SimSun"
_COLUMNS = (("序号", 6), ("建设项目", 12), ("考核内容及标准", 40), ("分值", 7), ("评分细则", 52), ("验收方法", 16),
            ("得分", 8), ("扣分情况", 60))  # fmt: skip


def sheet_xlsx(rubric: Rubric, sheet: SheetDocument) -> bytes:
    """A workbook: 评分表 (the table, totals as numbers), 扣分明细 (every deduction), 评分依据 (the figures)."""
    context = _sheet_context(rubric, sheet)
    book = Workbook()
    table = book.active
    assert table is not None
    table.title = "评分表"
    _write_table(table, context)
    _write_deductions(book.create_sheet("扣分明细"), context["rows"])
    figures = book.create_sheet("评分依据")
    _write_simple(
        figures,
        ("评分依据", "数值", "来源"),
        [(f["label"], f["value"], f["source"]) for f in context["figures"]],
    )
    figures.column_dimensions["A"].width = 48
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def _write_table(table: Any, context: dict[str, Any]) -> None:
    info = context["sheet"]
    width = len(_COLUMNS)
    last = get_column_letter(width)
    table.merge_cells(f"A1:{last}1")
    table["A1"] = context["rubric"].title
    table["A1"].font = Font(name=_FONT, size=16, bold=True)
    table["A1"].alignment = _CENTRE
    table.merge_cells(f"A2:{last}2")
    table["A2"] = f"{info['kind_label']}评分表（{context['rubric'].source}）"
    table["A2"].alignment = _CENTRE
    meta = [
        f"单元：{info['unit'].name}（{info['unit_kind_label']}，编号 {info['unit'].id}）　区县：{info['district']}",
        f"评分人：{info['assessor']}　评分日期：{info['assessed_on']}　评分表编号：{info['id']}"
        + (f"（更正 {info['replaces']}）" if info["replaces"] else ""),
        f"签署：{info['signed_at']} {info['signed_by']}　台账数据读取于 {info['facts_read_at']}"
        + (
            f"　建设申请之日：{info['application_date']}　计分时段：{info['window']}"
            if info["application_date"]
            else ""
        ),
    ]
    if info["superseded_by"]:
        meta.append(f"本评分表已由评分表 {info['superseded_by']} 更正")
    row = 3
    for text in meta:
        table.merge_cells(f"A{row}:{last}{row}")
        table[f"A{row}"] = text
        row += 1
    header_row = row
    for column, (title, column_width) in enumerate(_COLUMNS, start=1):
        cell = table.cell(row=header_row, column=column, value=title)
        cell.font = Font(name=_FONT, bold=True)
        cell.fill = _HEAD_FILL
        cell.alignment = _CENTRE
        cell.border = _BORDER
        table.column_dimensions[get_column_letter(column)].width = column_width
    row = header_row + 1
    for item in context["rows"]:
        lines = [
            f"{n}. {d.rule_text}：{d.reason}，扣{d.points}分〔{d.source_label}〕"
            for n, d in enumerate(item.deductions, 1)
        ]
        lines += [item.limit_note] if item.limit_note else []
        lines += list(item.notes)
        values = (
            f"{item.number}{'*' if item.penalty else ''}",
            item.section_label,
            item.content,
            Decimal(item.max_points),
            item.criteria,
            item.method,
            Decimal(item.points),
            cell_text("\n".join(lines)) or "未扣分",  # the assessors' words: never a formula
        )
        merged_above = {2: item.section_rowspan == 0, 3: item.content_rowspan == 0}
        for column, value in enumerate(values, start=1):
            if merged_above.get(column):
                table.cell(row=row, column=column).border = _BORDER
                continue
            cell = table.cell(row=row, column=column, value=value)
            cell.alignment = _CENTRE if column in (1, 2, 4, 7) else _WRAP
            cell.border = _BORDER
            cell.font = Font(name=_FONT, size=10, bold=column == 7)
            if column in (4, 7):
                cell.number_format = "0.00"
        if item.section_rowspan > 1:
            table.merge_cells(
                start_row=row, start_column=2, end_row=row + item.section_rowspan - 1, end_column=2
            )
        if item.content_rowspan > 1:
            table.merge_cells(
                start_row=row, start_column=3, end_row=row + item.content_rowspan - 1, end_column=3
            )
        table.row_dimensions[row].height = max(60, 15 * (1 + len(item.criteria) // 30), 15 * len(lines))
        row += 1
    totals = context["totals"]
    summary: list[tuple[str, Any]] = [
        (f"{s['name']}（{s['max_points']}分）", Decimal(s["points"])) for s in context["sections"]
    ]
    summary.append(("小计（100分）", Decimal(totals["subtotal"])))
    if totals["has_penalty"]:
        summary.append(("扣分项*", -Decimal(totals["penalty"])))
    summary += [
        ("总分", Decimal(totals["total"])),
        ("等级", totals["grade"]),
        ("可否提交验收申请", totals["may_apply"]),
    ]
    if totals["summary_report"] is not None:
        summary.append(("可否提交建设总结报告", totals["summary_report"]))
    for label, value in summary:
        table.merge_cells(start_row=row, start_column=1, end_row=row, end_column=6)
        table.cell(row=row, column=1, value=label).font = Font(name=_FONT, bold=True)
        cell = table.cell(row=row, column=7, value=value)
        cell.font = Font(name=_FONT, bold=True)
        cell.alignment = _CENTRE
        if isinstance(value, Decimal):
            cell.number_format = "0.00"
        for column in range(1, 8):
            table.cell(row=row, column=column).border = _BORDER
        row += 1
    table.cell(
        row=row + 1,
        column=1,
        value="评分人（签字）：　　　　　　　复核人（签字）：　　　　　　　日期：　　年　　月　　日",
    )
    table.print_title_rows = f"{header_row}:{header_row}"
    table.page_setup.orientation = "landscape"
    table.page_setup.paperSize = table.PAPERSIZE_A4
    table.page_setup.fitToWidth = 1
    table.page_setup.fitToHeight = 0
    table.sheet_properties.pageSetUpPr.fitToPage = True
    table.freeze_panes = table.cell(row=header_row + 1, column=1)


def _write_deductions(sheet: Any, rows: list[Row]) -> None:
    titles = ("序号", "规则序号", "规则类型", "评分细则（所依规则）", "数量", "扣分", "依据或理由", "来源")
    body = [
        (
            row.number,
            line.line.rule_index,
            line.line.rule_kind.value,
            line.rule_text,
            line.line.quantity,
            line.line.points,
            line.reason,
            line.source_label,
        )
        for row in rows
        for line in row.deductions
    ]
    _write_simple(sheet, titles, body)
    for column, width in zip("ABCDEFGH", (6, 8, 16, 48, 8, 8, 60, 10), strict=True):
        sheet.column_dimensions[column].width = width


def _write_simple(sheet: Any, titles: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    for column, title in enumerate(titles, start=1):
        cell = sheet.cell(row=1, column=column, value=title)
        cell.font = Font(name=_FONT, bold=True)
        cell.fill = _HEAD_FILL
        cell.border = _BORDER
    for index, values in enumerate(rows, start=2):
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=index, column=column, value=cell_text(value))  # never a formula
            cell.alignment = _WRAP
            cell.border = _BORDER


# --- the self-assessment report ------------------------------------------------------------------------------

_HOUSEHOLD_KINDS = {"RESIDENTIAL": "生活小区", "NON_RESIDENTIAL": "非生活小区", "ENTERPRISE": "工业企业"}
_CATEGORIES = {
    "MALL": "商场",
    "OFFICE": "写字楼",
    "MEDICAL": "医疗机构",
    "SCHOOL": "学校",
    "PUBLIC_INSTITUTION": "公共机构",
    "PASSENGER_STATION": "交通客运场站",
}
_NETWORKS = {"RAIN": "雨水管网", "SEWAGE": "污水管网", "COMBINED": "合流管网"}
_PROBLEM_TYPES = {
    "MIXED_CONNECTION": "混接", "WRONG_CONNECTION": "错接", "SEWAGE_INTO_RAIN": "污水接入雨水管",
    "RAIN_INTO_SEWAGE": "雨水接入污水管", "UNCONNECTED": "漏接", "MISSING": "管网缺失", "LEAKAGE": "渗漏",
    "DAMAGE": "破损", "BLOCKAGE": "淤堵", "COLLAPSE": "塌陷", "MISALIGNMENT": "错位",
    "DEDICATED_PIPE": "未建专管、明管", "OVERFLOW": "污水溢流", "DRY_WEATHER_DISCHARGE": "主雨水管晴天排水",
    "SEPTIC_TANK": "化粪池问题", "HIDDEN_PIPE": "私设暗管", "INITIAL_RAINWATER": "初期雨水未收集处理",
    "NO_PERMIT": "未取得排水、排污许可", "FACILITY_MALFUNCTION": "设施运行不正常",
    "INSUFFICIENT_CAPACITY": "处理能力不足", "MONITORING": "自动监测设备问题",
    "OUTFALL_NOT_STANDARDISED": "排污口未规范化", "PL": "PL 破裂", "BX": "BX 变形", "FS": "FS 腐蚀",
    "CK": "CK 错口", "QF": "QF 起伏", "TJ": "TJ 脱节", "TL": "TL 接口材料脱落", "AJ": "AJ 支管暗接",
    "CR": "CR 异物穿入", "SL": "SL 渗漏", "CJ": "CJ 沉积", "JG": "JG 结垢", "ZW": "ZW 障碍物",
    "CQ": "CQ 残墙、坝根", "SG": "SG 树根", "FZ": "FZ 浮渣", "OTHER": "其他",
}  # fmt: skip


@dataclass(frozen=True)
class _KindReport:
    """What a kind's 自评估报告 says differently: its annex, its rectification and self-check classes."""

    annex: str
    rectification: tuple[tuple[str, str], ...]  # (ledger class, label)
    self_checks: tuple[tuple[str, str], ...]  # (ledger class, label): towns only
    systems: str  # 长效监管机制 the unit describes itself


def _kind_report(kind: UnitKind) -> _KindReport:
    match kind:
        case UnitKind.TOWN:  # 000 附件3
            return _KindReport(
                annex="3",
                rectification=(("residential", "生活小区"), ("non_residential", "非生活小区"),
                               ("pipes", "市政管网"), ("facilities", "污水集中处理设施及排污口")),
                self_checks=(("residential", "生活小区"), ("non_residential", "非生活小区")),
                systems="管网管护、排水许可、设施及排污口运维",
            )  # fmt: skip
        case UnitKind.PARK_GROUP:  # 000 附件4
            return _KindReport(
                annex="4",
                rectification=(("households", "源头排水户"), ("pipes", "排水管网"),
                               ("facilities", "污水集中处理设施及排污口")),
                self_checks=(),
                systems="管网管护、排水许可、设施及排污口运维、应急管理",
            )  # fmt: skip
        case _:
            raise UnknownUnitKind(kind, where="自评估报告")


def self_assessment_markdown(
    rubric: Rubric, sheet: SheetDocument, summary: LedgerSummary, read_at: datetime
) -> str:
    """The 自评估报告 draft (000 附件3/附件4 三(二)1: 编制…建设自评估报告): ledger facts, the self-check score item by
    item, what cost points; 【待补充】 marks what the unit must write itself."""
    header = sheet.content.header
    context = _sheet_context(rubric, sheet)
    rows: list[Row] = context["rows"]
    kind = header.unit.kind
    report = _kind_report(kind)
    rectification: list[tuple[str, Any]] = [
        (label, summary.rectification[name]) for name, label in report.rectification
    ]
    self_checks: list[tuple[str, Ratio]] = [
        (label, summary.self_check[name]) for name, label in report.self_checks
    ]
    return (
        _environment(False)
        .get_template("self_assessment_report.md.j2")
        .render(
            unit={
                "name": header.unit.name,
                "district": header.district_name or header.unit.district_code,
                "kind": kind.value,
                "annex": report.annex,
                "systems": report.systems,
            },
            unit_kind_label=kind.label,
            rubric=rubric,
            sheet={
                "id": sheet.id,
                "assessed_on": header.assessed_on.isoformat(),
                "assessor": header.assessor,
            },
            read_at=_moment(read_at),
            summary=summary,
            households=[
                (label, summary.households_by_kind[kind])
                for kind, label in _HOUSEHOLD_KINDS.items()
                if kind in summary.households_by_kind
            ],
            categories=[
                (_CATEGORIES.get(k, k), n) for k, n in sorted(summary.non_residential_by_category.items())
            ],
            pipes=[(_NETWORKS.get(k, k), v) for k, v in sorted(summary.pipe_length_m.items())],
            problem_types=[
                (_PROBLEM_TYPES.get(k, k), n) for k, n in sorted(summary.problems_by_type.items())
            ],
            rectification=rectification,
            self_checks=self_checks,
            long_term=[row for row in rows if row.section == "长效监管机制"],
            rows=rows,
            totals=context["totals"],
        )
    )
