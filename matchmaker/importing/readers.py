"""Read CSV (UTF-8 or GBK), XLSX and JSON Lines into rows of text cells, with clear errors."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
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


def read_table(path: str | Path) -> SourceTable:
    """Read ``path``; raise ImportFileError with a clear Chinese message when it is unreadable."""
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(f"{path}: 文件不存在")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ImportFileError(f"{path.name}: 文件超过 {MAX_FILE_BYTES // 1024 // 1024} MB")
    fmt = detect_format(path)
    if fmt == "csv":
        return _read_csv(path)
    if fmt == "xlsx":
        return _read_xlsx(path)
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


def _read_csv(path: Path) -> SourceTable:
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
    headers = [h.strip() for h in all_rows[0]]
    rows: list[SourceRow] = []
    for index, raw in enumerate(all_rows[1:], start=2):
        if not any(c.strip() for c in raw):
            continue
        if len(raw) > len(headers) and any(c.strip() for c in raw[len(headers) :]):
            raise ImportFileError(f"{path.name}: 第 {index} 行有 {len(raw)} 列，多于表头的 {len(headers)} 列")
        cells: dict[str, Any] = {}
        for header, value in zip(headers, raw, strict=False):
            _check_cell(path, index, header, value)
            cells[header] = value
        rows.append(SourceRow(index, cells))
    return SourceTable(headers, rows, "csv", encoding)


def _read_xlsx(path: Path) -> SourceTable:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise ImportFileError(f"{path.name}: 不是有效的 XLSX 文件（{exc.__class__.__name__}）") from exc
    try:
        sheet = workbook.worksheets[0]
        iterator = sheet.iter_rows()
        header_cells = next(iterator, None)
        if header_cells is None:
            raise ImportFileError(f"{path.name}: 工作表为空")
        headers = ["" if c.value is None else str(c.value).strip() for c in header_cells]
        rows: list[SourceRow] = []
        for number, row in enumerate(iterator, start=2):
            cells: dict[str, Any] = {}
            for header, cell in zip(headers, row, strict=False):
                value = cell.value
                if cell.data_type == "f" or (isinstance(value, str) and value.startswith("=")):
                    raise ImportFileError(f"{path.name}: 第 {number} 行「{header}」是公式单元格，请粘贴为数值后再导入")
                if value is None:
                    value = ""
                elif isinstance(value, dt.datetime):
                    value = value.date().isoformat()
                elif isinstance(value, dt.date):
                    value = value.isoformat()
                elif isinstance(value, float) and value.is_integer():
                    value = str(int(value))
                else:
                    value = str(value)
                _check_cell(path, number, header, value)
                cells[header] = value
            if any(str(v).strip() for v in cells.values()):
                rows.append(SourceRow(number, cells))
    except ImportFileError:
        raise
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportFileError(f"{path.name}: XLSX 文件已损坏（{exc.__class__.__name__}）") from exc
    finally:
        workbook.close()
    return SourceTable(headers, rows, "xlsx")


def _read_jsonl(path: Path) -> SourceTable:
    text, encoding = _decode(path)
    headers: dict[str, None] = {}
    rows: list[SourceRow] = []
    for number, line in enumerate(text.splitlines(), start=1):
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
