"""Import of past contract registers (历史技术合同登记台账) from CSV, XLSX or JSON Lines: all rows or none.

Columns: the glossary's flat names or the register's Chinese headers; types, IP types and party
natures as codes or Chinese labels. Each row passes :func:`parse_contract` (the web form's and the
API's rules) and the database: regions exist; the 16-digit 合同登记编号 (year, registering office,
sequence) is unique in the file and new to the database, of the 登记日期's year and an existing
office; 登记日期 is given, not before 签订日期 nor in the future (China time). Any error and nothing
is written; the report names each bad row as numbered in the file (header = row 1) and the field in
Chinese. Rows become registered contracts (amendment 0, registered at 00:00 China time by
``import``), audited one by one and in a summary, and each office's sequence of the year is raised
to at least the highest imported one, in one transaction.

Money: text cells read like ``1250000.50`` (yuan, at most two decimals, no separators). An XLSX
number cell reaches us as the reader's text: an int as its digits, a float as ``str(float)`` — the
shortest text that is exactly that double, i.e. what was typed — checked like any text, then
``Decimal(text)``, never float arithmetic: ``1250000.5`` is 1250000.50, ``12.345`` and
``0.30000000000000004`` are refused. Displayed text is not used: openpyxl does not render number
formats, and ``0`` or ``#,##0`` would hide sub-fen digits or add separators. Excel keeps 15
significant digits of a number: 合同登记编号 belongs in a text cell.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import case, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from matchmaker.importing.columns import normalise_header
from matchmaker.importing.readers import SourceTable, read_table
from matchmaker.importing.validate import RowIssue
from matchmaker.runtime import Runtime
from matchmaker.services.contract_input import FIELDS, LABELS, ContractInput, parse_contract
from matchmaker.services.errors import ServiceError, ValidationError
from matchmaker.services.imports import ImportAborted, ImportReport
from models import Contract, Organization, Region, RegistrationSequence, record_audit
from models.base import CHINA_TZ
from models.db import begin_write
from models.enums import CONTRACT_TYPE_LABELS, IP_TYPE_LABELS, PARTY_NATURE_LABELS, ContractStatus

IMPORTER = "import"  # submitted_by and registered_by of imported contracts
CONTRACT_FIELDS = tuple(name for name in FIELDS if name != "deal_id")
ORDER = ("registration_number", *CONTRACT_FIELDS, "registered_on")
COLUMN_LABELS = {**LABELS, "registration_number": "合同登记编号", "registered_on": "登记日期"}
HEADERS: dict[str, tuple[str, ...]] = {
    **{name: (name, LABELS[name]) for name in CONTRACT_FIELDS},
    "registration_number": ("registration_number", "合同登记编号", "登记编号"),
    "registered_on": ("registered_on", "登记日期"),
}
REQUIRED_COLUMNS = ("registration_number", *CONTRACT_FIELDS[:13], "registered_on")
_ALIASES = {normalise_header(alias): name for name, aliases in HEADERS.items() for alias in aliases}
_CHOICE_LABELS = {
    "contract_type": CONTRACT_TYPE_LABELS,
    "ip_type": IP_TYPE_LABELS,
    "buyer_nature": PARTY_NATURE_LABELS,
    "seller_nature": PARTY_NATURE_LABELS,
}
_NUMBER = re.compile(r"[0-9]{16}")
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")


@dataclass(frozen=True)
class ContractRow:
    """A valid row: its number in the file, the contract fields, its registration number and date."""

    row: int
    data: ContractInput
    registration_number: str
    registered_on: dt.date


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def _is_header(row: list[str]) -> bool:
    return any(_ALIASES.get(normalise_header(cell)) == "registration_number" for cell in row)


def _choice(value: str, labels: dict[str, str]) -> str:
    """The code for a code or a Chinese label (full- or half-width brackets); else the text as given."""
    key = _norm(value)
    return next((code for code, label in labels.items() if key in (code, _norm(label))), value)


def _iso_date(value: str) -> str:
    """The usual full-date spellings (2024/3/5, 2024.03.05, 2024年3月5日, 20240305) as ISO; else unchanged."""
    text = _norm(value)
    formats = (*_DATE_FORMATS, "%Y%m%d") if re.fullmatch(r"[0-9]{8}", text) else _DATE_FORMATS
    for fmt in formats:
        try:
            return dt.datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return value


def _map_headers(table: SourceTable, report: ImportReport) -> dict[str, str]:
    """{file header: field}; file-level problems go to ``report.errors`` (row 0)."""
    mapping: dict[str, str] = {}
    unknown: list[str] = []
    for header in table.headers:
        name = _ALIASES.get(normalise_header(header))
        if name is None:
            if header.strip():
                unknown.append(header)
        elif name in mapping.values():
            first = next(h for h, n in mapping.items() if n == name)
            report.errors.append(RowIssue(0, name, header, f"列“{first}”和“{header}”都对应{COLUMN_LABELS[name]}"))
        else:
            mapping[header] = name
    if unknown:
        report.warnings.append(RowIssue(0, "", "", f"忽略未识别的列：{'、'.join(unknown)}"))
    missing = [COLUMN_LABELS[name] for name in REQUIRED_COLUMNS if name not in mapping.values()]
    if missing:
        report.errors.append(RowIssue(0, "", "", f"缺少必需的列：{'、'.join(missing)}"))
    return mapping


def _number_error(session: Session, number: str, seen: dict[str, int], in_db: set[str]) -> str:
    """What is wrong with a 合同登记编号, or ""."""
    if not number:
        return "请填写合同登记编号"
    if not _NUMBER.fullmatch(number):
        return f"合同登记编号须为 16 位数字（Excel 中请设为文本格式）：{number!r}"
    if number in seen:
        return f"与第 {seen[number]} 行的合同登记编号重复：{number}"
    if number in in_db:
        return f"合同登记编号 {number} 已存在于系统中"
    if session.get(Region, number[4:10]) is None:
        return f"合同登记编号第 5–10 位（登记机构）{number[4:10]} 不是有效的行政区划代码"
    return f"合同登记编号的顺序号不能为 000000：{number}" if number.endswith("000000") else ""


def _date_or_error(text: str, field: str, errors: dict[str, str]) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        errors.setdefault(field, f"{COLUMN_LABELS[field]}不是有效日期：{text!r}（YYYY-MM-DD）")
        return None


def _check_row(
    session: Session, cells: dict[str, str], today: dt.date, seen: dict[str, int], in_db: set[str]
) -> tuple[dict[str, str], ContractInput | None, dt.date | None]:
    """Every error of one row by field, the parsed contract and the registration date."""
    errors: dict[str, str] = {}
    values: dict[str, str] = {name: cells.get(name, "") for name in CONTRACT_FIELDS}
    for name, labels in _CHOICE_LABELS.items():
        values[name] = _choice(values[name], labels)
    for name in ("signed_on", "valid_from", "valid_to"):
        values[name] = _iso_date(values[name])
    for name in ("total_amount", "tech_transaction_amount", "buyer_region_code", "seller_region_code"):
        values[name] = _norm(values[name])  # full-width digits of old registers
    for name in ("total_amount", "tech_transaction_amount"):
        if not values[name].strip():
            errors[name] = f"请填写{LABELS[name]}（元）"
    data = None
    try:
        data = parse_contract(values, today=today)
    except ValidationError as exc:
        errors = {**exc.errors, **errors}
    for name in ("buyer_region_code", "seller_region_code"):
        if name not in errors and session.get(Region, values[name].strip()) is None:
            errors[name] = f"行政区划代码 {values[name].strip()} 不存在"
    number = _norm(cells.get("registration_number", ""))
    if message := _number_error(session, number, seen, in_db):
        errors["registration_number"] = message
    signed_on = _date_or_error(values["signed_on"], "signed_on", {})
    registered_on = _date_or_error(_iso_date(cells.get("registered_on", "")), "registered_on", errors)
    if registered_on is None:
        errors.setdefault("registered_on", "请填写登记日期")
    elif registered_on > today:
        errors["registered_on"] = "登记日期不能晚于今天"
    elif signed_on and registered_on < signed_on:
        errors["registered_on"] = f"登记日期不能早于签订日期（{signed_on.isoformat()}）"
    elif "registration_number" not in errors and number[:4] != f"{registered_on.year:04d}":
        errors["registration_number"] = f"合同登记编号的年份 {number[:4]} 与登记日期 {registered_on} 不一致"
    return errors, data, registered_on


def validate_contracts(
    session: Session, table: SourceTable, mapping: dict[str, str], today: dt.date, report: ImportReport
) -> list[ContractRow]:
    """Check every row; errors go to ``report.errors`` in file order, the valid rows are returned."""
    column = next(h for h, name in mapping.items() if name == "registration_number")
    numbers = sorted({n for s in table.rows if _NUMBER.fullmatch(n := _norm(str(s.cells.get(column, ""))))})
    in_db: set[str] = set()
    for i in range(0, len(numbers), 500):
        chunk = Contract.registration_number.in_(numbers[i : i + 500])
        in_db.update(n for n in session.scalars(select(Contract.registration_number).where(chunk)) if n)
    rows: list[ContractRow] = []
    seen: dict[str, int] = {}
    for source in table.rows:
        cells = {mapping[h]: str(v) for h, v in source.cells.items() if h in mapping}
        errors, data, registered_on = _check_row(session, cells, today, seen, in_db)
        number = _norm(cells.get("registration_number", ""))
        seen.setdefault(number, source.number)
        for name in sorted(errors, key=lambda n: ORDER.index(n) if n in ORDER else len(ORDER)):
            report.errors.append(RowIssue(source.number, name, COLUMN_LABELS.get(name, name), errors[name]))
        if errors:
            report.skipped += 1
        else:
            assert data is not None and registered_on is not None
            rows.append(ContractRow(source.number, data, number, registered_on))
    return rows


def raise_sequences(session: Session, rows: list[ContractRow]) -> dict[str, int]:
    """Raise each (office, year) sequence to at least its highest imported number; returns them as "office/year"."""
    highest: dict[tuple[str, int], int] = {}
    for row in rows:
        key = (row.registration_number[4:10], int(row.registration_number[:4]))
        highest[key] = max(highest.get(key, 0), int(row.registration_number[10:]))
    insert = postgresql.insert if session.connection().dialect.name == "postgresql" else sqlite.insert
    for (office, year), value in sorted(highest.items()):
        stmt = insert(RegistrationSequence).values(office_code=office, year=year, last_value=value)
        bigger = case(
            (RegistrationSequence.last_value < stmt.excluded.last_value, stmt.excluded.last_value),
            else_=RegistrationSequence.last_value,
        )
        session.execute(stmt.on_conflict_do_update(index_elements=["office_code", "year"], set_={"last_value": bigger}))
    return {f"{office}/{year}": value for (office, year), value in sorted(highest.items())}


def write_contracts(session: Session, rows: list[ContractRow], actor: str, source: str) -> list[Contract]:
    """Add the rows as registered contracts with their audit events (the caller commits)."""
    begin_write(session)
    sequences = raise_sequences(session, rows)
    names = {name for row in rows for name in (row.data.buyer_name, row.data.seller_name)}
    org_ids = {name: id_ for name, id_ in session.execute(select(Organization.name, Organization.id)) if name in names}
    contracts = [
        Contract(
            **row.data.values(),
            registration_number=row.registration_number,
            amendment_no=0,
            buyer_organization_id=org_ids.get(row.data.buyer_name),
            seller_organization_id=org_ids.get(row.data.seller_name),
            status=ContractStatus.REGISTERED,
            office_code=row.registration_number[4:10],
            submitted_by=IMPORTER,
            registered_by=IMPORTER,
            registered_at=dt.datetime.combine(row.registered_on, dt.time(), CHINA_TZ).astimezone(dt.UTC),
        )
        for row in rows
    ]
    session.add_all(contracts)
    session.flush()
    for contract in contracts:
        record_audit(session, actor, "contract.import", "contract", contract.id, None, contract.snapshot())
    total = sum((c.total_amount for c in contracts), Decimal(0))
    summary = {"file": source, "contracts": len(contracts), "total_amount": f"{total:.2f}", "sequences": sequences}
    record_audit(session, actor, "contract.import_file", "contract_import", source, None, summary)
    return contracts


def import_contracts(
    runtime: Runtime, path: str | Path, *, dry_run: bool = False, actor: str = IMPORTER, today: dt.date | None = None
) -> ImportReport:
    """Validate and import a contract register; raises ImportAborted (nothing written) on any error.

    ``today`` (default: the date in China) bounds 签订日期 and 登记日期. Raises ImportFileError
    when the file itself cannot be read.
    """
    table = read_table(path, _is_header)
    report = ImportReport(kind="contract", path=str(path), total=len(table.rows), dry_run=dry_run)
    mapping = _map_headers(table, report)
    if report.errors:
        raise ImportAborted(report)
    today = today or dt.datetime.now(CHINA_TZ).date()
    with runtime.session_factory() as session:
        rows = validate_contracts(session, table, mapping, today, report)
        report.valid = len(rows)
        if report.errors:
            raise ImportAborted(report)
        if dry_run:
            return report
        try:
            write_contracts(session, rows, actor, Path(path).name)
            session.commit()
        except SQLAlchemyError as exc:
            session.rollback()
            raise ServiceError(f"写入数据库失败，未导入任何数据：{exc.__class__.__name__}: {exc}") from exc
    report.written = True
    report.outcomes["created"] = len(rows)
    return report


__all__ = ["ContractRow", "import_contracts", "validate_contracts", "write_contracts"]
