"""From a demo match to a registered technology contract, and the county's statistics moving.

A technology manager opens a deal (对接项目) from a proposal, takes it to 已签约, submits the
contract prefilled from the deal; the bureau of the seller's region registers it and sees its
county's 技术输出 figures go up by exactly this contract; the deal ends as 已登记.

The demo bureau (朔州市, 140600) can only register contracts whose seller lies in 朔州. The one demo
achievement of an organisation in 朔州 is 右玉县玉林沙棘科技开发有限公司's (右玉县, 140623); the
research account's university is in 太原 and outside that jurisdiction. Its proposals used here are
on needs outside 朔州, which no other browser test touches (they post their needs in 朔州, and the
demo's own deals are on needs in 朔州), so this test may run before or after any of them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from playwright.sync_api import Locator, Page, expect

from models.base import CHINA_TZ
from tests.e2e.browser.pages import Snap, flash, login, menu

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ACHIEVEMENT = "沙棘叶黄酮茶与沙棘果渣综合利用技术"
SELLER = "右玉县玉林沙棘科技开发有限公司"
COUNTY, COUNTY_LABEL = "140623", "朔州市 · 右玉县"
TOTAL, TECH = Decimal("1234567.89"), Decimal("1000000.01")
# What the dashboard's 概况 table calls the county's figures as the seller's region (技术输出).
COUNT_ROW, TOTAL_ROW, TECH_ROW = "技术输出合同登记数（项）", "技术输出合同成交额（元）", "技术输出技术交易额（元）"
# Figures as the dashboard shows them: "12", "1,234,567.89".
SHOWN_NUMBER = re.compile(r"\d{1,3}(,\d{3})*(\.\d{2})?")


@dataclass(frozen=True)
class Figures:
    """The county's registered contracts as the seller's region: count and exact sums in yuan."""

    count: int
    total: Decimal
    tech: Decimal


def overview_value(page: Page, name: str) -> Decimal:
    """The 数值 of row ``name`` in the dashboard's 概况 table, parsed exactly from what is shown."""
    table = page.locator("table[data-table='概况']")
    row = table.locator("tbody tr").filter(has=page.get_by_role("cell", name=name, exact=True))
    expect(row).to_have_count(1)
    cell = row.locator("td").nth(1)
    shown = cell.inner_text().strip()
    assert SHOWN_NUMBER.fullmatch(shown), f"{name}: {shown!r}"
    value = Decimal(shown.replace(",", ""))
    assert Decimal(cell.get_attribute("data-value") or "NaN") == value, f"{name}: shown {shown}, exact {value}"
    return value


def county_figures(page: Page) -> Figures:
    """The 技术输出 count, 合同成交额 and 技术交易额 on the dashboard."""
    count = overview_value(page, COUNT_ROW)
    assert count == count.to_integral_value()
    return Figures(int(count), overview_value(page, TOTAL_ROW), overview_value(page, TECH_ROW))


def open_county_dashboard(page: Page, date_from: dt.date, date_to: dt.date) -> str:
    """As bureau staff: 统计 from the navbar, then the county and the period through the filter; the URL."""
    menu(page).filter(has_text="统计").click()
    expect(page.get_by_test_id("stats-region")).to_have_text("山西省朔州市")
    query = page.get_by_test_id("stats-filter")
    region = query.get_by_label("地区")
    region.select_option(label=COUNTY_LABEL)
    expect(region).to_have_value(COUNTY)
    query.get_by_label("开始日期").fill(date_from.isoformat())
    query.get_by_label("结束日期").fill(date_to.isoformat())
    query.get_by_role("button", name="查询").click()
    expect(page).to_have_url(re.compile(rf"region={COUNTY}&from={date_from}&to={date_to}$"))
    expect(page.get_by_test_id("stats-region")).to_have_text("山西省朔州市右玉县")
    expect(page.get_by_test_id("stats-period")).to_contain_text(f"统计期间 {date_from} 至 {date_to}")
    return page.url


def move_deal_to(page: Page, label: str, note: str) -> None:
    """On the deal page, pick the next stage in the stage form and press 更新阶段."""
    form = page.get_by_test_id("stage-form")
    form.get_by_label("转到阶段").select_option(label=label)
    form.get_by_label("备注").fill(note)
    form.get_by_role("button", name="更新阶段").click()
    expect(flash(page)).to_contain_text(f"对接项目已转到“{label}”")
    expect(page.get_by_test_id("deal-stage")).to_have_text(label)
    expect(page.get_by_test_id("timeline-event").last).to_contain_text(note)


