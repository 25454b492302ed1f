"""The clerks' own column headers of a ledger workbook, mapped to LedgerRow fields: the one mapping table.

A workbook has one sheet per class of row, named as the ledgers are (源头排水户, 管段, 检查井, 污水处理设施,
排污口, 问题清单); a sheet (or a CSV file) with any other name gives the class in a 台账类别 column, row by row,
or takes it from `--class`. Headers are matched without spaces and without a unit in brackets, so that
"长度（米）", "长度(m)" and "长度" are the same column. Values: 是/否 (or 有/无, √/×, 1/0) for yes/no, the
ledgers' Chinese words for kinds and types (or the API's names), dates as YYYY-MM-DD (or a date cell).

Pure logic: no file, no network (the readers are in ledger_files, the import command in app).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from zdz.registry.v1 import ledger_pb2 as pb

CLASS_COLUMN = "台账类别"


class CellError(ValueError):
    """A cell's value cannot be read; the message says why, for the clerk."""


class FileLayoutError(ValueError):
    """The file's layout is wrong (unknown or missing headers, no class): nothing can be imported."""


def normalise_header(header: object) -> str:
    """ "长度（米）" → "长度": no spaces, no bracketed unit, full-width brackets too."""
    text = str(header or "").strip()
    text = re.sub(r"[（(\[【][^）)\]】]*[）)\]】]", "", text)
    return re.sub(r"\s+", "", text)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a code typed as a number: 1001.0 → "1001"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return str(value).strip()


def integer(value: object) -> int:
    if isinstance(value, bool):
        raise CellError("须为整数")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    try:
        return int(str(value).strip().replace(",", ""))
    except ValueError:
        raise CellError(f"须为整数，而不是“{value}”") from None


def number(value: object) -> float:
    if isinstance(value, bool):
        raise CellError("须为数字")
    if isinstance(value, int | float):
        return float(value)
    raw = str(value).strip().replace(",", "").rstrip("%％")
    try:
        return float(raw)
    except ValueError:
        raise CellError(f"须为数字，而不是“{value}”") from None


_YES = {"是", "有", "已", "√", "✓", "y", "yes", "true", "1", "对"}
_NO = {"否", "无", "未", "×", "✗", "n", "no", "false", "0", "不"}


def yes_no(value: object) -> bool:
    if isinstance(value, bool):
        return value
    raw = text(value).lower()
    if raw in _YES or raw.startswith("已"):
        return True
    if raw in _NO or raw.startswith(("未", "不", "无")):
        return False
    raise CellError(f"须为“是”或“否”，而不是“{value}”")


def date(value: object) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    raw = text(value).replace("/", "-").replace(".", "-")
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", raw) or re.fullmatch(
        r"(\d{4})年(\d{1,2})月(\d{1,2})日", raw
    )
    if not match:
        raise CellError(f"须为日期（如 2025-06-30），而不是“{value}”")
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3])).isoformat()
    except ValueError:
        raise CellError(f"不是有效日期：“{value}”") from None


def choice(words: dict[str, int], enum: Any, prefix: str) -> Callable[[object], int]:
    """A value from the ledgers' words ("生活小区") or the API's names ("RESIDENTIAL")."""

    def parse(value: object) -> int:
        raw = text(value)
        if raw in words:
            return words[raw]
        name = f"{prefix}{raw.upper().replace('-', '_')}"
        if name in enum.keys() and not name.endswith("UNSPECIFIED"):
            return int(enum.Value(name))
        raise CellError(f"须为{'、'.join(words)}之一，而不是“{value}”")

    return parse


