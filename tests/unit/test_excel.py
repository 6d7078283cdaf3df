"""The workbook writer: formula-like text neutralised, exact money, valid sheet titles, bold headers."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from matchmaker.services.excel import EMPTY_TABLE_TEXT, neutralise, sheet_title, write_tables

HYPERLINK = '=HYPERLINK("http://x","点我")'


def _open(data: bytes) -> Workbook:
    return load_workbook(io.BytesIO(data))


@pytest.mark.parametrize(
    "text", [HYPERLINK, "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "=", "=cmd|' /C calc'!A0", "-免费-"]
)
def test_text_that_could_be_a_formula_gets_an_apostrophe(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["技术转让", "合计", "a=b", " =1", "'quoted", "", "1+1", "＝全角"])
def test_other_text_is_unchanged(text: str) -> None:
    assert neutralise(text) == text


@pytest.mark.parametrize("value", [None, 3, -3, Decimal("-1.50"), 2.5, True, dt.date(2026, 1, 1)])
def test_values_other_than_text_are_unchanged(value: Any) -> None:
    assert neutralise(value) == value and type(neutralise(value)) is type(value)


def test_characters_xml_cannot_hold_are_removed_before_the_check() -> None:
    assert neutralise("\x01=1+1") == "'=1+1"  # removing \x01 must not uncover a formula
    assert neutralise("a\x00b\x1fc") == "abc"


def test_sheet_titles_are_valid_unique_and_at_most_31_characters() -> None:
    assert sheet_title("技术输出（按合同类型）") == "技术输出（按合同类型）"
    assert sheet_title("a/b:c*d?e[f]g\\h") == "a_b_c_d_e_f_g_h"
    long = "很长的表名" * 10
    first = sheet_title(long)
    second = sheet_title(long, [first])
    assert len(first) == 31 and len(second) == 31 and first != second and second.endswith("(2)")
    assert sheet_title("Sheet", ["sheet"]) == "Sheet(2)"  # Excel compares titles case-insensitively
    assert sheet_title("'引号'") == "引号"


def test_one_sheet_per_table_with_bold_headers_and_exact_money() -> None:
    tables = {
        "概况": [{"指标": "合同成交额（元）", "数值": Decimal("10006444.94")}, {"指标": "合同数（项）", "数值": 4}],
        "转化漏斗": [
            {"环节": "匹配推荐", "数量": 12, "转化率": None},
            {"环节": "对接", "数量": 3, "转化率": Decimal("0.25")},
        ],
        "极小": [{"金额（元）": Decimal("0.01")}, {"金额（元）": Decimal("9999999999999.99")}],
    }
    book = _open(write_tables(tables, {"转化率": "0.00%"}))
    assert book.sheetnames == ["概况", "转化漏斗", "极小"]
    sheet = book["概况"]
    assert [c.value for c in sheet[1]] == ["指标", "数值"] and all(c.font.bold for c in sheet[1])
    money = sheet["B2"]
    assert money.data_type == "n" and Decimal(str(money.value)) == Decimal("10006444.94")
    assert money.number_format == "#,##0.00"
    assert sheet["B3"].value == 4 and sheet["B3"].number_format == "General"
    funnel = book["转化漏斗"]
    assert funnel["C2"].value is None and funnel["C3"].number_format == "0.00%" and funnel["C3"].value == 0.25
    tiny = book["极小"]
    assert Decimal(str(tiny["A2"].value)) == Decimal("0.01")
    assert Decimal(str(tiny["A3"].value)) == Decimal("9999999999999.99")  # 15 digits: still exact as a number
    assert sheet.freeze_panes == "A2"


def test_more_digits_than_a_double_holds_are_kept_as_exact_text() -> None:
    book = _open(write_tables({"t": [{"金额": Decimal("12345678901234567.89")}]}))
    cell = book["t"]["A2"]
    assert cell.value == "12345678901234567.89" and cell.data_type == "s"


def test_formula_like_text_is_stored_as_a_string_never_as_a_formula() -> None:
    rows = [{"技术领域": HYPERLINK, "单位": "+1", "备注": "@x", "正常": "技术转让"}, {"技术领域": "-1", "单位": "\t=2"}]
    data = write_tables({"注入": rows, "=表头": [{"=A1": "=B1"}]})
    book = _open(data)
    sheet = book["注入"]
    for cell in (sheet["A2"], sheet["B2"], sheet["C2"], sheet["A3"], sheet["B3"]):
        assert cell.data_type == "s" and str(cell.value).startswith("'")
    assert sheet["A2"].value == "'" + HYPERLINK and sheet["D2"].value == "技术转让"
    header_sheet = book["=表头"]
    assert header_sheet["A1"].value == "'=A1" and header_sheet["A2"].value == "'=B1"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets and not any(b"<f>" in archive.read(n) or b"<f " in archive.read(n) for n in sheets)


def test_missing_keys_empty_tables_dates_and_columns_in_first_seen_order() -> None:
    tables: dict[str, list[dict[str, Any]]] = {
        "年度目标": [],
        "混合": [{"a": 1, "b": dt.date(2026, 3, 31)}, {"c": "x", "a": 2}],
    }
    book = _open(write_tables(tables))
    assert book["年度目标"]["A1"].value == EMPTY_TABLE_TEXT
    mixed = book["混合"]
    assert [c.value for c in mixed[1]] == ["a", "b", "c"]
    assert mixed["B2"].number_format == "yyyy-mm-dd" and mixed["B2"].value.date() == dt.date(2026, 3, 31)
    assert mixed["B3"].value is None and mixed["C3"].value == "x"


def test_no_tables_still_make_a_valid_workbook() -> None:
    assert len(_open(write_tables({})).sheetnames) == 1
