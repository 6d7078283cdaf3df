"""Fixtures of the API tests: a client per demo account and one without a token."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from tests.functional.api.helpers import ApiClient


@pytest.fixture
def api(app: Flask) -> Callable[[str], ApiClient]:
    """``api("enterprise")``: a client holding a fresh token of that demo account."""

    def make(username: str) -> ApiClient:
        client = ApiClient(app)
        assert client.login(username).status_code == 200
        return client

    return make


@pytest.fixture
def anonymous(app: Flask) -> ApiClient:
    """A client without a token."""
    return ApiClient(app)