HOUSEHOLD_KINDS = {
    "生活小区": pb.HOUSEHOLD_KIND_RESIDENTIAL,
    "非生活小区": pb.HOUSEHOLD_KIND_NON_RESIDENTIAL,
    "工业企业": pb.HOUSEHOLD_KIND_ENTERPRISE,
}
BUILDINGS = {
    "单体楼": pb.BUILDING_SINGLE,
    "非单体楼": pb.BUILDING_NON_SINGLE,
    "是": pb.BUILDING_SINGLE,
    "否": pb.BUILDING_NON_SINGLE,
}
CATEGORIES = {
    "商场": pb.CATEGORY_MALL,
    "写字楼": pb.CATEGORY_OFFICE,
    "医疗机构": pb.CATEGORY_MEDICAL,
    "学校": pb.CATEGORY_SCHOOL,
    "公共机构": pb.CATEGORY_PUBLIC_INSTITUTION,
    "交通客运场站": pb.CATEGORY_PASSENGER_STATION,
}
COMPLEXITIES = {
    "简单": pb.DRAINAGE_COMPLEXITY_SIMPLE,
    "一般": pb.DRAINAGE_COMPLEXITY_MODERATE,
    "复杂": pb.DRAINAGE_COMPLEXITY_COMPLEX,
}
SELF_CHECKS = {
    "未自查": pb.SELF_CHECK_NOT_DONE,
    "自查合格": pb.SELF_CHECK_PASSED,
    "合格": pb.SELF_CHECK_PASSED,
    "自查不合格": pb.SELF_CHECK_FAILED,
    "不合格": pb.SELF_CHECK_FAILED,
}
MEDICAL_DISCHARGES = {
    "未检测": pb.MEDICAL_DISCHARGE_NOT_ASSESSED,
    "出水稳定达标": pb.MEDICAL_DISCHARGE_COMPLIANT,
    "达标": pb.MEDICAL_DISCHARGE_COMPLIANT,
    "出水未稳定达标": pb.MEDICAL_DISCHARGE_NON_COMPLIANT,
    "未达标": pb.MEDICAL_DISCHARGE_NON_COMPLIANT,
}
NETWORKS = {"雨水": pb.NETWORK_TYPE_RAIN, "污水": pb.NETWORK_TYPE_SEWAGE, "合流": pb.NETWORK_TYPE_COMBINED}
ATTACHMENTS = {
    "污水处理设施": pb.ATTACHMENT_FACILITY,
    "设施": pb.ATTACHMENT_FACILITY,
    "管网": pb.ATTACHMENT_NETWORK,
}
ENTITY_CLASSES = {
    "源头排水户": pb.ENTITY_CLASS_SOURCE_HOUSEHOLD,
    "排水户": pb.ENTITY_CLASS_SOURCE_HOUSEHOLD,
    "管段": pb.ENTITY_CLASS_PIPE_SEGMENT,
    "管网": pb.ENTITY_CLASS_PIPE_SEGMENT,
    "检查井": pb.ENTITY_CLASS_INSPECTION_POINT,
    "检查点": pb.ENTITY_CLASS_INSPECTION_POINT,
    "污水处理设施": pb.ENTITY_CLASS_FACILITY,
    "污水集中处理设施": pb.ENTITY_CLASS_FACILITY,
    "排污口": pb.ENTITY_CLASS_OUTFALL,
}
FOUND_BY = {
    "排查": pb.FOUND_BY_SURVEY,
    "区县验收": pb.FOUND_BY_ACCEPTANCE,
    "市级抽查": pb.FOUND_BY_SPOT_CHECK,
    "回头看": pb.FOUND_BY_LOOK_BACK,
}
# The problem types by the documents' words (000 附件3/附件4, CJJ 181-2012); CJJ codes (PL, BX…) by name.
PROBLEM_TYPES = {
    "混接": pb.PROBLEM_TYPE_MIXED_CONNECTION,
    "错接": pb.PROBLEM_TYPE_WRONG_CONNECTION,
    "污水接入雨水管": pb.PROBLEM_TYPE_SEWAGE_INTO_RAIN,
    "雨水接入污水管": pb.PROBLEM_TYPE_RAIN_INTO_SEWAGE,
    "漏接": pb.PROBLEM_TYPE_UNCONNECTED,
    "缺失": pb.PROBLEM_TYPE_MISSING,
    "渗漏": pb.PROBLEM_TYPE_LEAKAGE,
    "破损": pb.PROBLEM_TYPE_DAMAGE,
    "淤堵": pb.PROBLEM_TYPE_BLOCKAGE,
    "堵塞": pb.PROBLEM_TYPE_BLOCKAGE,
    "塌陷": pb.PROBLEM_TYPE_COLLAPSE,
    "错位": pb.PROBLEM_TYPE_MISALIGNMENT,
    "化工园区未建专管、明管": pb.PROBLEM_TYPE_DEDICATED_PIPE,
    "污水溢流": pb.PROBLEM_TYPE_OVERFLOW,
    "外渗": pb.PROBLEM_TYPE_OVERFLOW,
    "主雨水管晴天排水": pb.PROBLEM_TYPE_DRY_WEATHER_DISCHARGE,
    "化粪池问题": pb.PROBLEM_TYPE_SEPTIC_TANK,
    "私设暗管": pb.PROBLEM_TYPE_HIDDEN_PIPE,
    "初期雨水未收集处理": pb.PROBLEM_TYPE_INITIAL_RAINWATER,
    "未取得排水、排污许可": pb.PROBLEM_TYPE_NO_PERMIT,
    "设施运行不正常": pb.PROBLEM_TYPE_FACILITY_MALFUNCTION,
    "处理能力不足": pb.PROBLEM_TYPE_INSUFFICIENT_CAPACITY,
    "满负荷": pb.PROBLEM_TYPE_INSUFFICIENT_CAPACITY,
    "超负荷": pb.PROBLEM_TYPE_INSUFFICIENT_CAPACITY,
    "自动监测设备问题": pb.PROBLEM_TYPE_MONITORING,
    "排污口未规范化": pb.PROBLEM_TYPE_OUTFALL_NOT_STANDARDISED,
    "医疗废水未达标": pb.PROBLEM_TYPE_MEDICAL_WASTEWATER,
    "其他": pb.PROBLEM_TYPE_OTHER,
}


