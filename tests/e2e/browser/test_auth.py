"""Logging in and out in the browser: every demo role's navbar, wrong passwords, protected pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.browser.pages import ACCOUNTS, PASSWORD, Snap, flash, login, logout, menu, whoami

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LOGIN_PAGE = re.compile(r"/auth/login(\?.*)?$")


@pytest.mark.parametrize("username", list(ACCOUNTS))
def test_login_shows_role_and_menu_and_logout_ends_the_session(
    page: Page, browser: Browser, live_server: str, snap: Snap, username: str
) -> None:
    role_label, items = ACCOUNTS[username]
    login(page, username)
    expect(flash(page)).to_contain_text("欢迎")
    expect(whoami(page)).to_contain_text(role_label)
    expect(whoami(page)).to_contain_text("演示")
    expect(menu(page)).to_have_text(list(items))
    snap(page, "logged-in")

    # The first menu entry opens the page of the same name.
    menu(page).first.click()
    expect(page.locator("main h1")).to_contain_text(items[0])
    expect(whoami(page)).to_contain_text(role_label)
    protected = page.url
    cookies = page.context.cookies()
    assert [c["name"] for c in cookies] == ["matchmaker_session"]
    # A second browser holding a copy of the session cookie is logged in as well ...
    replay = browser.new_context(base_url=live_server)
    try:
        replay.add_cookies([{"name": c["name"], "value": c["value"], "url": live_server} for c in cookies])
        copy = replay.new_page()
        copy.goto(protected)
        expect(whoami(copy)).to_contain_text(role_label)

        logout(page)
        expect(whoami(page)).to_have_count(0)
        expect(page.get_by_role("heading", name="登录")).to_be_visible()
        snap(page, "logged-out")

        # ... and out after logout: the server revoked the session, not just the browser's cookie.
        copy.reload()
        expect(copy).to_have_url(LOGIN_PAGE)
        expect(whoami(copy)).to_have_count(0)
    finally:
        replay.close()

    # The back button asks for the protected page again and is sent to the login page.
    page.go_back()
    expect(page).to_have_url(LOGIN_PAGE)
    expect(whoami(page)).to_have_count(0)
    page.goto(protected)
    expect(page).to_have_url(LOGIN_PAGE)
    expect(flash(page)).to_contain_text("请先登录")


def test_a_wrong_password_is_refused_with_a_message(page: Page, snap: Snap) -> None:
    page.goto("/auth/login")
    page.get_by_label("用户名").fill("enterprise")
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录").click()
    expect(flash(page)).to_contain_text("用户名或密码错误，或账户已停用")
    expect(page).to_have_url(LOGIN_PAGE)
    expect(whoami(page)).to_have_count(0)
    expect(page.get_by_label("用户名")).to_have_value("enterprise")
    snap(page, "refused")


def test_a_protected_page_sends_to_login_and_back_after_it(page: Page, snap: Snap) -> None:
    response = page.goto("/needs/mine")
    assert response is not None
    expect(page).to_have_url(re.compile(r"/auth/login\?next=%2Fneeds%2Fmine$"))
    expect(flash(page)).to_contain_text("请先登录")
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    snap(page, "redirected")

    page.get_by_label("用户名").fill("enterprise")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/needs/mine$"))
    expect(page.locator("main h1")).to_have_text("我的需求")
