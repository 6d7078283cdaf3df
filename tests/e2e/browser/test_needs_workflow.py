"""A need's life in the browser: posted and submitted by an enterprise, reviewed by the bureau,
matched with explanations, and a proposal declined with a reason. Each test posts its own needs."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser.pages import (
    NeedInput,
    Snap,
    flash,
    listing_link,
    login,
    menu,
    open_review_queue,
    post_need,
    posted_and_submitted,
    review_item,
    submit_for_review,
    unique,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def detail_value(page: Page, term: str) -> str:
    """The text next to ``term`` in a listing's detail list."""
    return page.locator(f"dl.listing-meta dt:text-is('{term}') + dd").inner_text().strip()


def test_enterprise_posts_a_need_as_draft_and_submits_it(page: Page, snap: Snap) -> None:
    need = NeedInput(title=unique("怀仁煤矸石烧结砖生产线技术升级"))
    login(page, "enterprise")
    menu(page).filter(has_text="发布需求").click()
    snap(page, "empty-form")
    page.go_back()

    post_need(page, need)
    expect(flash(page)).to_contain_text("需求已保存为草稿；确认无误后请提交审核")
    assert detail_value(page, "主要问题") == need.problem
    assert detail_value(page, "关键技术") == need.key_technology
    assert detail_value(page, "预期目标") == need.expected_target
    assert detail_value(page, "技术指标") == need.indicators
    assert detail_value(page, "关键词") == "煤矸石、烧结砖、固废利用"
    assert detail_value(page, "技术领域") == "新材料"
    assert detail_value(page, "应用行业") == "煤炭"
    assert "朔州市" in detail_value(page, "所在地区") and "怀仁市" in detail_value(page, "所在地区")
    assert detail_value(page, "拟投入资金") == "120.5 万元"
    assert detail_value(page, "解决方式") == "委托研发、合作研发"
    assert detail_value(page, "有效期至") == "2027-06-30"
    expect(page.locator("#matches")).to_contain_text("发布后平台会自动匹配")
    snap(page, "draft")

    submit_for_review(page)
    expect(page.get_by_role("button", name="提交审核")).to_have_count(0)
    snap(page, "pending-review")

    menu(page).filter(has_text="我的需求").click()
    row = page.get_by_test_id("listing-table").locator("tr").filter(has_text=need.title)
    expect(row).to_contain_text("待审核")
    expect(row).to_contain_text("怀仁市")


def test_a_form_with_a_missing_title_or_a_bad_budget_is_shown_again_with_errors(page: Page, snap: Snap) -> None:
    login(page, "enterprise")
    menu(page).filter(has_text="发布需求").click()
    form = page.get_by_test_id("listing-form")
    form.get_by_label("需求概述：主要问题").fill("只填了问题")
    form.get_by_label("拟投入资金（万元）").fill("3O0")
    form.get_by_role("button", name="保存").click()
    expect(page.locator("[data-field=title] .invalid-feedback")).to_have_text("名称不能为空")
    expect(form.get_by_label("需求概述：主要问题")).to_have_value("只填了问题")
    snap(page, "missing-title")

    title = unique("朔城区粉煤灰综合利用")
    form.get_by_label("名称").fill(title)
    form.get_by_role("button", name="保存").click()
    expect(page.locator("[data-field=budget] .invalid-feedback")).to_contain_text("3O0")
    expect(form.get_by_label("名称")).to_have_value(title)
    snap(page, "bad-budget")

    form.get_by_label("拟投入资金（万元）").fill("300")
    form.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("listing-status")).to_have_text("草稿")
    expect(page.locator("dl.listing-meta")).to_contain_text("300 万元")


