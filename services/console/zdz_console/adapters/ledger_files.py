"""Ledger files as clerks send them (.xlsx or CSV, Chinese headers in the first row), read with the `zdz` command
line's mapping table (zdz_cli.ledger_columns, "the one mapping table") and its readers: the console and the CLI
accept the same files and word the same errors. The upload is written to a temporary file for the reader."""

from __future__ import annotations

import tempfile
from pathlib import Path

from zdz_cli.ledger_columns import FileLayoutError, PreparedRow, columns_help, known_headers, prepare_rows
from zdz_cli.ledger_files import InputFileError, read_tables

__all__ = ["PreparedRow", "UnreadableFile", "columns_help", "prepared_rows", "template_headers"]


class UnreadableFile(ValueError):
    """Nothing in the file can be imported (not a workbook or CSV, unknown or missing columns)."""


def prepared_rows(filename: str, content: bytes) -> list[PreparedRow]:
    """Every data row, ready to send or with its cells' errors, in the order the import sends them."""
    name = Path(filename or "台账").name
    with tempfile.TemporaryDirectory(prefix="zdz-console-") as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        try:
            return prepare_rows(read_tables(path))
        except (InputFileError, FileLayoutError) as error:
            raise UnreadableFile(str(error)) from error


def template_headers() -> list[str]:
    """Every header, the 台账类别 column first, for a blank CSV template."""
    return known_headers(None)
