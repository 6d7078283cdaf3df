"""Plumbing of the JSON API: bearer tokens, request parsing, and errors as JSON."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from flask import g, jsonify, request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from matchmaker.errors import MESSAGES
from matchmaker.policy import Actor
from matchmaker.services.errors import ConflictError, NotFoundError, ServiceError, ValidationError
from matchmaker.services.sessions import user_for_token
from matchmaker.services.workflow import actor_for
from matchmaker.web import DUPLICATE, runtime
from models.base import MAX_ID

logger = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])
TOKEN_KIND = "api"


class ApiError(ServiceError):
    """A request error with an explicit HTTP status (bad JSON, missing or bad token)."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message, field)
        self.status = status


@dataclass(frozen=True)
class ApiUser:
    """The caller of this request: the bearer token and the policy's view of its user."""

    token: str
    actor: Actor


def bearer_token() -> str:
    """The token of the ``Authorization: Bearer`` header; 401 when there is none."""
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "缺少访问令牌：请在 Authorization 头中提供 Bearer 令牌", "Authorization")
    return token


def token_required(view: F) -> F:
    """Run ``view`` only for a live API token of an active user (401 otherwise)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        token = bearer_token()
        with runtime().session_factory() as session:
            user = user_for_token(session, token, TOKEN_KIND)
            if user is None:
                raise ApiError(401, "访问令牌无效、已过期或已注销，请重新获取", "Authorization")
            g.api_user = ApiUser(token, actor_for(user))
        for name, value in kwargs.items():
            if name.endswith("_id") and isinstance(value, int) and value > MAX_ID:
                raise NotFoundError(f"没有编号为 {value} 的记录")
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def current_api_user() -> ApiUser:
    """The authenticated caller (only inside a ``token_required`` view)."""
    user: ApiUser = g.api_user
    return user


def current_actor() -> Actor:
    """The policy's view of the authenticated caller."""
    return current_api_user().actor


def _has_nul(value: Any) -> bool:
    """True when a string inside ``value`` holds a NUL character (no database column accepts one)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str) and "\x00" in item:
            return True
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
    return False


def json_body(required: bool = True) -> dict[str, Any]:
    """The request body as a JSON object; 400 when it is not one (an empty optional body is ``{}``)."""
    if not request.get_data(cache=True) and not required:
        return {}
    try:
        data = request.get_json(force=True, silent=True)
    except RecursionError:
        raise ApiError(400, "JSON 嵌套层次过深") from None
    if not isinstance(data, dict):
        raise ApiError(400, "请求体应为 JSON 对象（Content-Type: application/json）")
    for name, value in data.items():
        if _has_nul(name) or _has_nul(value):
            raise ValidationError({name.replace("\x00", ""): "不能包含空字符（\\u0000）"})
    return data


def text_field(data: dict[str, Any], name: str, *, required: bool = False) -> str:
    """A string member of the body ("" when absent); 422 naming it when of another type or missing."""
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise ValidationError({name: "必须填写"})
        return ""
    if not isinstance(value, str):
        raise ValidationError({name: "应为字符串"})
    return value


def bool_field(data: dict[str, Any], name: str, default: bool) -> bool:
    """A boolean member of the body (``default`` when absent); 422 naming it otherwise."""
    value = data.get(name, default)
    if not isinstance(value, bool):
        raise ValidationError({name: "应为 true 或 false"})
    return value


def int_field(data: dict[str, Any], name: str, minimum: int = 1) -> int | None:
    """An integer member of the body (None when absent); 422 naming it otherwise."""
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= MAX_ID:
        raise ValidationError({name: f"应为不小于 {minimum} 的整数"})
    return value


def str_arg(name: str, choices: tuple[str, ...] | None = None) -> str | None:
    """A query argument (None when absent or blank); 422 naming it when not one of ``choices``."""
    value = (request.args.get(name) or "").strip() or None
    if value is not None and _has_nul(value):
        raise ValidationError({name: "不能包含空字符"})
    if value is not None and choices is not None and value not in choices:
        raise ValidationError({name: f"应为 {'、'.join(choices)} 之一"})
    return value


def int_arg(name: str, default: int, minimum: int, maximum: int) -> int:
    """An integer query argument within bounds (``default`` when absent); 422 naming it otherwise."""
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or not minimum <= int(raw) <= maximum:
        raise ValidationError({name: f"应为 {minimum}–{maximum} 的整数"})
    return int(raw)


def page_args() -> tuple[int, int]:
    """``page`` (from 1) and ``per_page`` (1–100, default 20) of a list."""
    return int_arg("page", 1, 1, 100_000), int_arg("per_page", 20, 1, 100)


def commit_or_conflict(session: Session) -> None:
    """Commit what a service left in ``session``; a concurrent change of the same row becomes a 409."""
    try:
        session.commit()
    except StaleDataError:
        session.rollback()
        raise ConflictError("该记录刚被他人修改，请刷新后重试", "version") from None


def no_unknown_fields(data: dict[str, Any], known: tuple[str, ...]) -> None:
    """422 naming the first member of the body that is not one of ``known``."""
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ValidationError({unknown[0]: f"未知字段：{', '.join(unknown)}"})


def _error(status: int, message: str, field: str | None, errors: dict[str, str] | None = None) -> Response:
    body: dict[str, Any] = {"status": status, "message": message, "field": field}
    if errors is not None:
        body["errors"] = errors
    response = jsonify(error=body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def is_unique_violation(exc: IntegrityError) -> bool:
    """Whether a unique index refused the write (PostgreSQL SQLSTATE 23505, SQLite's message)."""
    return getattr(exc.orig, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(exc.orig)


def duplicate_error(exc: IntegrityError) -> Response:
    """A unique index refused a write (two requests raced for the same row): 409. Any other
    constraint failure is a defect: logged with its traceback and answered as a 500."""
    if is_unique_violation(exc):
        logger.warning("API write refused by a unique index: %s", exc.orig)
        return _error(409, DUPLICATE, None)
    logger.error("API write refused by a database constraint", exc_info=exc)
    return _error(500, MESSAGES[500], None)


def service_error(exc: ServiceError) -> Response:
    """A domain error as ``{"error": {"status", "message", "field", "errors"?}}``."""
    errors = exc.errors if isinstance(exc, ValidationError) else None
    return _error(exc.status, str(exc), exc.field, errors)


def http_error(exc: HTTPException) -> Response:
    """An HTTP error raised inside the API (e.g. 429 from the rate limit) in the same JSON shape."""
    status = exc.code or 500
    return _error(status, MESSAGES.get(status, "出错了"), None)
