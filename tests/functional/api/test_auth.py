"""API tokens: issue, use, revoke; every way a token can be missing or dead; the failure rate limit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select

from config import TestingConfig
from matchmaker import create_app
from matchmaker.services.accounts import set_user_active
from matchmaker.services.sessions import open_session
from models import AuditEvent, AuthSession, User
from tests.fakes import HashingEmbedder
from tests.functional.api.helpers import ApiClient, assert_error, runtime_of


def test_a_token_is_issued_for_good_credentials_and_kept_server_side(app: Flask, anonymous: ApiClient) -> None:
    response = anonymous.post("/auth/token", {"username": "enterprise", "password": "demo-password"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["token"] and body["token_type"] == "Bearer"
    expires_at = dt.datetime.fromisoformat(body["expires_at"])
    hours = (expires_at - dt.datetime.now(dt.UTC)).total_seconds() / 3600
    assert runtime_of(app).config.API_TOKEN_HOURS - 1 < hours <= runtime_of(app).config.API_TOKEN_HOURS
    with runtime_of(app).session_factory() as session:
        row = session.scalar(select(AuthSession).where(AuthSession.kind == "api"))
        assert row is not None and row.token_hash != body["token"]  # only the hash is stored
        assert session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.login.api")) is not None


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"username": "enterprise", "password": "wrong-password"}, 401, None),
        ({"username": "nobody", "password": "demo-password"}, 401, None),
        ({"username": "enterprise"}, 422, "password"),
        ({"password": "demo-password"}, 422, "username"),
        ({"username": ["enterprise"], "password": "demo-password"}, 422, "username"),
    ],
)
def test_bad_credentials_are_refused(anonymous: ApiClient, body: dict[str, object], status: int, field: str) -> None:
    assert_error(anonymous.post("/auth/token", body), status, field)


def test_a_token_request_that_is_not_json_is_a_400(anonymous: ApiClient) -> None:
    response = anonymous.post("/auth/token", data="username=enterprise", content_type="application/json")
    assert_error(response, 400)
    assert_error(anonymous.post("/auth/token", [1, 2]), 400)


def test_requests_without_a_live_token_are_401(anonymous: ApiClient) -> None:
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic abc"}):
        response = anonymous.get("/needs", headers=headers)
        error = assert_error(response, 401, "Authorization")
        assert "令牌" in error["message"]
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_web_session_token_is_not_an_api_token(app: Flask) -> None:
    with runtime_of(app).session_factory() as session:
        user = session.scalar(select(User).where(User.username == "broker"))
        assert user is not None
        web_token = open_session(session, user, "web", 1)
        session.commit()
    assert_error(ApiClient(app, web_token).get("/needs"), 401)


def test_logout_revokes_the_presented_token_only(api: Callable[[str], ApiClient], app: Flask) -> None:
    first, second = api("broker"), api("broker")
    assert first.get("/needs").status_code == 200
    response = first.post("/auth/logout")
    assert response.status_code == 204
    assert_error(first.get("/needs"), 401)
    assert_error(first.post("/auth/logout"), 401)
    assert second.get("/needs").status_code == 200
    with runtime_of(app).session_factory() as session:
        assert session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.logout.api")) is not None


def test_the_token_of_a_user_disabled_meanwhile_stops_working(api: Callable[[str], ApiClient], app: Flask) -> None:
    client = api("research")
    assert client.get("/achievements?scope=mine").status_code == 200
    with runtime_of(app).session_factory() as session:
        set_user_active(session, "research", False, actor="admin")
        session.commit()
    assert_error(client.get("/achievements?scope=mine"), 401)
    assert_error(ApiClient(app).login("research"), 401)


def test_an_expired_token_is_401(api: Callable[[str], ApiClient], app: Flask) -> None:
    client = api("broker")
    with runtime_of(app).session_factory() as session:
        for row in session.scalars(select(AuthSession)):
            row.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
        session.commit()
    assert_error(client.get("/needs"), 401)


def test_failed_token_requests_are_rate_limited_but_successes_are_not(demo_config: TestingConfig) -> None:
    app = create_app(demo_config, RATELIMIT_ENABLED=True, LOGIN_USER_RATE_LIMIT="3 per minute")
    app.extensions["matchmaker"].__dict__["embedder"] = HashingEmbedder()
    client = ApiClient(app)
    for _ in range(4):
        assert client.login("bureau").status_code == 200
    statuses = [client.login("bureau", "wrong").status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    blocked = client.login("bureau")
    assert_error(blocked, 429)
    assert "操作过于频繁" in blocked.get_json()["error"]["message"]
    assert client.login("broker").status_code == 200  # the user-name limit is per user name
    app.extensions["matchmaker"].close()