@dataclass(frozen=True)
class Column:
    """One column: the field it fills, its headers (the first is the one the help and reports show)."""

    field: str
    headers: tuple[str, ...]
    parse: Callable[[object], Any]
    required: bool = False

    @property
    def header(self) -> str:
        return self.headers[0]


@dataclass(frozen=True)
class LedgerClass:
    """A class of ledger row: its LedgerRow field, the names of its sheet, its columns."""

    oneof: str
    name: str
    sheet_names: tuple[str, ...]
    columns: tuple[Column, ...]

    def column(self, header: str) -> Column | None:
        key = normalise_header(header)
        return next((c for c in self.columns if key in self.columns_keys(c)), None)

    @staticmethod
    def columns_keys(column: Column) -> set[str]:
        return {normalise_header(h) for h in column.headers}

    def column_of_field(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.field == name), None)


def _c(
    field_name: str, headers: str, parse: Callable[[object], Any] = text, required: bool = False
) -> Column:
    return Column(field_name, tuple(headers.split("|")), parse, required)


CODE = _c("code", "编号|代码|序号编码", required=True)
SURVEYED = _c("surveyed", "已排查|是否已排查|排查完成", yes_no)

CLASSES: tuple[LedgerClass, ...] = (
    LedgerClass(
        "source_household",
        "源头排水户",
        ("源头排水户", "排水户", "源"),
        (
            CODE,
            _c("name", "名称|排水户名称|小区名称", required=True),
            _c("kind", "类型|排水户类型", choice(HOUSEHOLD_KINDS, pb.HouseholdKind, "HOUSEHOLD_KIND_"), True),
            _c("building", "单体楼|是否单体楼|楼栋类型", choice(BUILDINGS, pb.Building, "BUILDING_")),
            _c("category", "类别|非生活小区类别", choice(CATEGORIES, pb.Category, "CATEGORY_")),
            _c("floor_area_m2", "建筑面积|占地面积", number),
            _c("year_built", "建成年份|建成年代", integer),
            _c(
                "drainage_complexity",
                "排水复杂程度|复杂程度",
                choice(COMPLEXITIES, pb.DrainageComplexity, "DRAINAGE_COMPLEXITY_"),
            ),
            _c("households", "户数|住户数", integer),
            _c("water_related", "涉水企业|是否涉水企业", yes_no),
            _c("key_discharger", "重点排污单位|重点排水企业|重点涉水企业", yes_no),
            _c("petrochemical", "石化企业|石油化工|石化炼化", yes_no),
            _c("discharge_permit", "排污许可证|持有排污许可证", yes_no),
            _c("online_monitoring", "在线监测|安装在线监测", yes_no),
            SURVEYED,
            _c("self_check", "自查结果|自查情况", choice(SELF_CHECKS, pb.SelfCheck, "SELF_CHECK_")),
            _c("medical_wastewater_facility", "医疗废水处理设施|医疗废水收集处理设施", yes_no),
            _c(
                "medical_discharge",
                "医疗废水排放|医疗废水达标情况",
                choice(MEDICAL_DISCHARGES, pb.MedicalDischarge, "MEDICAL_DISCHARGE_"),
            ),
        ),
    ),
    LedgerClass(
        "pipe_segment",
        "管段",
        ("管段", "管网", "市政管网"),
        (
            CODE,
            _c("network", "管网类型|管道类型", choice(NETWORKS, pb.NetworkType, "NETWORK_TYPE_"), True),
            _c("length_m", "长度|管长|管段长度", number, True),
            _c("location", "位置|所在道路|道路"),
            SURVEYED,
        ),
    ),
    LedgerClass(
        "inspection_point",
        "检查井",
        ("检查井", "检查点"),
        (
            CODE,
            _c("network", "管网类型|管道类型", choice(NETWORKS, pb.NetworkType, "NETWORK_TYPE_"), True),
            _c("pipe_code", "所在管段|管段编号"),
            _c("location", "位置|所在道路|道路"),
            SURVEYED,
        ),
    ),
    LedgerClass(
        "treatment_facility",
        "污水处理设施",
        ("污水处理设施", "污水集中处理设施", "设施", "厂"),
        (
            CODE,
            _c("name", "名称|设施名称", required=True),
            _c("capacity_m3_per_day", "处理能力|设计规模|设计处理能力", number, True),
            _c("load_m3_per_day", "实际处理量|实际负荷|日处理量", number),
            _c("takes_industrial_wastewater", "接纳工业废水|是否接纳工业废水", yes_no),
            _c("industrial_share_percent", "工业废水占比|工业废水比例", number),
            _c("online_monitoring", "在线监测|出水在线监测", yes_no),
            SURVEYED,
        ),
    ),
    LedgerClass(
        "outfall",
        "排污口",
        ("排污口", "排口", "口"),
        (
            CODE,
            _c("name", "名称|排污口名称"),
            _c(
                "attached_to",
                "接入对象|排污口类型|所属",
                choice(ATTACHMENTS, pb.Attachment, "ATTACHMENT_"),
                True,
            ),
            _c("facility_code", "所属设施编号|设施编号"),
            _c("network", "管网类型|管道类型", choice(NETWORKS, pb.NetworkType, "NETWORK_TYPE_")),
            _c("standardised", "已规范化|是否规范化|规范化", yes_no),
            SURVEYED,
        ),
    ),
    LedgerClass(
        "problem",
        "问题清单",
        ("问题清单", "问题", "问题点"),
        (
            _c("code", "问题编号|编号", required=True),
            _c(
                "entity_class",
                "对象类别|所在台账类别",
                choice(ENTITY_CLASSES, pb.EntityClass, "ENTITY_CLASS_"),
                True,
            ),
            _c("entity_code", "对象编号|所在台账编号|台账编号", required=True),
            _c("type", "问题类型", choice(PROBLEM_TYPES, pb.ProblemType, "PROBLEM_TYPE_"), True),
            _c("grade", "等级|缺陷等级", integer),
            _c("location", "位置|问题位置"),
            _c("description", "问题描述|描述"),
            _c("found_by", "发现环节|发现方式", choice(FOUND_BY, pb.FoundBy, "FOUND_BY_"), True),
            _c("found_on", "发现日期", date, True),
            _c("finder", "发现人|发现单位"),
        ),
    ),
)
# The import sends the classes in this order, so that a problem finds the row it is on and an outfall its facility.
CLASS_ORDER = {ledger_class.oneof: position for position, ledger_class in enumerate(CLASSES)}


