"""Limits on failed logins, shared by the login page and the API token endpoint.

Two limits, both counting failures only: one per client address (password spraying across many
user names) and one per user name (guessing one account's password from many addresses; this is
the 登录失败处理 of 等保: the account is locked for the rest of the window). Behind a reverse proxy
set PROXY_FIX_X_FOR so that the client address is the real one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import current_app, g, request
from werkzeug.wrappers import Response

from matchmaker.extensions import limiter

F = TypeVar("F", bound=Callable[..., Any])


def address_limit() -> str:
    """Failed logins allowed per client address (LOGIN_RATE_LIMIT)."""
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def username_limit() -> str:
    """Failed logins allowed per user name (LOGIN_USER_RATE_LIMIT)."""
    return str(current_app.config["LOGIN_USER_RATE_LIMIT"])


def login_failed(_response: Response) -> bool:
    """Only failed attempts count (a view sets ``g.login_failed``)."""
    return bool(g.get("login_failed"))


def attempted_username() -> str:
    """The user name of a login form or a token request, normalised ("" when absent)."""
    name: object = request.form.get("username")
    if name is None and request.is_json:
        data = request.get_json(silent=True)
        name = data.get("username") if isinstance(data, dict) else None
    return f"user:{name.strip().lower()}" if isinstance(name, str) else "user:"


def client_address() -> str:
    """The client address (the real one when ProxyFix is configured)."""
    return f"addr:{request.remote_addr}"


def limit_failed_logins(view: F) -> F:
    """Apply both failure limits to a login view (POST only)."""
    by_user = limiter.limit(username_limit, methods=["POST"], deduct_when=login_failed, key_func=attempted_username)
    by_address = limiter.limit(address_limit, methods=["POST"], deduct_when=login_failed, key_func=client_address)
    return cast("F", by_address(by_user(view)))
