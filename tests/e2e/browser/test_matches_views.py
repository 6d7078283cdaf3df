"""Matches seen from the other roles: a university's achievement and the broker's needs hall."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser.pages import Snap, flash, login, menu

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_research_sees_the_needs_matched_to_its_achievement(page: Page, snap: Snap) -> None:
    login(page, "research")
    menu(page).filter(has_text="我的成果").click()
    expect(page.locator("main h1")).to_have_text("我的成果")
    table = page.get_by_test_id("listing-table")
    rows = table.locator("tbody tr")
    assert rows.count() >= 10
    for i in range(rows.count()):
        expect(rows.nth(i).locator("td").nth(2)).to_have_text("太原理工大学")
    snap(page, "my-achievements")

    # Narrow to a title, as a researcher would; the coal-gangue achievements have needs in 朔州.
    page.get_by_label("名称").fill("煤矸石")
    page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(r"q=%E7%85%A4%E7%9F%B8%E7%9F%B3"))
    links = table.locator("tbody a")
    assert links.count() >= 1
    found = False
    for i in range(links.count()):
        table.locator("tbody a").nth(i).click()
        heading = page.locator("#matches h2")
        expect(heading).to_contain_text("匹配需求")
        if page.get_by_test_id("proposal").count():
            found = True
            break
        page.go_back()
    assert found, "no 太原理工大学 煤矸石 achievement has matched needs"
    expect(page.get_by_test_id("listing-status")).to_have_text("已发布")
    expect(page.locator("main")).to_contain_text("太原理工大学")
    proposal = page.get_by_test_id("proposal").first
    expect(proposal.get_by_test_id("reason")).not_to_be_empty()
    need_link = proposal.locator("a").first
    expect(need_link).to_have_attribute("href", re.compile(r"^/needs/\d+$"))
    title = need_link.inner_text().strip()
    snap(page, "matched-needs")

    need_link.click()
    expect(page.get_by_test_id("listing-title")).to_have_text(title)
    expect(page.get_by_test_id("listing-status")).to_have_text("已发布")


def test_broker_filters_the_needs_hall_and_follows_up_a_proposal(page: Page, snap: Snap) -> None:
    login(page, "broker")
    menu(page).filter(has_text="需求大厅").click()
    expect(page.locator("main h1")).to_have_text("需求大厅")
    total = page.get_by_test_id("listing-table").locator("tbody tr").count()

    page.get_by_label("地区").select_option(label="朔州市")
    page.get_by_label("技术领域").select_option(label="生物与新医药")
    page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(r"region=140600.*field="))
    expect(page.get_by_label("地区")).to_have_value("140600")
    rows = page.get_by_test_id("listing-table").locator("tbody tr")
    count = rows.count()
    assert 0 < count < total
    for i in range(count):
        cells = rows.nth(i).locator("td")
        expect(cells.nth(3)).to_contain_text("朔州市")
        expect(cells.nth(4)).to_have_text("生物与新医药")
        expect(cells.nth(5)).to_have_text("已发布")
    snap(page, "filtered-hall")

    link = rows.first.locator("a")
    title = link.inner_text().strip()
    link.click()
    expect(page.get_by_test_id("listing-title")).to_have_text(title)
    expect(page.locator("#matches h2")).to_contain_text(re.compile(r"推荐成果（[1-9]\d*）"))
    card = page.get_by_test_id("proposal").filter(has=page.get_by_role("button", name="值得跟进")).first
    proposal_id = card.get_attribute("data-proposal-id")
    achievement = card.locator("a").first.inner_text().strip()
    # A broker sees the explanation but decides nothing for the owners.
    expect(card.get_by_test_id("decline-form")).to_have_count(0)
    card.get_by_role("button", name="值得跟进").click()
    expect(flash(page)).to_contain_text("已加入跟进列表")
    card = page.locator(f"[data-testid=proposal][data-proposal-id='{proposal_id}']")
    expect(card).to_contain_text("跟进中")
    expect(card.get_by_role("button", name="取消跟进")).to_be_visible()
    snap(page, "pursued")

    menu(page).filter(has_text="跟进列表").click()
    expect(page.locator("main h1")).to_contain_text("值得跟进的匹配")
    row = page.locator("main table tbody tr").filter(has_text=title).filter(has_text=achievement)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("待反馈")
    snap(page, "follow-up-list")
