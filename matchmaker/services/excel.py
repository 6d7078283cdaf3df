"""Excel workbooks from named tables of rows, safe to open: text is never a formula, money stays exact.

Any export that has rows with headers (a dict per row) can use ``write_tables``. Text that a
spreadsheet could take for a formula (it begins with ``= + - @``, a tab or a carriage return) is
prefixed with an apostrophe, the OWASP advice against formula injection, and stored as a string
cell. ``Decimal`` values are written as numbers with two decimals shown; an XLSX number is an
IEEE double, exact for up to 15 significant digits, so a ``Decimal`` with more digits than that is
written as its exact text instead of being rounded silently.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
MAX_SHEET_TITLE = 31
MAX_EXACT_DIGITS = 15
EMPTY_TABLE_TEXT = "（无数据）"
_BAD_TITLE = re.compile(r"[\\*?:/\[\]]")
Rows = Sequence[Mapping[str, Any]]


def neutralise(value: Any) -> Any:
    """``value`` made safe for a spreadsheet cell; anything but text is returned unchanged.

    Characters XML cannot hold are removed first (so that removing them cannot uncover a formula),
    then text beginning with ``= + - @``, a tab or a carriage return gets a leading apostrophe.
    """
    if not isinstance(value, str):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def sheet_title(name: str, taken: Iterable[str] = ()) -> str:
    """A valid, unused worksheet title for ``name``: no ``\\ * ? : / [ ]``, at most 31 characters."""
    base = _BAD_TITLE.sub("_", name).strip("'").strip() or "Sheet"
    used = {t.casefold() for t in taken}
    title, n = base[:MAX_SHEET_TITLE], 1
    while title.casefold() in used:
        n += 1
        suffix = f"({n})"
        title = base[: MAX_SHEET_TITLE - len(suffix)] + suffix
    return title


def _display_width(value: Any) -> int:
    text = f"{value:,.2f}" if isinstance(value, Decimal) else "" if value is None else str(value)
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in text)


def _headers(rows: Rows) -> list[str]:
    """Every key of every row, in order of first appearance."""
    out: dict[str, None] = {}
    for row in rows:
        out.update(dict.fromkeys(row))
    return list(out)


def _put(sheet: Worksheet, row: int, column: int, value: Any, number_format: str | None) -> None:
    """Write one cell: text neutralised and typed as a string, numbers with their format."""
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, Decimal) and value.is_finite() and len(value.as_tuple().digits) > MAX_EXACT_DIGITS:
        value = f"{value:f}"  # more digits than a double holds: keep the exact text
    elif isinstance(value, Decimal) and not value.is_finite():
        value = str(value)
    value = neutralise(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text
    elif isinstance(value, Decimal):
        cell.number_format = number_format or MONEY_FORMAT
    elif isinstance(value, dt.date):
        cell.number_format = number_format or DATE_FORMAT
    elif number_format and isinstance(value, int | float) and not isinstance(value, bool):
        cell.number_format = number_format


def _write_sheet(sheet: Worksheet, rows: Rows, number_formats: Mapping[str, str]) -> None:
    headers = _headers(rows)
    if not headers:
        _put(sheet, 1, 1, EMPTY_TABLE_TEXT, None)
        return
    bold = Font(bold=True)
    widths = [_display_width(h) for h in headers]
    for column, header in enumerate(headers, start=1):
        _put(sheet, 1, column, header, None)
        cell = sheet.cell(row=1, column=column)
        cell.font = bold
        cell.alignment = Alignment(horizontal="center", vertical="center")
    for r, row in enumerate(rows, start=2):
        for column, header in enumerate(headers, start=1):
            value = row.get(header)
            _put(sheet, r, column, value, number_formats.get(header))
            widths[column - 1] = max(widths[column - 1], _display_width(value))
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = min(max(width + 2, 8), 60)
    sheet.freeze_panes = "A2"


def write_tables(tables: Mapping[str, Rows], number_formats: Mapping[str, str] | None = None) -> bytes:
    """An XLSX workbook with one sheet per table, in order; returns the file's bytes.

    ``tables`` maps a table name (the sheet's title, made valid and unique) to its rows, each a
    mapping from column header to value; the header row is bold. ``number_formats`` maps a column
    header to an Excel number format for its numeric cells (e.g. ``"0.00%"`` for rates);
    ``Decimal`` cells default to ``#,##0.00``, dates to ``yyyy-mm-dd``. A table without rows gets
    a sheet that says so.
    """
    formats = dict(number_formats or {})
    workbook = Workbook()
    workbook.remove(workbook.active)
    titles: list[str] = []
    for name, rows in tables.items():
        title = sheet_title(name, titles)
        titles.append(title)
        _write_sheet(workbook.create_sheet(title), rows, formats)
    if not titles:
        workbook.create_sheet(sheet_title(EMPTY_TABLE_TEXT))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
