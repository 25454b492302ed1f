"""Reading a ledger file (.xlsx, .csv) into tables, and writing the per-row error report next to it."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from zdz_cli.ledger_columns import Table
from zdz_common.spreadsheet import cell_text


class InputFileError(Exception):
    """The input file cannot be read (exit code BAD_FILE); the message says why, for the clerk."""


def read_tables(path: Path) -> list[Table]:
    """The sheets of an .xlsx workbook, or the one table of a .csv file (UTF-8 with or without BOM, or GB18030)."""
    if not path.is_file():
        raise InputFileError(f"文件不存在：{path}")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(path)
    if suffix == ".csv":
        return [_read_csv(path)]
    raise InputFileError(f"只能导入 .xlsx 或 .csv 文件，而不是“{path.name}”（.xls 请先另存为 .xlsx）")


def _read_xlsx(path: Path) -> list[Table]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError) as error:
        raise InputFileError(f"无法读取 Excel 文件 {path.name}：{error}") from None
    tables = []
    try:
        for sheet in workbook.worksheets:
            rows = list(sheet.iter_rows(values_only=True))
            if not rows:
                continue
            headers = ["" if v is None else str(v).strip() for v in rows[0]]
            data = [(line, list(values)) for line, values in enumerate(rows[1:], start=2)]
            tables.append(Table(sheet.title, headers, data, named_sheet=True))
    finally:
        workbook.close()
    if not tables:
        raise InputFileError(f"Excel 文件 {path.name} 中没有数据")
    return tables


def _read_csv(path: Path) -> Table:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            content = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes every byte sequence
        raise InputFileError(f"无法识别 {path.name} 的编码：请另存为 UTF-8 CSV")
    rows = list(csv.reader(io.StringIO(content)))
    if not rows:
        raise InputFileError(f"CSV 文件 {path.name} 是空的")
    headers = [h.strip() for h in rows[0]]
    data: list[tuple[int, list[object]]] = [
        (line, list(values)) for line, values in enumerate(rows[1:], start=2)
    ]
    return Table(path.stem, headers, data, named_sheet=False)


ERROR_REPORT_HEADERS = ("工作表", "行号", "列", "原因")


def error_report_path(path: Path) -> Path:
    """`台账.xlsx` → `台账.errors.csv`, in the same folder."""
    return path.with_name(f"{path.stem}.errors.csv")


def write_error_report(path: Path, errors: list[tuple[str, int, str, str]]) -> None:
    """One line per (sheet, row, column, reason), UTF-8 with a byte-order mark so that Excel reads the Chinese."""
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(ERROR_REPORT_HEADERS)
        writer.writerows([cell_text(cell) for cell in line] for line in errors)