def test_bureau_returns_one_need_with_a_comment_and_publishes_another(page: Page, snap: Snap) -> None:
    returned = NeedInput(title=unique("应县陶瓷窑炉余热回收"), keywords="余热回收、陶瓷窑炉", region="朔州市 · 应县")
    published = NeedInput(title=unique("怀仁煤矸石制陶粒工艺"), keywords="煤矸石、陶粒")
    posted_and_submitted(page, "enterprise2", returned)
    posted_and_submitted(page, "enterprise", published)
    comment = "请补充煤矸石的年产量和热值检测报告，并写明拟投入资金的用途。"

    login(page, "bureau")
    open_review_queue(page)
    expect(page.get_by_role("heading", name=re.compile("审核队列"))).to_contain_text("朔州市")
    expect(review_item(page, returned.title)).to_contain_text("应县")
    expect(review_item(page, published.title)).to_contain_text("怀仁市")
    # The demo staged needs of the jurisdiction for review, too.
    assert page.get_by_test_id("review-item").count() >= 5
    snap(page, "queue")

    item = review_item(page, returned.title)
    item.get_by_label("审核意见").fill(comment)
    item.get_by_role("button", name="退回修改").click()
    expect(flash(page)).to_contain_text("需求已退回修改")
    expect(review_item(page, returned.title)).to_have_count(0)

    review_item(page, published.title).get_by_role("button", name="通过并发布").click()
    expect(flash(page)).to_contain_text("需求已发布并完成匹配")
    expect(review_item(page, published.title)).to_have_count(0)
    snap(page, "after-review")

    # The owner of the returned need reads the comment on a draft again.
    login(page, "enterprise2")
    menu(page).filter(has_text="我的需求").click()
    listing_link(page, returned.title).click()
    expect(page.get_by_test_id("listing-status")).to_have_text("草稿")
    expect(page.get_by_test_id("review-comment")).to_have_text(f"审核意见：{comment}")
    expect(page.get_by_role("button", name="提交审核")).to_be_visible()
    snap(page, "owner-sees-comment")

    # The published one is out in the needs hall.
    login(page, "enterprise")
    menu(page).filter(has_text="我的需求").click()
    row = page.get_by_test_id("listing-table").locator("tr").filter(has_text=published.title)
    expect(row).to_contain_text("已发布")


def test_enterprise_sees_explained_matches_and_declines_one_with_a_reason(page: Page, snap: Snap) -> None:
    need = NeedInput(title=unique("煤矸石制备烧结保温砌块"), keywords="煤矸石、保温砌块、烧结")
    need_id = posted_and_submitted(page, "enterprise", need)

    # The bureau publishes it from the need's own page.
    login(page, "bureau")
    page.goto(f"/needs/{need_id}")
    expect(page.get_by_test_id("listing-status")).to_have_text("待审核")
    page.get_by_role("button", name="通过并发布").click()
    expect(flash(page)).to_contain_text("需求已发布并完成匹配")

    login(page, "enterprise")
    menu(page).filter(has_text="我的需求").click()
    listing_link(page, need.title).click()
    expect(page.get_by_test_id("listing-status")).to_have_text("已发布")
    expect(page.locator("#matches h2")).to_contain_text(re.compile(r"推荐成果（[1-9]\d*）"))
    proposals = page.get_by_test_id("proposal")
    first = proposals.first
    expect(first.get_by_test_id("reason")).not_to_be_empty()
    assert len(first.get_by_test_id("reason").inner_text().strip()) > 4
    expect(first.get_by_test_id("proposal-status")).to_have_text("待反馈")
    # Shared terms are highlighted; the top match shares 煤矸石 with the need.
    marks = page.locator("[data-testid=shared-terms] mark")
    assert marks.count() > 0
    expect(first.get_by_test_id("shared-terms").locator("mark").filter(has_text="煤矸石")).to_have_count(1)
    expect(first.locator("a").first).to_contain_text("煤矸石")
    # The contributions table opens under 各项得分贡献.
    first.get_by_text("各项得分贡献").click()
    table = first.get_by_test_id("contributions")
    expect(table).to_be_visible()
    expect(table).to_contain_text("关键词与语义排名融合")
    expect(table).to_contain_text("语义相似")
    expect(table).to_contain_text("地域相近")
    assert table.locator("tr").count() >= 5
    snap(page, "explained-matches")

    declined = proposals.nth(1) if proposals.count() > 1 else first
    proposal_id = declined.get_attribute("data-proposal-id")
    form = declined.get_by_test_id("decline-form")
    form.get_by_label("谢绝原因").select_option(label="地域距离太远")
    form.get_by_label("补充说明").fill("希望找省内朔州周边的团队")
    form.get_by_role("button", name="不感兴趣").click()
    expect(flash(page)).to_contain_text("已记录不感兴趣的原因")
    expect(page).to_have_url(re.compile(rf"/needs/{need_id}(#matches)?$"))
    card = page.locator(f"[data-testid=proposal][data-proposal-id='{proposal_id}']")
    expect(card.get_by_test_id("proposal-status")).to_have_text("已谢绝")
    expect(card).to_contain_text("谢绝原因：地域距离太远：希望找省内朔州周边的团队")
    snap(page, "declined")
