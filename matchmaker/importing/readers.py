"""Read CSV (UTF-8 or GBK), XLSX and JSON Lines into rows of text cells, with clear errors."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_CELL_CHARS = 10_000
MAX_FILE_BYTES = 50 * 1024 * 1024
ENCODINGS = ("utf-8-sig", "gb18030")


class ImportFileError(ValueError):
    """The file as a whole cannot be read; nothing is imported."""


@dataclass
class SourceRow:
    """One data row: its number as a person sees it in the file, and its cells by header."""

    number: int
    cells: dict[str, Any]


@dataclass
class SourceTable:
    """Headers in file order and the data rows."""

    headers: list[str]
    rows: list[SourceRow]
    fmt: str
    encoding: str = ""


def detect_format(path: Path) -> str:
    """``csv``, ``xlsx`` or ``jsonl`` from the file name."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return "csv"
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix == ".xls":
        raise ImportFileError(f"{path.name}: 不支持旧版 .xls 文件，请另存为 .xlsx 或 CSV")
    raise ImportFileError(f"{path.name}: 无法识别的文件类型 {suffix!r}（支持 .csv .xlsx .jsonl）")


def read_table(path: str | Path, is_header: HeaderTest | None = None) -> SourceTable:
    """Read ``path``; raise ImportFileError with a clear Chinese message when it is unreadable.

    ``is_header`` recognises the header row of a CSV or sheet when banner rows stand above it.
    """
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(f"{path}: 文件不存在")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ImportFileError(f"{path.name}: 文件超过 {MAX_FILE_BYTES // 1024 // 1024} MB")
    fmt = detect_format(path)
    if fmt == "csv":
        return _read_csv(path, is_header)
    if fmt == "xlsx":
        return _read_xlsx(path, is_header)
    return _read_jsonl(path)


def _decode(path: Path) -> tuple[str, str]:
    data = path.read_bytes()
    if b"\x00" in data[:4096]:
        raise ImportFileError(f"{path.name}: 不是文本文件（含二进制内容），请使用 UTF-8 或 GBK 编码的 CSV")
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise ImportFileError(f"{path.name}: 无法识别的文件编码（支持 UTF-8 与 GBK/GB18030）")


def _check_cell(path: Path, number: int, header: str, value: str) -> None:
    if len(value) > MAX_CELL_CHARS:
        raise ImportFileError(
            f"{path.name}: 第 {number} 行「{header}」单元格过长（{len(value)} 字符，上限 {MAX_CELL_CHARS}）"
        )


def _check_headers(path: Path, headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    for index, header in enumerate(headers, start=1):
        if not header:
            continue
        if header in seen:
            raise ImportFileError(f"{path.name}: 表头“{header}”重复（第 {seen[header]} 列和第 {index} 列）")
        seen[header] = index
    return headers


def _require_rows(path: Path, table: SourceTable) -> SourceTable:
    if not table.rows:
        raise ImportFileError(f"{path.name}: 只有表头，没有数据行")
    return table


def _table_from_grid(
    path: Path, grid: list[list[str]], is_header: HeaderTest | None, fmt: str, encoding: str = ""
) -> SourceTable:
    """Header row (banner rows skipped), then one SourceRow per non-empty line, numbered as in the file."""
    start = header_row_index(grid, is_header)
    headers = _check_headers(path, [h.strip() for h in grid[start]])
    rows: list[SourceRow] = []
    for number, line in enumerate(grid[start + 1 :], start=start + 2):
        stray = [i for i, c in enumerate(line) if c.strip() and (i >= len(headers) or not headers[i])]
        if stray:
            raise ImportFileError(f"{path.name}: 第 {number} 行第 {stray[0] + 1} 列有数据，但这一列没有表头")
        cells: dict[str, Any] = {}
        for header, value in zip(headers, line, strict=False):
            if not header:
                continue
            _check_cell(path, number, header, value)
            cells[header] = value
        if any(v.strip() for v in cells.values()):
            rows.append(SourceRow(number, cells))
    return _require_rows(path, SourceTable(headers, rows, fmt, encoding))


def _read_csv(path: Path, is_header: HeaderTest | None = None) -> SourceTable:
    text, encoding = _decode(path)
    csv.field_size_limit(MAX_FILE_BYTES)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        all_rows = list(reader)
    except csv.Error as exc:
        raise ImportFileError(f"{path.name}: CSV 格式错误（第 {reader.line_num} 行）：{exc}") from exc
    if not all_rows:
        raise ImportFileError(f"{path.name}: 文件为空")
    return _table_from_grid(path, all_rows, is_header, "csv", encoding)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


HeaderTest = Callable[[list[str]], bool]


def header_row_index(rows: list[list[str]], is_header: HeaderTest | None, scan: int = 5) -> int:
    """Index of the header row: the first of the first rows that ``is_header`` recognises, else 0.

    Government spreadsheets often carry a banner row ("2024年技术需求汇总表") above the header.
    """
    if is_header is not None:
        for index, row in enumerate(rows[:scan]):
            if is_header(row):
                return index
    return 0


def _read_xlsx(path: Path, is_header: HeaderTest | None = None) -> SourceTable:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=False, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise ImportFileError(f"{path.name}: 不是有效的 XLSX 文件（{exc.__class__.__name__}）") from exc
    try:
        sheet = workbook.worksheets[0]
        grid: list[list[str]] = []
        for row in sheet.iter_rows():
            line = []
            for cell in row:
                if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith("=")):
                    raise ImportFileError(
                        f"{path.name}: 工作表“{sheet.title}”单元格 {cell.coordinate} 是公式，请粘贴为数值后再导入"
                    )
                line.append(_cell_text(cell.value))
            grid.append(line)
        # A merged range holds its value in the top-left cell: give it to every cell of the range.
        for merged in sheet.merged_cells.ranges:
            top = grid[merged.min_row - 1][merged.min_col - 1]
            for r in range(merged.min_row, merged.max_row + 1):
                for c in range(merged.min_col, merged.max_col + 1):
                    grid[r - 1][c - 1] = top
    except ImportFileError:
        raise
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, IndexError) as exc:
        raise ImportFileError(f"{path.name}: XLSX 文件已损坏（{exc.__class__.__name__}）") from exc
    finally:
        workbook.close()
    if not grid:
        raise ImportFileError(f"{path.name}: 工作表“{sheet.title}”为空")
    return _table_from_grid(path, grid, is_header, "xlsx")


def _read_jsonl(path: Path) -> SourceTable:
    text, encoding = _decode(path)
    headers: dict[str, None] = {}
    rows: list[SourceRow] = []
    # Split on newlines only: U+2028 and friends may stand inside JSON strings.
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ImportFileError(f"{path.name}: 第 {number} 行不是有效的 JSON：{exc.msg}") from exc
        if not isinstance(obj, dict):
            raise ImportFileError(f"{path.name}: 第 {number} 行应为 JSON 对象")
        cells: dict[str, Any] = {}
        for key, value in obj.items():
            if isinstance(value, (dict,)):
                raise ImportFileError(f"{path.name}: 第 {number} 行「{key}」不能是嵌套对象")
            if isinstance(value, list):
                value = [str(v) for v in value]
                _check_cell(path, number, key, "、".join(value))
            elif value is None:
                value = ""
            else:
                value = str(value)
                _check_cell(path, number, key, value)
            cells[str(key)] = value
            headers.setdefault(str(key), None)
        rows.append(SourceRow(number, cells))
    if not rows:
        raise ImportFileError(f"{path.name}: 文件为空")
    return SourceTable(list(headers), rows, "jsonl", encoding)
