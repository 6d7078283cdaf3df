"""Login, logout, server-side sessions, rate limits, CSRF, cookie flags and error pages."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from config import ProductionConfig, TestingConfig
from matchmaker import create_app
from matchmaker.services.accounts import set_user_active
from models import AuditEvent, AuthSession, User
from tests.fakes import HashingEmbedder
from tests.webclient import WebClient


def _runtime(app: Flask):
    return app.extensions["matchmaker"]


def test_login_with_the_right_password_opens_a_session(web: WebClient) -> None:
    response = web.login("enterprise")
    assert response.status_code == 302
    page = web.text("/")
    assert "企业用户" in page and "退出" in page
    with _runtime(web.app).session_factory() as session:
        assert session.scalar(select(func.count()).select_from(AuthSession)) == 1
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "auth.login.web"))


def test_wrong_password_is_refused_with_a_message(web: WebClient) -> None:
    response = web.login("enterprise", "wrong-password")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)
    assert web.get("/needs/mine").status_code == 302


def test_protected_pages_redirect_to_login_with_next(web: WebClient) -> None:
    response = web.get("/needs/mine")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")


def test_login_follows_only_local_next_targets(web: WebClient) -> None:
    data = {"username": "broker", "password": "demo-password"}
    response = web.post("/auth/login?next=//evil.example/x", data)
    assert response.headers["Location"] == "/"
    web.logout()
    response = web.post("/auth/login?next=/needs/", data)
    assert response.headers["Location"] == "/needs/"


def test_logout_ends_the_session_for_a_copied_cookie_too(app: Flask, web: WebClient) -> None:
    web.login("broker")
    cookie = web.client.get_cookie("matchmaker_session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("matchmaker_session", cookie.value)
    assert thief.get("/needs/").status_code == 200
    web.logout()
    assert thief.get("/needs/").status_code == 302  # the copied cookie no longer works
    assert web.get("/needs/").status_code == 302


def test_a_disabled_user_is_out_on_the_next_request(app: Flask, web: WebClient) -> None:
    web.login("research")
    assert web.get("/achievements/mine").status_code == 200
    with _runtime(app).session_factory() as session:
        set_user_active(session, "research", False, actor="admin")
        session.commit()
    assert web.get("/achievements/mine").status_code == 302
    assert web.login("research").status_code == 401


def test_a_changed_role_applies_on_the_next_request(app: Flask, web: WebClient) -> None:
    web.login("enterprise")
    assert web.get("/matches/pursued").status_code == 403
    with _runtime(app).session_factory() as session:
        user = session.scalar(select(User).where(User.username == "enterprise"))
        assert user is not None
        user.role = "broker"
        session.commit()
    assert web.get("/matches/pursued").status_code == 200


def test_failed_logins_are_rate_limited_but_successes_are_not(demo_config: TestingConfig) -> None:
    app = create_app(demo_config, RATELIMIT_ENABLED=True, LOGIN_USER_RATE_LIMIT="3 per minute")
    app.extensions["matchmaker"].__dict__["embedder"] = HashingEmbedder()
    web = WebClient(app)
    for _ in range(4):
        assert web.login("bureau").status_code == 302
        web.logout()
    statuses = [web.login("bureau", "wrong").status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    blocked = web.login("bureau")
    assert blocked.status_code == 429
    assert "操作过于频繁" in blocked.get_data(as_text=True)
    assert web.login("broker").status_code == 302  # the user-name limit is per user name
    app.extensions["matchmaker"].close()


def test_failed_logins_are_limited_per_address_across_user_names(demo_config: TestingConfig) -> None:
    app = create_app(demo_config, RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="4 per minute")
    app.extensions["matchmaker"].__dict__["embedder"] = HashingEmbedder()
    sprayer = WebClient(app)
    statuses = [sprayer.login(f"user{i}", "123456").status_code for i in range(5)]
    assert statuses == [401, 401, 401, 401, 429]
    elsewhere = WebClient(app)
    elsewhere.client.environ_base["REMOTE_ADDR"] = "10.0.0.9"
    assert elsewhere.login("broker").status_code == 302
    app.extensions["matchmaker"].close()


def test_behind_a_proxy_the_forwarded_address_is_limited(demo_config: TestingConfig) -> None:
    app = create_app(
        TestingConfig({"MATCHMAKER_HOME": str(demo_config.HOME), "PROXY_FIX_X_FOR": "1"}),
        RATELIMIT_ENABLED=True,
        LOGIN_RATE_LIMIT="2 per minute",
    )
    app.extensions["matchmaker"].__dict__["embedder"] = HashingEmbedder()
    web = WebClient(app)
    web.client.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.7"
    assert [web.login(f"u{i}", "x").status_code for i in range(3)] == [401, 401, 429]
    web.client.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.8"  # another client behind the same proxy
    assert web.login("broker").status_code == 302
    app.extensions["matchmaker"].close()


def test_nul_characters_are_refused_before_reaching_the_database(web: WebClient) -> None:
    response = web.post("/auth/login", {"username": "a\x00b", "password": "x"})
    assert response.status_code == 400 and "控制字符" in response.get_data(as_text=True)
    web.login("broker")
    assert web.get("/needs/?q=%00").status_code == 400
    assert web.get("/needs/?page=%C2%B2").status_code == 200  # a superscript two is not a page number
    assert web.get("/needs/?endpoint=x&_method=DELETE&page=2").status_code == 200


def test_forms_without_a_csrf_token_are_refused(web: WebClient) -> None:
    response = web.post("/auth/login", {"username": "admin", "password": "demo-password"}, csrf=False)
    assert response.status_code == 400
    assert "安全校验" in response.get_data(as_text=True)
    web.login("enterprise")
    assert web.post("/auth/logout", csrf=False).status_code == 400
    assert web.get("/needs/mine").status_code == 200  # still logged in


def test_session_cookie_flags(web: WebClient, demo_config: TestingConfig) -> None:
    response = web.login("bureau")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("matchmaker_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    production = ProductionConfig({"SECRET_KEY": "k" * 32, "MATCHMAKER_HOME": str(demo_config.HOME)})
    assert production.SESSION_COOKIE_SECURE is True
    app = create_app(production)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["DEMO_ACCOUNTS_ALLOWED"] is False


def test_error_pages_are_in_chinese_without_tracebacks(demo_config: TestingConfig) -> None:
    app = create_app(demo_config)

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret internal detail")

    client = app.test_client()
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and "页面不存在" in missing.get_data(as_text=True)
    failed = client.get("/boom")
    body = failed.get_data(as_text=True)
    assert failed.status_code == 500 and "服务器内部错误" in body
    assert "secret internal detail" not in body and "Traceback" not in body
    api_missing = client.get("/api/v1/no-such-endpoint")
    assert api_missing.status_code == 404 and api_missing.get_json()["error"]["status"] == 404
    assert client.post("/").status_code == 405


def test_ids_beyond_the_database_range_are_404(web: WebClient) -> None:
    web.login("broker")
    assert web.get("/needs/99999999999999999999").status_code == 404
    assert web.get("/needs/0").status_code == 404


def test_logged_in_pages_are_not_cached(web: WebClient) -> None:
    assert "no-store" not in web.get("/").headers.get("Cache-Control", "")
    web.login("broker")
    assert web.get("/needs/").headers["Cache-Control"] == "no-store"
