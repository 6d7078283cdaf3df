"""The API test client, error assertions and helpers that find demo objects in the database."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from matchmaker.runtime import Runtime
from matchmaker.services.demo import DEMO_PASSWORD
from models import MatchProposal, Need, User

PREFIX = "/api/v1"


class ApiClient:
    """A test client that sends JSON and, once logged in, the bearer token."""

    def __init__(self, app: Flask, token: str | None = None) -> None:
        self.app = app
        self.client: FlaskClient = app.test_client()
        self.token = token

    def request(self, method: str, path: str, json: Any = None, **kwargs: Any) -> TestResponse:
        """Send ``method`` to ``path`` (relative to /api/v1 unless absolute) with the token."""
        url = path if path.startswith("/api/") else PREFIX + path
        headers = dict(kwargs.pop("headers", {}))
        if self.token is not None:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        if json is not None:
            kwargs["json"] = json
        return self.client.open(url, method=method, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        """GET ``path``."""
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> TestResponse:
        """POST JSON to ``path``."""
        return self.request("POST", path, json, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs: Any) -> TestResponse:
        """PATCH JSON to ``path``."""
        return self.request("PATCH", path, json, **kwargs)

    def login(self, username: str, password: str = DEMO_PASSWORD) -> TestResponse:
        """Exchange credentials for a token and keep it."""
        response = self.post("/auth/token", {"username": username, "password": password})
        if response.status_code == 200:
            self.token = response.get_json()["token"]
        return response


def runtime_of(app: Flask) -> Runtime:
    """The app's runtime."""
    rt: Runtime = app.extensions["matchmaker"]
    return rt


def assert_error(response: TestResponse, status: int, field: str | None = None) -> dict[str, Any]:
    """The response is a JSON error of ``status`` naming ``field`` (when given); returns its body."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    error = response.get_json()["error"]
    assert error["status"] == status and error["message"]
    if field is not None:
        assert error["field"] == field, error
    return dict(error)


def published_need_with_proposals(app: Flask, username: str = "enterprise") -> tuple[int, list[int]]:
    """A published need of ``username``'s organisation and its proposal ids (best first)."""
    with runtime_of(app).session_factory() as session:
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None
        for need in session.scalars(
            select(Need).where(Need.organization_id == user.organization_id, Need.status == "published")
        ):
            ids = list(
                session.scalars(
                    select(MatchProposal.id)
                    .where(MatchProposal.need_id == need.id)
                    .order_by(MatchProposal.score.desc())
                )
            )
            if ids:
                return need.id, ids
    raise AssertionError("the demo data gives every published need proposals")