def class_named(name: str) -> LedgerClass | None:
    """The class a sheet name, a 台账类别 value or a `--class` option names."""
    key = normalise_header(name)
    for ledger_class in CLASSES:
        names = {
            normalise_header(n) for n in (*ledger_class.sheet_names, ledger_class.oneof, ledger_class.name)
        }
        if key in names or key.lower() in names:
            return ledger_class
    return None


@dataclass
class Table:
    """A sheet (or a CSV file) as read: its name, its header row, its data rows with their line numbers."""

    name: str
    headers: list[str]
    rows: list[tuple[int, list[object]]]
    # True for an .xlsx sheet: its name may name the class.
    named_sheet: bool = True


# A service's field names that concern the whole row, not one column.
WHOLE_ROW_FIELDS = {"unit_id": "（整行：单元）", "row": "（整行）", "": "（整行）"}


@dataclass
class PreparedRow:
    """One data row, ready to send: where it came from, the row (None when a cell cannot be read), and why."""

    sheet: str
    line: int
    ledger_class: LedgerClass
    row: pb.LedgerRow | None
    errors: list[tuple[str, str]] = field(default_factory=list)

    def header_of(self, server_field: str) -> str:
        """The column a service's field name (e.g. "pipe_segment.length_m") came from."""
        if server_field in WHOLE_ROW_FIELDS:
            return WHOLE_ROW_FIELDS[server_field]
        name = server_field.split(".", 1)[1] if "." in server_field else server_field
        column = self.ledger_class.column_of_field(name.split(".")[0])
        return column.header if column else server_field


