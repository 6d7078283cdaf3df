"""The statistics dashboard, its Excel export and yearly targets in the browser.

Contracts are submitted and registered through the services on top of the demo data, one of them
in a tech field holding formula-like text (as legacy or imported data could), and every figure on
the page and in the workbook is compared with ``region_statistics`` for the same region and period.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from decimal import Decimal
from html import unescape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import select

from matchmaker.policy import Actor
from matchmaker.services.contract_input import parse_contract
from matchmaker.services.contracts import register_contract, submit_contract
from matchmaker.services.statistics import RegionStats, region_statistics
from matchmaker.stats.query import china_today
from models import Contract, RegionTarget
from tests.factories import contract_body
from tests.webclient import WebClient

HYPERLINK = '=HYPERLINK("http://x","点我")'
BROKER = Actor("broker", "broker")
SHUOZHOU = Actor("bureau", "bureau", jurisdiction_code="140600")
TAIYUAN = Actor("ty-bureau", "bureau", jurisdiction_code="140100")


class Tables(HTMLParser):
    """The exact values (``data-value``) of every ``<table data-table>`` of a page, by table name."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._current: list[list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "table" and found.get("data-table"):
            self._current = self.tables.setdefault(found["data-table"] or "", [])
        elif tag == "tr" and self._current is not None:
            self._current.append([])
        elif tag == "td" and self._current is not None and "data-value" in found:
            self._current[-1].append(found["data-value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._current = None


def page_tables(page: str) -> dict[str, list[list[str]]]:
    """Rows of exact cell values per table (header rows dropped)."""
    parser = Tables()
    parser.feed(page)
    return {name: [row for row in rows if row] for name, rows in parser.tables.items()}


def exact(value: Any) -> str:
    """How a table value is expected in ``data-value``: Decimals in full, nothing for None."""
    return "" if value is None else f"{value:f}" if isinstance(value, Decimal) else str(value)


def _contract(s: Any, seller: str, buyer: str, total: str, tech: str, field: str = "新材料", **kw: str) -> int:
    today = china_today().isoformat()
    body = contract_body(
        seller_region_code=seller, buyer_region_code=buyer, total_amount=total, tech_transaction_amount=tech,
        tech_field=field, signed_on=today, valid_from=today, valid_to="2099-12-31", **kw,
    )  # fmt: skip
    contract = submit_contract(s, BROKER, parse_contract(body, today=china_today()))
    register_contract(s, SHUOZHOU if seller.startswith("1406") else TAIYUAN, contract.id)
    return contract.id


@pytest.fixture
def data(app: Flask) -> Flask:
    """Registered contracts of 朔州市 and 太原市, two with formula-like tech fields as legacy data."""
    with app.extensions["matchmaker"].session_factory() as s:
        _contract(s, "140681", "140105", "1250000.50", "1000000.25")
        _contract(s, "140602", "140681", "0.01", "0.01", "电子信息", contract_type="service")
        _contract(s, "140105", "140681", "333333.33", "300000.00", "生物与新医药", contract_type="license")
        legacy = _contract(s, "140681", "140681", "4444.44", "4000.00")
        plus = _contract(s, "140602", "140602", "10.10", "5.05")
        s.flush()
        s.get(Contract, legacy).tech_field = HYPERLINK  # type: ignore[union-attr]
        s.get(Contract, plus).tech_field = "+1"  # type: ignore[union-attr]
        s.commit()
    return app


def chart_json(page: str) -> dict[str, Any]:
    """The chart data of a page (a script element's text is JSON, never HTML-escaped)."""
    match = re.search(r'<script type="application/json" id="stats-charts">(.*?)</script>', page, re.S)
    assert match
    data: dict[str, Any] = json.loads(match.group(1))
    return data


def _stats(app: Flask, code: str, first: dt.date | None = None, last: dt.date | None = None) -> RegionStats:
    today = china_today()
    with app.extensions["matchmaker"].session_factory() as s:
        return region_statistics(s, code, first or dt.date(today.year, 1, 1), last or today)


def _assert_page_equals(page: str, stats: RegionStats) -> None:
    shown = page_tables(page)
    tables = stats.tables()
    assert list(shown) == list(tables)
    for name, rows in tables.items():
        assert shown[name] == [[exact(v) for v in row.values()] for row in rows], name


def test_bureau_sees_every_table_of_its_jurisdiction_with_the_service_figures(data: Flask, web: WebClient) -> None:
    web.login("bureau")
    page = web.text("/stats/")
    stats = _stats(data, "140600")
    _assert_page_equals(page, stats)
    assert stats.seller.summary.total_amount == Decimal("1254455.05")  # 1,250,000.50 + 0.01 + 4,444.44 + 10.10
    assert stats.buyer.summary.total_amount == Decimal("337787.88")  # 0.01 + 333,333.33 + 4,444.44 + 10.10
    assert "1,254,455.05" in page and "337,787.88" in page
    assert 'value="140600" selected' in page and "朔州市（全辖区）" in page
    assert f'value="{china_today().year}-01-01"' in page and f'value="{china_today().isoformat()}"' in page
    charts = chart_json(page)
    assert [step["value"] for step in charts["funnel"]] == [
        stats.funnel.proposals, stats.funnel.deals, stats.funnel.contracts,
    ]  # fmt: skip
    seller = charts["byType"]["series"][0]
    # 技术转让: 1,250,000.50 + 4,444.44 + 10.10 yuan → 125.45 万元, rounded for display only
    assert seller["name"] == "技术输出" and seller["amounts"][2] == "125.45" and seller["counts"][2] == 3
    assert {s["name"] for s in charts["byField"]["seller"]} == {"新材料", "电子信息", HYPERLINK, "+1"}
    assert "vendor/echarts/echarts.min.js" in page and "js/stats.js" in page and "cdn" not in page.lower()


def test_bureau_sees_a_county_inside_its_jurisdiction(data: Flask, web: WebClient) -> None:
    web.login("bureau")
    page = web.text("/stats/?region=140681")
    stats = _stats(data, "140681")
    _assert_page_equals(page, stats)
    assert "怀仁市" in page and stats.seller.summary.count == 2 and stats.buyer.summary.count == 3


@pytest.mark.parametrize("url", ["/stats/?region=140100", "/stats/export.xlsx?region=140100", "/stats/?region=110000"])
def test_a_region_outside_the_jurisdiction_is_refused_with_the_reason(data: Flask, web: WebClient, url: str) -> None:
    web.login("bureau")
    response = web.get(url)
    body = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "不在管辖范围内" in body and "朔州市（140600）" in body
    assert "1,254,455.05" not in body


@pytest.mark.parametrize("user", ["broker", "enterprise", "research"])
def test_other_roles_are_refused(data: Flask, web: WebClient, user: str) -> None:
    web.login(user)
    assert web.get("/stats/").status_code == 403
    assert web.get("/stats/export.xlsx").status_code == 403
    assert web.post("/stats/targets", {"region_code": "140600", "year": "2026", "target": "1"}).status_code == 403


def test_anonymous_users_are_sent_to_the_login_page(data: Flask, web: WebClient) -> None:
    response = web.get("/stats/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_admin_sees_the_province_by_default_and_any_region(data: Flask, web: WebClient) -> None:
    web.login("admin")
    page = web.text("/stats/")
    assert 'value="140000" selected' in page
    _assert_page_equals(page, _stats(data, "140000"))
    _assert_page_equals(web.text("/stats/?region=140100"), _stats(data, "140100"))
    assert "北京市" in web.text("/stats/?region=110000")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-13-01", "开始日期「2026-13-01」不是有效日期"),
        ("to=yesterday", "结束日期「yesterday」不是有效日期"),
        ("from=2026-06-01&to=2026-05-01", "结束日期 2026-05-01 早于开始日期 2026-06-01"),
        ("from=1900-01-01", "开始日期须在 2000-01-01 至 2100-12-31 之间"),
        ("to=9999-12-31", "结束日期须在"),
        ("region=abc", "行政区划代码「abc」应为 6 位数字"),
        ("region=140699", "行政区划代码 140699 不存在"),
    ],
)
def test_bad_regions_and_periods_are_explained(data: Flask, web: WebClient, query: str, message: str) -> None:
    web.login("bureau")
    response = web.get(f"/stats/?{query}")
    body = unescape(response.get_data(as_text=True))
    assert response.status_code == 400 and message in body and "无法统计" in body
    assert "data-table" not in body
    assert web.get(f"/stats/export.xlsx?{query}").status_code == 400


def test_export_has_one_sheet_per_table_exact_money_and_neutralised_text(data: Flask, web: WebClient) -> None:
    web.login("bureau")
    first, last = dt.date(china_today().year, 1, 1), china_today()
    response = web.get(f"/stats/export.xlsx?region=140600&from={first}&to={last}")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    disposition = unquote(response.headers["Content-Disposition"])
    assert disposition.startswith("attachment") and f"UTF-8''区域统计_朔州市140600_{first}_{last}.xlsx" in disposition
    assert f'filename="region-statistics_140600_{first}_{last}.xlsx"' in disposition
    stats = _stats(data, "140600", first, last)
    book = load_workbook(io.BytesIO(response.data))
    tables = stats.tables()
    assert book.sheetnames == list(tables) and all(len(name) <= 31 for name in book.sheetnames)
    for name, rows in tables.items():
        sheet = book[name]
        if not rows:
            continue
        headers = list(rows[0])
        assert [c.value for c in sheet[1]] == headers and all(c.font.bold for c in sheet[1])
        for r, row in enumerate(rows, start=2):
            for c, header in enumerate(headers, start=1):
                cell, value = sheet.cell(row=r, column=c), row[header]
                if isinstance(value, Decimal) and "元" in header + str(row.get("指标", "")):
                    assert cell.data_type == "n" and Decimal(str(cell.value)) == value, (name, header)
                    assert cell.number_format == "#,##0.00"
    fields = book["技术输出（按技术领域）"]
    texts = {c.value: c for c in fields["A"]}
    legacy, plus = texts["'" + HYPERLINK], texts["'+1"]
    assert legacy.data_type == "s" and plus.data_type == "s"
    assert Decimal(str(fields.cell(row=legacy.row, column=3).value)) == Decimal("4444.44")
    assert not any(c.data_type == "f" for sheet in book for row in sheet.iter_rows() for c in row)


def test_setting_a_target_shows_its_progress(data: Flask, web: WebClient) -> None:
    web.login("bureau")
    year = china_today().year
    form = {"region_code": "140600", "year": str(year), "metric": "tech_contract_amount", "target": "2,000,000"}
    response = web.post("/stats/targets", {**form, "date_from": f"{year}-01-01", "date_to": str(china_today())})
    assert response.status_code == 302 and "region=140600" in response.headers["Location"]
    response = web.post("/stats/targets", {**form, "metric": "contract_count", "target": "8"})
    page = web.text(response.headers["Location"])
    stats = _stats(data, "140600")
    amount = next(t for t in stats.targets if t.metric == "tech_contract_amount")
    assert amount.target == Decimal("2000000.00") and amount.progress == Decimal("0.6272")  # 1,254,455.05 / 2e6
    assert "已设置山西省朔州市" in page and "62.72%" in page and "1,254,455.05 / 目标 2,000,000.00" in page
    assert "50.00%" in page  # four contracts of eight
    _assert_page_equals(page, stats)
    charts = chart_json(page)
    assert {t["value"] for t in charts["targets"]} == {"62.72", "50.00"}
    with data.extensions["matchmaker"].session_factory() as s:
        assert {(r.metric, r.set_by) for r in s.scalars(select(RegionTarget))} == {
            ("tech_contract_amount", "bureau"), ("contract_count", "bureau"),
        }  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"target": "abc"}, "目标值「abc」不是有效数字"),
        ({"target": ""}, "请填写目标值"),
        ({"year": "26"}, "年度须为四位数字"),
        ({"year": "1999"}, "年度须为 2000–2100 之间的整数"),
        ({"metric": "contract_count", "target": "2.5"}, "合同登记数须为整数"),
        ({"target": "0.001"}, "金额最多两位小数"),
        ({"metric": "patents"}, "未知指标"),
    ],
)
def test_bad_targets_are_explained_and_nothing_is_stored(
    data: Flask, web: WebClient, changes: dict[str, str], message: str
) -> None:
    web.login("bureau")
    form = {"region_code": "140681", "year": "2026", "metric": "tech_contract_amount", "target": "100", **changes}
    response = web.post("/stats/targets", form)
    assert response.status_code == 400 and message in unescape(response.get_data(as_text=True))
    with data.extensions["matchmaker"].session_factory() as s:
        assert s.scalar(select(RegionTarget)) is None


def test_targets_outside_the_jurisdiction_are_refused(data: Flask, web: WebClient) -> None:
    web.login("bureau")
    response = web.post("/stats/targets", {"region_code": "140100", "year": "2026", "metric": "contract_count"})
    assert response.status_code == 403 and "不在管辖范围内" in response.get_data(as_text=True)
    assert web.post("/stats/targets", {"region_code": "140600", "target": "1"}, csrf=False).status_code == 400
