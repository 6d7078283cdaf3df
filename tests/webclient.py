"""A Flask test client that behaves like a browser: it reads CSRF tokens from pages and logs in."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from matchmaker.services.demo import DEMO_PASSWORD

_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


class WebClient:
    """Wraps one FlaskClient (one cookie jar)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.client: FlaskClient = app.test_client()

    def csrf(self) -> str:
        """A CSRF token for the current session, read from a page like a browser would."""
        page = self.client.get("/auth/login").get_data(as_text=True)
        match = _META.search(page) or _META.search(self.client.get("/").get_data(as_text=True))
        assert match, "no csrf-token meta tag"
        return match.group(1)

    def get(self, url: str, **kwargs: Any) -> TestResponse:
        """GET ``url``."""
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict[str, Any] | None = None, *, csrf: bool = True, **kwargs: Any) -> TestResponse:
        """POST a form, with a valid CSRF token unless ``csrf`` is False."""
        form = dict(data or {})
        if csrf:
            form.setdefault("csrf_token", self.csrf())
        return self.client.post(url, data=form, **kwargs)

    def login(self, username: str, password: str = DEMO_PASSWORD) -> TestResponse:
        """Log in through the login form."""
        response = self.post("/auth/login", {"username": username, "password": password})
        return response

    def logout(self) -> TestResponse:
        """Log out through the logout button."""
        return self.post("/auth/logout")

    def text(self, url: str) -> str:
        """The body of GET ``url`` as text (asserting 200)."""
        response = self.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response.get_data(as_text=True)
