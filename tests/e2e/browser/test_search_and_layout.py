"""Search with highlighted terms, filters and pages; the Chinese 404 page; the layout on a phone."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser.pages import Snap, login, menu, whoami

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


def result_total(page: Page) -> int:
    """The N of 共 N 条结果 above the search results."""
    summary = page.locator("main p").filter(has_text="条结果").inner_text()
    match = re.search(r"共 (\d+) 条结果", summary)
    assert match, summary
    return int(match.group(1))


def result_titles(page: Page) -> list[str]:
    """Titles of the results on this page."""
    return [t.strip() for t in page.get_by_test_id("search-result").locator("a.fw-semibold").all_inner_texts()]


def test_search_highlights_terms_and_filters_and_pages(page: Page, snap: Snap) -> None:
    login(page, "research")
    menu(page).filter(has_text="检索").click()
    expect(page.locator("main h1")).to_have_text("检索需求与成果")
    page.get_by_label("检索词").fill("煤矸石")
    page.get_by_role("button", name="检索").click()
    expect(page).to_have_url(re.compile(r"/search/\?q="))
    results = page.get_by_test_id("search-result")
    expect(results).to_have_count(10)
    expect(page.locator("main")).to_contain_text("分词：")
    total = result_total(page)
    assert total > 10
    # The query's terms are marked in titles and snippets; the best hits carry 煤矸石 in the title.
    marks = results.locator("mark")
    assert marks.count() >= 10
    assert {m.strip() for m in marks.all_inner_texts()} <= {"煤矸石", "矸石"}
    expect(results.first.locator("a.fw-semibold mark")).to_have_text(re.compile("矸石"))
    snap(page, "results")

    # Page 2 continues the same ranking.
    first_page = result_titles(page)
    page.locator(".pagination").get_by_role("link", name="2", exact=True).click()
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(page.locator(".pagination .page-item.active")).to_have_text("2")
    second_page = result_titles(page)
    assert second_page and not set(second_page) & set(first_page)
    assert result_total(page) == total
    snap(page, "page-2")

    # Filters narrow the results: needs only, then one field.
    page.get_by_label("类型").select_option(label="只看技术需求")
    page.get_by_role("button", name="检索").click()
    expect(page).to_have_url(re.compile(r"kind=need"))
    needs_only = result_total(page)
    assert 0 < needs_only < total
    badges = results.locator(".badge").all_inner_texts()
    assert badges and set(badges) == {"需求"}
    page.get_by_label("技术领域").select_option(label="新材料")
    page.get_by_role("button", name="检索").click()
    expect(page.get_by_label("技术领域")).to_have_value("新材料")
    narrowed = result_total(page)
    assert 0 < narrowed <= needs_only
    expect(results.locator("mark").first).to_be_visible()
    snap(page, "filtered")


def test_an_unknown_address_shows_the_chinese_404_page(page: Page, snap: Snap) -> None:
    response = page.goto("/no-such-page")
    assert response is not None and response.status == 404
    expect(page.locator("main h1")).to_have_text("404")
    expect(page.locator("main .lead")).to_have_text("页面不存在或您无权查看")
    expect(page).to_have_title(re.compile("页面不存在"))
    snap(page, "anonymous")

    login(page, "enterprise")
    response = page.goto("/needs/99999999")
    assert response is not None and response.status == 404
    expect(page.locator("main h1")).to_have_text("404")
    expect(whoami(page)).to_contain_text("企业用户")
    page.get_by_role("link", name="返回首页").click()
    expect(page.locator("main")).to_contain_text("我的工作")


def test_the_layout_works_at_phone_width(open_page: Callable[..., Page], snap: Snap) -> None:
    page = open_page(**PHONE)
    page.goto("/auth/login")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    snap(page, "login")

    login(page, "enterprise")
    toggler = page.get_by_role("button", name="展开菜单")
    expect(toggler).to_be_visible()
    expect(page.locator("#mainnav")).to_be_hidden()
    expect(menu(page).filter(has_text="我的需求")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    snap(page, "collapsed")

    toggler.click()
    # Bootstrap adds .show once the menu has finished sliding open.
    expect(page.locator("#mainnav")).to_have_class(re.compile(r"\bshow\b"))
    for item in ("我的需求", "发布需求", "成果大厅", "检索"):
        expect(menu(page).filter(has_text=item)).to_be_visible()
    expect(whoami(page)).to_be_visible()
    expect(whoami(page)).to_contain_text("企业用户")
    expect(page.get_by_role("button", name="退出")).to_be_visible()
    snap(page, "expanded")

    menu(page).filter(has_text="我的需求").click()
    expect(page.locator("main h1")).to_have_text("我的需求")
    expect(page.locator("#mainnav")).to_be_hidden()
    # Wide tables scroll inside their box; the page itself does not scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    snap(page, "my-needs")
