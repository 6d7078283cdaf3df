"""Import of past contract registers (历史技术合同登记台账): formats, exact money, all-or-nothing, numbering, CLI."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from matchmaker.cli import main
from matchmaker.policy import Actor
from matchmaker.runtime import Runtime
from matchmaker.services.accounts import create_user
from matchmaker.services.contract_import import import_contracts
from matchmaker.services.contract_input import parse_contract
from matchmaker.services.contracts import register_contract, submit_contract
from matchmaker.services.imports import ImportAborted
from matchmaker.services.organizations import get_or_create_organization
from models import AuditEvent, Contract, RegistrationSequence
from models.base import CHINA_TZ
from tests.factories import contract_body

TODAY = dt.date(2025, 12, 31)
BUREAU = Actor("bureau1", "bureau", jurisdiction_code="140600")  # 朔州市
BROKER = Actor("broker1", "broker")
HEADER = [
    "合同登记编号",
    "项目名称",
    "合同类型",
    "技术领域",
    "知识产权类型",
    "买方名称",
    "买方行政区划代码",
    "买方性质",
    "卖方名称",
    "卖方行政区划代码",
    "卖方性质",
    "合同成交额(元)",
    "技术交易额(元)",
    "签订日期",
    "有效期起",
    "有效期止",
    "登记日期",
]


def row(number: str = "2025140600000001", **overrides: Any) -> list[Any]:
    """One register line in HEADER order, with Chinese labels; overrides by glossary name."""
    values: dict[str, Any] = {
        "registration_number": number,
        "project_name": "煤矸石制备陶瓷透水砖技术转让",
        "contract_type": "技术转让",
        "tech_field": "新材料",
        "ip_type": "发明专利",
        "buyer_name": "怀仁市金沙陶瓷有限公司",
        "buyer_region_code": "140681",
        "buyer_nature": "企业",
        "seller_name": "太原理工大学",
        "seller_region_code": "140105",
        "seller_nature": "高等院校",
        "total_amount": "1250000.50",
        "tech_transaction_amount": "1000000.25",
        "signed_on": "2025-03-01",
        "valid_from": "2025-03-01",
        "valid_to": "2027-02-28",
        "registered_on": "2025-03-05",
    }
    values.update(overrides)
    return list(values.values())


def write_csv(path: Path, rows: list[list[Any]], encoding: str = "utf-8", header: list[str] = HEADER) -> Path:
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[Any]]) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["2025年技术合同登记台账"])  # a banner row above the header: rows are numbered as in the sheet
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def count(runtime: Runtime, model: type) -> int:
    with runtime.session_factory() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def contracts(runtime: Runtime) -> dict[str, Contract]:
    with runtime.session_factory() as session:
        return {c.registration_number or "": c for c in session.scalars(select(Contract))}


def sequences(runtime: Runtime) -> dict[tuple[str, int], int]:
    with runtime.session_factory() as session:
        return {(s.office_code, s.year): s.last_value for s in session.scalars(select(RegistrationSequence))}


def test_utf8_csv_with_chinese_headers_becomes_registered_contracts(runtime: Runtime, tmp_path: Path) -> None:
    with runtime.session_factory() as session:
        seller, _ = get_or_create_organization(session, "太原理工大学", "university", "140105", "", "test")
        session.commit()
    path = write_csv(
        tmp_path / "台账.csv",
        [
            row("2025140600000007"),
            row("2025140600000003", contract_type="技术开发（委托）", buyer_nature="enterprise", ip_type="none"),
            row("2024140100000012", signed_on="2024-06-30", valid_from="", valid_to="", registered_on="2024-07-01"),
        ],
        encoding="utf-8-sig",
    )
    report = import_contracts(runtime, path, today=TODAY)
    assert report.written and report.outcomes == {"created": 3} and not report.errors
    found = contracts(runtime)
    c = found["2025140600000007"]
    assert (c.status, c.amendment_no, c.office_code) == ("registered", 0, "140600")
    assert (c.submitted_by, c.registered_by, c.deal_id) == ("import", "import", None)
    assert c.registered_at == dt.datetime(2025, 3, 5, tzinfo=CHINA_TZ)  # 00:00 China time
    assert c.total_amount == Decimal("1250000.50") and c.tech_transaction_amount == Decimal("1000000.25")
    assert (c.contract_type, c.ip_type, c.buyer_nature, c.seller_nature) == (
        "transfer",
        "invention_patent",
        "enterprise",
        "university",
    )
    assert (c.buyer_organization_id, c.seller_organization_id) == (None, seller.id)  # exact name, never created
    assert found["2025140600000003"].contract_type == "development_commissioned"
    assert found["2024140100000012"].office_code == "140100" and found["2024140100000012"].valid_from is None
    with runtime.session_factory() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action.startswith("contract.")).order_by(AuditEvent.id)
        ).all()
    assert [e.action for e in events] == ["contract.import"] * 3 + ["contract.import_file"]
    assert events[0].actor == "import" and events[0].after and events[0].after["total_amount"] == "1250000.50"
    assert events[-1].after == {
        "file": "台账.csv",
        "contracts": 3,
        "total_amount": "3750001.50",
        "sequences": {"140100/2024": 12, "140600/2025": 7},
    }
    assert sequences(runtime) == {("140600", 2025): 7, ("140100", 2024): 12}


def test_gbk_csv_with_half_width_labels_and_chinese_dates(runtime: Runtime, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "gbk.csv",
        [
            row(
                contract_type="技术开发(合作)",
                ip_type="计算机软件著作权",
                seller_nature="科研机构",
                signed_on="2025/3/1",
                valid_from="2025.03.01",
                valid_to="20270228",
                registered_on="2025年3月5日",
            )
        ],
        encoding="gbk",
    )
    assert import_contracts(runtime, path, today=TODAY).outcomes == {"created": 1}
    c = contracts(runtime)["2025140600000001"]
    assert (c.contract_type, c.ip_type, c.seller_nature) == (
        "development_cooperative",
        "software_copyright",
        "institute",
    )
    assert (c.signed_on, c.valid_from, c.valid_to) == (dt.date(2025, 3, 1), dt.date(2025, 3, 1), dt.date(2027, 2, 28))
    assert c.buyer_name == "怀仁市金沙陶瓷有限公司"


def test_full_width_digits_and_an_open_ended_validity(runtime: Runtime, tmp_path: Path) -> None:
    """Registers typed on Chinese keyboards carry full-width digits; 9999-12-31 means 长期有效."""
    full_width = {
        "total_amount": "１２５００００．５０",
        "seller_region_code": "１４０１０５",
        "valid_to": "9999-12-31",
    }
    path = write_csv(tmp_path / "wide.csv", [row(**full_width)])
    assert import_contracts(runtime, path, today=TODAY).outcomes == {"created": 1}
    c = contracts(runtime)["2025140600000001"]
    assert (c.total_amount, c.seller_region_code, c.valid_to) == (
        Decimal("1250000.50"),
        "140105",
        dt.date(9999, 12, 31),
    )


def test_json_lines_with_the_glossary_flat_names(runtime: Runtime, tmp_path: Path) -> None:
    body = {
        **contract_body(signed_on="2025-01-02", valid_from="2025-01-02", valid_to="2026-01-01"),
        "registration_number": "2025140600000002",
        "registered_on": "2025-01-03",
    }
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps(body, ensure_ascii=False) + "\n", encoding="utf-8")
    assert import_contracts(runtime, path, today=TODAY).outcomes == {"created": 1}
    assert contracts(runtime)["2025140600000002"].total_amount == Decimal("1250000.50")


def test_xlsx_numeric_and_text_amount_cells_are_exact(runtime: Runtime, tmp_path: Path) -> None:
    """Numbers arrive as int, or as a float whose shortest text has at most two decimals; never via arithmetic."""
    path = write_xlsx(
        tmp_path / "t.xlsx",
        [
            row("2025140600000001", total_amount=300000, tech_transaction_amount=300000, buyer_region_code=140681),
            row("2025140600000002", total_amount=1250000.5, tech_transaction_amount=0.1, signed_on=dt.date(2025, 3, 1)),
            row("2025140600000003", total_amount=12345678901.23, tech_transaction_amount="88000.10"),
            row(
                2025140600000004,
                total_amount=9999999999999.99,
                tech_transaction_amount=0,
                registered_on=dt.date(2025, 3, 5),
            ),
        ],
    )
    assert import_contracts(runtime, path, today=TODAY).outcomes == {"created": 4}
    found = contracts(runtime)
    assert [(str(c.total_amount), str(c.tech_transaction_amount)) for _, c in sorted(found.items())] == [
        ("300000.00", "300000.00"),
        ("1250000.50", "0.10"),
        ("12345678901.23", "88000.10"),
        ("9999999999999.99", "0.00"),
    ]


def test_xlsx_float_cells_with_more_than_two_decimals_are_refused(runtime: Runtime, tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "t.xlsx",
        [
            row("2025140600000001"),
            row("2025140600000002", total_amount=12.345, tech_transaction_amount=10),
            row("2025140600000003", total_amount=100, tech_transaction_amount=1 / 3),
            row("2025140600000004", total_amount=100, tech_transaction_amount=0.25),
        ],
    )
    # Excel stores a computed 0.1 + 0.2 with 17 significant digits (openpyxl would write 15): patch the sheet.
    with zipfile.ZipFile(path) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet].replace(b"<v>0.25</v>", b"<v>0.30000000000000004</v>")
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    with pytest.raises(ImportAborted) as caught:
        import_contracts(runtime, path, today=TODAY)
    errors = caught.value.report.errors
    assert [(e.row, e.field) for e in errors] == [
        (4, "total_amount"),
        (5, "tech_transaction_amount"),
        (6, "tech_transaction_amount"),
    ]
    assert "'12.345'" in errors[0].message
    assert "'0.3333333333333333'" in errors[1].message and "'0.30000000000000004'" in errors[2].message
    assert count(runtime, Contract) == 0


BAD_ROWS = [
    ({"total_amount": "12.345"}, "total_amount", "合同成交额"),
    ({"total_amount": "1,250,000.50"}, "total_amount", "合同成交额"),
    ({"total_amount": ""}, "total_amount", "合同成交额"),
    ({"tech_transaction_amount": "1250000.51"}, "tech_transaction_amount", "技术交易额"),
    ({"buyer_region_code": "149999"}, "buyer_region_code", "买方行政区划代码"),
    ({"seller_region_code": "1406"}, "seller_region_code", "卖方行政区划代码"),
    ({"contract_type": "技术买卖"}, "contract_type", "合同类型"),
    ({"signed_on": "2026-01-01"}, "signed_on", "签订日期"),  # and so 登记日期 is before it
    ({"registered_on": "2026-01-01"}, "registered_on", "登记日期"),
    ({"registered_on": "2025-02-28"}, "registered_on", "登记日期"),
    ({"registered_on": ""}, "registered_on", "登记日期"),
    ({"registered_on": "2025-02-30"}, "registered_on", "登记日期"),
    ({"registration_number": "2025140600000001"}, "registration_number", "合同登记编号"),  # same as row 2
    ({"registration_number": "202514060000003"}, "registration_number", "合同登记编号"),
    ({"registration_number": "2.02514E+15"}, "registration_number", "合同登记编号"),
    ({"registration_number": "2025999999000003"}, "registration_number", "合同登记编号"),  # no such office
    ({"registration_number": "2025140600000000"}, "registration_number", "合同登记编号"),
    ({"registration_number": "2024140600000003"}, "registration_number", "合同登记编号"),  # year ≠ 登记日期
]


@pytest.mark.parametrize(("bad", "field", "label"), BAD_ROWS)
def test_one_bad_row_imports_nothing_and_names_row_and_field(
    runtime: Runtime, tmp_path: Path, bad: dict[str, str], field: str, label: str
) -> None:
    lines = [
        row("2025140600000001"),
        row("2025140600000002"),
        row(**{"registration_number": "2025140600000003", **bad}),
    ]
    path = write_csv(tmp_path / "bad.csv", [*lines, row("2025140600000004")])
    with pytest.raises(ImportAborted) as caught:
        import_contracts(runtime, path, today=TODAY)
    report = caught.value.report
    assert [(e.row, e.field) for e in report.errors][:1] == [(4, field)]
    assert {(e.row, e.field) for e in report.errors[1:]} <= ({(4, "registered_on")} if field == "signed_on" else set())
    assert str(report.errors[0]).startswith(f"第 4 行「{label}」")
    assert (report.total, report.valid, report.skipped, report.written) == (4, 3, 1, False)
    assert count(runtime, Contract) == count(runtime, AuditEvent) == count(runtime, RegistrationSequence) == 0


def test_every_bad_row_is_reported_at_once(runtime: Runtime, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "bad.csv",
        [
            row("2025140600000001", total_amount="12.345", buyer_region_code="999999"),
            row("2025140600000002"),
            row("2025140600000001", registered_on="2025-12-31", signed_on="2026-01-02"),
        ],
    )
    with pytest.raises(ImportAborted) as caught:
        import_contracts(runtime, path, today=TODAY)
    assert [(e.row, e.column) for e in caught.value.report.errors] == [
        (2, "买方行政区划代码"),
        (2, "合同成交额"),
        (4, "合同登记编号"),
        (4, "签订日期"),
        (4, "登记日期"),
    ]
    assert "与第 2 行的合同登记编号重复" in caught.value.report.errors[2].message


def test_missing_and_duplicate_columns_are_file_errors(runtime: Runtime, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "m.csv", [row()[:-1]], header=HEADER[:-1])
    with pytest.raises(ImportAborted) as caught:
        import_contracts(runtime, path, today=TODAY)
    assert [str(e) for e in caught.value.report.errors] == ["文件：缺少必需的列：登记日期"]
    path = write_csv(tmp_path / "d.csv", [[*row(), "2025140600000009"]], header=[*HEADER, "registration_number"])
    with pytest.raises(ImportAborted) as caught:
        import_contracts(runtime, path, today=TODAY)
    assert caught.value.report.errors[0].row == 0 and "都对应合同登记编号" in caught.value.report.errors[0].message


def test_numbers_already_in_the_database_are_refused(runtime: Runtime, tmp_path: Path) -> None:
    import_contracts(runtime, write_csv(tmp_path / "a.csv", [row("2025140600000001")]), today=TODAY)
    path = write_csv(tmp_path / "b.csv", [row("2025140600000002"), row("2025140600000001")])
    with pytest.raises(ImportAborted) as caught:
        import_contracts(runtime, path, today=TODAY)
    assert [(e.row, e.field) for e in caught.value.report.errors] == [(3, "registration_number")]
    assert "2025140600000001 已存在" in caught.value.report.errors[0].message
    assert set(contracts(runtime)) == {"2025140600000001"}


def test_dry_run_validates_only(runtime: Runtime, tmp_path: Path) -> None:
    report = import_contracts(runtime, write_csv(tmp_path / "a.csv", [row()]), dry_run=True, today=TODAY)
    assert (report.valid, report.dry_run, report.written) == (1, True, False)
    assert count(runtime, Contract) == count(runtime, AuditEvent) == count(runtime, RegistrationSequence) == 0


def _bureau(runtime: Runtime) -> None:
    with runtime.session_factory() as session:
        for actor in (BUREAU, BROKER):
            create_user(
                session,
                username=actor.username,
                password="a-long-password",
                role=str(actor.role),
                jurisdiction_code=actor.jurisdiction_code,
            )
        session.commit()


def _register_one(runtime: Runtime, today: dt.date) -> str:
    with runtime.session_factory() as session:
        body = contract_body(signed_on=today.isoformat(), valid_from="", valid_to="")
        contract = submit_contract(session, BROKER, parse_contract(body, today=today))
        session.flush()
        register_contract(session, BUREAU, contract.id)
        session.commit()
        return contract.registration_number or ""


def _sequence_is_raised(runtime: Runtime, tmp_path: Path) -> None:
    _bureau(runtime)
    today = dt.datetime.now(CHINA_TZ).date()  # register_contract numbers in the current China year
    year = today.year
    first = _register_one(runtime, today)
    assert first == f"{year}140600000001"
    path = write_csv(
        tmp_path / "a.csv",
        [
            row(f"{year}140600000041", signed_on=today, valid_from="", valid_to="", registered_on=today),
            row(f"{year}140600000007", signed_on=today, valid_from="", valid_to="", registered_on=today),
        ],
    )
    import_contracts(runtime, path, today=today)
    assert sequences(runtime)[("140600", year)] == 41
    assert _register_one(runtime, today) == f"{year}140600000042"
    # Importing lower numbers never lowers the sequence.
    lower = [row(f"{year}140600000020", signed_on=today, valid_from="", valid_to="", registered_on=today)]
    import_contracts(runtime, write_csv(tmp_path / "b.csv", lower), today=today)
    assert sequences(runtime)[("140600", year)] == 42
    assert _register_one(runtime, today) == f"{year}140600000043"


def test_sequence_is_raised_so_later_registrations_never_collide(runtime: Runtime, tmp_path: Path) -> None:
    _sequence_is_raised(runtime, tmp_path)


@pytest.mark.postgres
def test_sequence_is_raised_on_postgresql(pg_runtime: Runtime, tmp_path: Path) -> None:
    _sequence_is_raised(pg_runtime, tmp_path)


def test_cli_import_contracts(runtime: Runtime, tmp_path: Path) -> None:
    good = write_csv(tmp_path / "good.csv", [row("2025140600000001"), row("2025140600000002")])
    dry = CliRunner().invoke(main, ["import", "contracts", str(good), "--dry-run"], obj=runtime)
    assert dry.exit_code == 0, dry.output
    assert "共 2 行，有效 2 行，错误 0 处" in dry.stdout and "试运行" in dry.stdout
    assert count(runtime, Contract) == 0
    result = CliRunner().invoke(main, ["import", "contracts", str(good)], obj=runtime)
    assert result.exit_code == 0, result.output
    assert "created 2" in result.stdout and count(runtime, Contract) == 2
    bad = write_csv(tmp_path / "bad.csv", [row("2025140600000003"), row("2025140600000004", total_amount="12.345")])
    failed = CliRunner().invoke(main, ["import", "contracts", str(bad)], obj=runtime)
    assert failed.exit_code == 1
    assert "第 3 行「合同成交额」（total_amount）" in failed.stderr and "未导入任何数据" in failed.stderr
    assert count(runtime, Contract) == 2
    refused = CliRunner().invoke(main, ["import", "contracts", str(good), "--skip-invalid"], obj=runtime)
    assert refused.exit_code == 2 and "--skip-invalid" in refused.output