SKIPPED_SHEETS = ("说明", "填表说明", "目录", "封面")
# Columns a clerk's sheet often has that carry nothing to import.
IGNORED_HEADERS = ("序号", "备注")


def _class_of_table(table: Table, default: LedgerClass | None) -> LedgerClass | None:
    if table.named_sheet:
        found = class_named(table.name)
        if found:
            return found
    return default


def known_headers(ledger_class: LedgerClass | None) -> list[str]:
    classes = [ledger_class] if ledger_class else list(CLASSES)
    headers = [CLASS_COLUMN] if ledger_class is None else []
    for c in classes:
        for column in c.columns:
            if column.header not in headers:
                headers.append(column.header)
    return headers


def _check_headers(table: Table, ledger_class: LedgerClass | None) -> None:
    """Refuse unknown and missing headers (FileLayoutError): a misspelt column must not be dropped silently."""
    classes = [ledger_class] if ledger_class else list(CLASSES)
    unknown = []
    for header in table.headers:
        if _blank(header):
            continue
        if normalise_header(header) in (CLASS_COLUMN, *IGNORED_HEADERS):
            continue
        if not any(c.column(header) for c in classes):
            unknown.append(str(header))
    if unknown:
        raise FileLayoutError(
            f"工作表“{table.name}”有未知的列：{'、'.join(unknown)}。"
            f"可用的列：{'、'.join(known_headers(ledger_class))}（见 `zdz ledger import --help`）"
        )
    if ledger_class is None:
        if not any(normalise_header(h) == CLASS_COLUMN for h in table.headers):
            raise FileLayoutError(
                f"工作表“{table.name}”不是已知的台账类别（{'、'.join(c.sheet_names[0] for c in CLASSES)}），"
                f"也没有“{CLASS_COLUMN}”列：请按台账类别命名工作表、加“{CLASS_COLUMN}”列或用 --class 指定"
            )
        return
    present = {normalise_header(h) for h in table.headers if not _blank(h)}
    missing = [
        c.header for c in ledger_class.columns if c.required and not (LedgerClass.columns_keys(c) & present)
    ]
    if missing:
        raise FileLayoutError(f"工作表“{table.name}”（{ledger_class.name}）缺少必填列：{'、'.join(missing)}")


