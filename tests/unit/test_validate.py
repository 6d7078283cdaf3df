from typing import Any

import pytest

from matchmaker.importing.readers import SourceRow, SourceTable
from matchmaker.importing.validate import validate_table
from models.organization import credit_code_check_char


def table(headers: list[str], *rows: list[Any]) -> SourceTable:
    return SourceTable(
        headers, [SourceRow(i + 2, dict(zip(headers, r, strict=True))) for i, r in enumerate(rows)], "csv"
    )


def test_chinese_headers_map_to_glossary_fields() -> None:
    t = table(
        [
            "编号",
            "需求名称",
            "需求概述",
            "所属领域",
            "所在地区",
            "单位名称",
            "解决方式",
            "拟投入资金（万元）",
            "联系人",
        ],
        ["N1", "焦炉煤气制氢", "提纯氢气", "新能源与节能", "孝义市", "鹏飞焦化", "合作研发", "300", "王工"],
    )
    result = validate_table("need", t)
    assert not result.errors
    values = result.rows[0].values
    assert values["external_id"] == "N1"
    assert values["problem"] == "提纯氢气"
    assert str(values["budget"]) == "3000000.00"
    assert values["solution_modes"] == ["cooperative"]


def test_english_keys_for_achievements() -> None:
    t = table(
        ["id", "title", "description", "maturity", "cooperation_modes", "price", "industry"],
        ["A1", "镁合金", "简介", "产业化", "转让、许可", "面议", "新材料、装备制造"],
    )
    result = validate_table("achievement", t)
    values = result.rows[0].values
    assert values["summary"] == "简介"
    assert values["maturity"] == "industrial"
    assert values["cooperation_modes"] == ["transfer", "license"]
    assert values["price"] is None and values["price_negotiable"] is True
    assert values["industries"] == ["新材料", "装备制造"]


@pytest.mark.parametrize(
    ("header", "value", "field", "fragment"),
    [
        ("需求名称", "", "title", "不能为空"),
        ("需求名称", "长" * 201, "title", "过长"),
        ("关键词", "a、b、c、d、e、f", "keywords", "最多 5 个"),
        ("拟投入资金", "五十万", "budget", "不是有效金额"),
        ("拟投入资金", "-3", "budget", "负数"),
        ("有效期", "明年", "valid_until", "日期"),
        ("编号", "N 1 with spaces", "external_id", "编号"),
        ("需求概述", "长" * 1501, "problem", "1500"),
    ],
)
def test_need_row_errors_name_row_and_field(header: str, value: str, field: str, fragment: str) -> None:
    headers = ["编号", "需求名称", "关键词", "拟投入资金", "有效期", "需求概述"]
    row = {"编号": "N1", "需求名称": "煤矸石", "关键词": "", "拟投入资金": "", "有效期": "", "需求概述": ""}
    row[header] = value
    result = validate_table("need", table(headers, [row[h] for h in headers]))
    assert result.errors, "expected an error"
    issue = result.errors[0]
    assert issue.row == 2
    assert issue.field == field
    assert fragment in issue.message
    assert header in str(issue) and "第 2 行" in str(issue)
    assert not result.rows


def test_achievement_price_and_summary_errors() -> None:
    t = table(["成果名称", "价格", "成果简介"], ["a", "八十", "ok"], ["b", "80", "长" * 2001])
    result = validate_table("achievement", t)
    assert [(e.row, e.field) for e in result.errors] == [(2, "price"), (3, "summary")]


def test_duplicate_ids_are_errors() -> None:
    t = table(["id", "title"], ["N1", "a"], ["N1", "b"])
    result = validate_table("need", t)
    assert [(e.row, e.field) for e in result.errors] == [(3, "external_id")]
    assert "第 2 行" in result.errors[0].message


def test_missing_title_column_is_a_file_error() -> None:
    result = validate_table("need", table(["编号", "内容"], ["N1", "x"]))
    assert result.errors[0].row == 0
    assert "title" in result.errors[0].field


def test_unknown_columns_and_missing_ids_are_warnings() -> None:
    result = validate_table("need", table(["需求名称", "备注"], ["a", "x"]))
    assert not result.errors
    messages = " ".join(w.message for w in result.warnings)
    assert "备注" in messages
    assert result.rows[0].values["external_id"].startswith("auto-")


def test_derived_ids_are_stable() -> None:
    first = validate_table("need", table(["需求名称", "单位名称"], ["a", "b"])).rows[0].values["external_id"]
    again = validate_table("need", table(["需求名称", "单位名称"], ["a", "b"])).rows[0].values["external_id"]
    assert first == again


def test_unknown_modes_and_maturity_kept_with_warning() -> None:
    t = table(["成果名称", "成熟度", "合作方式"], ["a", "概念验证", "共建实验室"])
    result = validate_table("achievement", t)
    assert result.rows[0].values["maturity"] == "概念验证"
    assert result.rows[0].values["cooperation_modes"] == ["共建实验室"]
    assert {w.field for w in result.warnings} >= {"maturity", "cooperation_modes"}


def test_organization_rows() -> None:
    good = "91140000" + "MA0K0000" + "0"
    good = good[:17] + credit_code_check_char(good[:17])
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    t = table(
        ["单位名称", "单位类型", "统一社会信用代码", "高新技术企业"],
        ["甲公司", "企业", good, "是"],
        ["乙公司", "企业", bad, "否"],
        ["丙", "外星机构", "", ""],
        ["丁公司", "企业", "", "也许"],
    )
    result = validate_table("organization", t)
    assert result.rows[0].values["is_high_tech"] is True
    assert [(e.row, e.field) for e in result.errors] == [(3, "credit_code"), (4, "kind"), (5, "is_high_tech")]


def test_long_short_fields_are_errors_not_truncation() -> None:
    t = table(["成果名称", "所属领域", "专利号", "联系人"], ["a", "领" * 65, "ZL" * 40, "张" * 201])
    result = validate_table("achievement", t)
    assert {(e.row, e.field) for e in result.errors} == {(2, "tech_field"), (2, "ip_number"), (2, "contact")}


def test_two_columns_for_one_field_is_a_file_error() -> None:
    result = validate_table("need", table(["需求名称", "项目名称"], ["a", "b"]))
    assert result.errors[0].row == 0 and "需求名称" in result.errors[0].message
