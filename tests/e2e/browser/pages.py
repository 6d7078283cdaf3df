"""What a person does in the browser, as small steps shared by the browser tests."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

PASSWORD = "demo-password"
# The ``snap`` fixture: snap(page, step) saves test-artifacts/screenshots/<test>-<step>.png.
Snap = Callable[[Page, str], Path]

# (user name, role label in the navbar, the role's menu in order) as base.html renders them.
ACCOUNTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "enterprise": ("企业用户", ("我的需求", "发布需求", "成果大厅", "技术合同", "检索")),
    "enterprise2": ("企业用户", ("我的需求", "发布需求", "成果大厅", "技术合同", "检索")),
    "research": ("高校/科研院所", ("我的成果", "发布成果", "需求大厅", "技术合同", "检索")),
    "broker": ("技术经理人", ("需求大厅", "成果大厅", "跟进列表", "对接项目", "技术合同", "检索")),
    "bureau": ("科技局", ("审核队列", "辖区需求", "辖区成果", "辖区对接", "合同登记", "统计", "检索")),
    "admin": ("系统管理员", ("用户管理", "单位管理", "全部需求", "全部成果", "对接项目", "技术合同", "统计", "检索")),
}


def unique(text: str) -> str:
    """``text`` with a short random tag, so a test finds its own listing among everyone else's."""
    return f"{text}（{uuid.uuid4().hex[:6]}）"


def flash(page: Page) -> Locator:
    """The flashed messages at the top of the page."""
    return page.locator("main .alert")


def whoami(page: Page) -> Locator:
    """The navbar's user badge (name, role label, organisation)."""
    return page.get_by_test_id("whoami")


def menu(page: Page) -> Locator:
    """The role's menu links in the navbar."""
    return page.locator("#mainnav .navbar-nav .nav-link")


def login(page: Page, username: str, password: str = PASSWORD) -> None:
    """Log in through the login form (logging out first if someone is logged in)."""
    page.goto("/auth/login")
    if whoami(page).count():
        logout(page)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(whoami(page)).to_be_attached()  # hidden behind the toggler on a phone


def logout(page: Page) -> None:
    """Press 退出 in the navbar and land on the login page."""
    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(re.compile(r"/auth/login$"))
    expect(flash(page)).to_contain_text("您已安全退出")


@dataclass(frozen=True)
class NeedInput:
    """The 企业技术需求 form's values, as a person types and picks them."""

    title: str
    problem: str = "我公司位于怀仁市，周边矿区堆存煤矸石约300万吨，占用土地且有自燃风险，现有处置方式只是简单填埋。"
    key_technology: str = "需要煤矸石破碎、配料、成型和焙烧的成套工艺，把煤矸石制成烧结砖、保温砌块或陶粒等建筑材料。"
    expected_target: str = "建成年消纳煤矸石20万吨的烧结制品生产线，产品达到国家建材标准并实现稳定销售。"
    indicators: str = "煤矸石掺量不低于80%；烧结砖抗压强度不低于15兆帕；吨产品综合能耗下降10%"
    keywords: str = "煤矸石、烧结砖、固废利用"
    tech_field: str = "新材料"
    industry: str = "煤炭"
    region: str = "朔州市 · 怀仁市"
    budget: str = "120.5"
    modes: tuple[str, ...] = field(default=("委托研发", "合作研发"))
    valid_until: str = "2027-06-30"
    contact: str = "王工 13800000000"


def post_need(page: Page, need: NeedInput) -> int:
    """Fill in 发布需求 as the logged-in enterprise, save it as a draft; the need's id."""
    menu(page).filter(has_text="发布需求").click()
    expect(page.get_by_role("heading", name="发布技术需求")).to_be_visible()
    form = page.get_by_test_id("listing-form")
    form.get_by_label("名称").fill(need.title)
    form.get_by_label("需求概述：主要问题").fill(need.problem)
    form.get_by_label("需求概述：关键技术").fill(need.key_technology)
    form.get_by_label("需求概述：预期目标").fill(need.expected_target)
    form.get_by_label("技术指标").fill(need.indicators)
    form.get_by_label("关键词").fill(need.keywords)
    form.get_by_label("技术领域").select_option(label=need.tech_field)
    form.get_by_label("应用行业").select_option(label=need.industry)
    form.get_by_label("所在地区").select_option(label=need.region)
    form.get_by_label("拟投入资金（万元）").fill(need.budget)
    form.get_by_label("有效期至").fill(need.valid_until)
    for mode in need.modes:
        form.get_by_label(mode, exact=True).check()
    form.get_by_label("联系人及电话").fill(need.contact)
    form.get_by_role("button", name="保存").click()
    expect(page).to_have_url(re.compile(r"/needs/\d+$"))
    expect(page.get_by_test_id("listing-title")).to_have_text(need.title)
    expect(page.get_by_test_id("listing-status")).to_have_text("草稿")
    return int(page.url.rsplit("/", 1)[1])


def submit_for_review(page: Page) -> None:
    """On the own need's page, press 提交审核."""
    page.get_by_role("button", name="提交审核").click()
    expect(flash(page)).to_contain_text("已提交科技局审核")
    expect(page.get_by_test_id("listing-status")).to_have_text("待审核")


def posted_and_submitted(page: Page, username: str, need: NeedInput) -> int:
    """Log in as ``username``, post ``need`` and submit it for review; the need's id."""
    login(page, username)
    need_id = post_need(page, need)
    submit_for_review(page)
    return need_id


def review_item(page: Page, title: str) -> Locator:
    """The card of one listing in the bureau's 审核队列."""
    return page.get_by_test_id("review-item").filter(has_text=title)


def open_review_queue(page: Page) -> None:
    """As bureau staff, open 审核队列 from the navbar."""
    menu(page).filter(has_text="审核队列").click()
    expect(page.get_by_role("heading", name=re.compile("审核队列"))).to_be_visible()


def listing_link(page: Page, title: str) -> Locator:
    """The link to a listing in a listing table."""
    return page.get_by_test_id("listing-table").get_by_role("link", name=title, exact=True)