def _prepare(table: Table, line: int, values: list[object], ledger_class: LedgerClass) -> PreparedRow:
    fields: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []
    seen: set[str] = set()
    for header, value in zip(table.headers, values, strict=False):
        column = ledger_class.column(str(header)) if not _blank(header) else None
        if column is None or column.field in seen:
            continue
        seen.add(column.field)
        if _blank(value):
            if column.required:
                errors.append((column.header, "必填，不能为空"))
            continue
        try:
            fields[column.field] = column.parse(value)
        except CellError as error:
            errors.append((column.header, str(error)))
    for column in ledger_class.columns:
        if column.required and column.field not in seen:
            errors.append((column.header, "必填，不能为空"))
    if errors:
        return PreparedRow(table.name, line, ledger_class, None, errors)
    message_type = pb.LedgerRow.DESCRIPTOR.fields_by_name[ledger_class.oneof].message_type._concrete_class
    row = pb.LedgerRow(**{ledger_class.oneof: message_type(**fields)})
    return PreparedRow(table.name, line, ledger_class, row)


def prepare_rows(tables: Iterable[Table], default_class: LedgerClass | None = None) -> list[PreparedRow]:
    """Every data row of the tables, in the order the import sends them (by class, then as in the file).
    Raises FileLayoutError for a layout no row of which can be read."""
    prepared: list[PreparedRow] = []
    for table in tables:
        if table.named_sheet and normalise_header(table.name) in SKIPPED_SHEETS:
            continue
        ledger_class = _class_of_table(table, default_class)
        _check_headers(table, ledger_class)
        class_index = next(
            (i for i, h in enumerate(table.headers) if normalise_header(h) == CLASS_COLUMN), None
        )
        for line, values in table.rows:
            if all(_blank(v) for v in values):
                continue
            row_class = ledger_class
            if class_index is not None and class_index < len(values) and not _blank(values[class_index]):
                row_class = class_named(text(values[class_index])) or None
                if row_class is None:
                    fallback = ledger_class or CLASSES[0]
                    reason = f"未知的台账类别“{values[class_index]}”"
                    prepared.append(PreparedRow(table.name, line, fallback, None, [(CLASS_COLUMN, reason)]))
                    continue
            if row_class is None:
                prepared.append(
                    PreparedRow(table.name, line, CLASSES[0], None, [(CLASS_COLUMN, "必填，不能为空")])
                )
                continue
            prepared.append(_prepare(table, line, values, row_class))
    prepared.sort(key=lambda p: CLASS_ORDER[p.ledger_class.oneof])
    return prepared


def columns_help() -> str:
    """The mapping table in words, for `zdz ledger import --help`."""
    lines = []
    for ledger_class in CLASSES:
        columns = "、".join(f"{c.header}{'*' if c.required else ''}" for c in ledger_class.columns)
        lines.append(f"{ledger_class.name}（工作表名 {'/'.join(ledger_class.sheet_names)}）：{columns}")
    return "\n\n".join(lines)