def contract_field(page: Page, label: str) -> Locator:
    """A field of the 技术合同登记 form by its exact label."""
    return page.get_by_test_id("contract-form").get_by_label(label, exact=True)


def test_a_deal_becomes_a_registered_contract_and_the_county_figures_move(
    open_page: Callable[..., Page], snap: Snap
) -> None:
    today = dt.datetime.now(CHINA_TZ).date()
    # The period ends tomorrow so that a run across midnight (China time) still counts today's registration.
    date_from, date_to = today - dt.timedelta(days=30), today + dt.timedelta(days=1)

    # 1. The bureau reads the seller county's figures before.
    bureau = open_page()
    login(bureau, "bureau")
    stats_url = open_county_dashboard(bureau, date_from, date_to)
    before = county_figures(bureau)
    snap(bureau, "stats-before")

    # 2. The technology manager opens a deal from a proposal of the 右玉 achievement on a need outside 朔州.
    broker = open_page()
    login(broker, "broker")
    menu(broker).filter(has_text="成果大厅").click()
    broker.get_by_label("名称").fill("沙棘叶黄酮茶")
    broker.get_by_label("地区").select_option(label="朔州市")
    broker.get_by_role("button", name="筛选").click()
    broker.get_by_test_id("listing-table").get_by_role("link", name=ACHIEVEMENT, exact=True).click()
    expect(broker.get_by_test_id("listing-title")).to_have_text(ACHIEVEMENT)
    expect(broker.locator("main")).to_contain_text(SELLER)
    expect(broker.locator("#matches h2")).to_contain_text(re.compile(r"匹配需求（[1-9]\d*）"))
    cards = broker.get_by_test_id("proposal").filter(has=broker.get_by_test_id("open-deal"))
    outside = cards.filter(has_not_text="朔州市")
    assert outside.count() > 0, "no proposal of the 右玉 achievement on a need outside 朔州 is open for a deal"
    card = outside.first
    proposal_id = card.get_attribute("data-proposal-id")
    need_link = card.locator("a").first
    need_title = need_link.inner_text().strip()
    snap(broker, "achievement-matches")

    # The need's own page lists the same proposal among its 推荐成果; the deal is opened there.
    need_link.click()
    expect(broker.get_by_test_id("listing-title")).to_have_text(need_title)
    expect(broker.get_by_test_id("listing-status")).to_have_text("已发布")
    card = broker.locator(f"[data-testid=proposal][data-proposal-id='{proposal_id}']")
    expect(card.locator("a").first).to_have_text(ACHIEVEMENT)
    card.get_by_test_id("open-deal").get_by_role("button", name="创建对接项目").click()
    expect(broker).to_have_url(re.compile(r"/deals/\d+$"))
    deal_url = broker.url
    expect(flash(broker)).to_contain_text("已创建对接项目")
    expect(broker.get_by_test_id("deal-stage")).to_have_text("已推荐")
    expect(broker.get_by_test_id("deal-need")).to_contain_text(need_title)
    expect(broker.get_by_test_id("deal-achievement")).to_contain_text(ACHIEVEMENT)
    expect(broker.get_by_test_id("contract-link")).to_have_count(0)
    deal_title = broker.get_by_test_id("deal-title").inner_text().strip()
    snap(broker, "deal-opened")

    move_deal_to(broker, "已联系", "已电话联系需求方和右玉沙棘公司，约定线上沟通")
    move_deal_to(broker, "洽谈中", "双方就技术服务内容和费用进行磋商")
    move_deal_to(broker, "已签约", "技术服务合同已签订")
    expect(broker.get_by_test_id("timeline-event")).to_have_count(4)
    snap(broker, "deal-signed")

    # The contract form, prefilled from the deal: buyer the need's side, seller the achievement's.
    broker.get_by_test_id("contract-link").click()
    expect(broker).to_have_url(re.compile(r"/contracts/new\?deal_id=\d+$"))
    expect(broker.get_by_role("heading", name="技术合同登记")).to_be_visible()
    expect(broker.get_by_test_id("from-deal")).to_contain_text(deal_title)
    expect(contract_field(broker, "项目名称")).to_have_value(deal_title)
    expect(contract_field(broker, "卖方名称")).to_have_value(SELLER)
    expect(contract_field(broker, "卖方行政区划代码")).to_have_value(COUNTY)
    expect(contract_field(broker, "卖方性质")).to_have_value("enterprise")
    expect(contract_field(broker, "技术领域")).to_have_value("生物与新医药")
    expect(contract_field(broker, "买方名称")).not_to_have_value("")
    expect(contract_field(broker, "买方行政区划代码")).to_have_value(re.compile(r"^\d{6}$"))
    snap(broker, "contract-prefilled")

    signed_on = today - dt.timedelta(days=3)
    contract_field(broker, "合同类型").select_option(label="技术服务")
    contract_field(broker, "知识产权类型").select_option(label="技术秘密")
    contract_field(broker, "买方性质").select_option(label="企业")
    contract_field(broker, "卖方性质").select_option(label="企业")
    contract_field(broker, "合同成交额").fill(f"{TOTAL}")
    contract_field(broker, "技术交易额").fill(f"{TECH}")
    contract_field(broker, "签订日期").fill(signed_on.isoformat())
    contract_field(broker, "有效期起").fill(signed_on.isoformat())
    contract_field(broker, "有效期止").fill((signed_on + dt.timedelta(days=730)).isoformat())
    snap(broker, "contract-filled")
    broker.get_by_role("button", name="提交登记").click()
    expect(broker).to_have_url(re.compile(r"/contracts/\d+$"))
    contract_path = re.sub(r"^https?://[^/]+", "", broker.url)
    expect(flash(broker)).to_contain_text(f"技术合同“{deal_title}”已提交，待卖方所在地科技局登记")
    expect(broker.get_by_test_id("contract-status")).to_have_text("待登记")
    expect(broker.get_by_test_id("total-amount")).to_have_text("1,234,567.89 元")
    expect(broker.get_by_test_id("tech-amount")).to_have_text("1,000,000.01 元")
    expect(broker.get_by_test_id("seller")).to_contain_text(f"{SELLER}")
    expect(broker.get_by_test_id("seller")).to_contain_text(f"（{COUNTY}）")
    expect(broker.get_by_test_id("deal")).to_have_text(deal_title)
    expect(broker.get_by_test_id("registration-number")).to_have_count(0)
    snap(broker, "contract-submitted")

    # 3. The bureau registers it from its queue.
    menu(bureau).filter(has_text="合同登记").click()
    expect(bureau.get_by_role("heading", name=re.compile("合同登记"))).to_contain_text("朔州市")
    item = bureau.get_by_test_id("queue-item").filter(has=bureau.locator(f"a[href='{contract_path}']"))
    expect(item).to_have_count(1)
    expect(item).to_contain_text(deal_title)
    expect(item).to_contain_text("技术服务")
    expect(item).to_contain_text("右玉县")
    expect(item).to_contain_text("1,234,567.89 元")
    snap(bureau, "queue")
    item.get_by_role("link", name=deal_title).click()
    expect(bureau.get_by_test_id("contract-status")).to_have_text("待登记")
    expect(bureau.get_by_test_id("review-state")).to_have_count(0)  # below 5,000,000 yuan: one registration
    bureau.get_by_test_id("register-actions").get_by_role("button", name="登记", exact=True).click()
    expect(flash(bureau)).to_contain_text("已登记，登记编号")
    expect(bureau.get_by_test_id("contract-status")).to_have_text("已登记")
    number = bureau.get_by_test_id("registration-number").inner_text().strip()
    # Year, the registering office (the seller's city), a six-digit sequence of the office and year.
    assert re.fullmatch(r"\d{16}", number), number
    assert number[4:10] == "140600" and int(number[:4]) in (today.year, today.year + 1), number
    expect(flash(bureau)).to_contain_text(number)
    expect(bureau.get_by_test_id("register-actions")).to_have_count(0)
    snap(bureau, "registered")

    # 4. The same county and period: exactly one more contract and exactly its amounts.
    bureau.goto(stats_url)
    expect(bureau.get_by_test_id("stats-filter").get_by_label("地区")).to_have_value(COUNTY)
    after = county_figures(bureau)
    assert after.count == before.count + 1, (before, after)
    assert after.total - before.total == TOTAL, (before, after)
    assert after.tech - before.tech == TECH, (before, after)
    snap(bureau, "stats-after")

    # 5. The technology manager's deal is 已登记, with the number in its timeline and nothing left to do.
    broker.goto(deal_url)
    expect(broker.get_by_test_id("deal-stage")).to_have_text("已登记")
    last = broker.get_by_test_id("timeline-event").last
    expect(last).to_contain_text("已签约 → 已登记")
    expect(last).to_contain_text(number)
    expect(broker.get_by_test_id("stage-form")).to_have_count(0)
    expect(broker.get_by_test_id("contract-link")).to_have_count(0)
    snap(broker, "deal-registered")
