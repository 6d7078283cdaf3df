"""Plumbing shared by the HTML blueprints: the runtime, role guards, domain errors to HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app, flash, request
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from indexer.types import SearchFilters
from matchmaker.runtime import Runtime
from matchmaker.services.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ServiceError,
    ValidationError,
)
from matchmaker.services.workflow import ListingQuery
from models.enums import INDUSTRIES, MATURITY_LABELS, TECH_FIELDS

F = TypeVar("F", bound=Callable[..., Any])


def runtime() -> Runtime:
    """The application's runtime (database, index, embedder)."""
    rt: Runtime = current_app.extensions["matchmaker"]
    return rt


def roles_required(*roles: str) -> Callable[[F], F]:
    """Logged in with one of ``roles`` (403 otherwise)."""

    def decorate(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def abort_for(exc: ServiceError) -> None:
    """Turn not-found and permission errors into 404 and 403; other errors are the caller's."""
    if isinstance(exc, NotFoundError):
        abort(404, str(exc))
    if isinstance(exc, PermissionDeniedError):
        abort(403, str(exc))


DUPLICATE = "保存失败（数据冲突），请刷新后重试"


@contextmanager
def http_errors() -> Iterator[None]:
    """Not-found and permission errors raised inside become 404 and 403; other service errors pass on."""
    try:
        yield
    except ServiceError as exc:
        abort_for(exc)
        raise


@contextmanager
def commit_conflicts(session: Session, stale: str, duplicate: str = DUPLICATE) -> Iterator[None]:
    """A change that the caller commits inside: any service error rolls ``session`` back (404 and 403
    abort), a concurrent edit (stale version) or a duplicate row becomes a ConflictError."""
    try:
        yield
    except StaleDataError:
        session.rollback()
        raise ConflictError(stale, "version") from None
    except IntegrityError:
        session.rollback()
        raise ConflictError(duplicate) from None
    except ServiceError as exc:
        session.rollback()
        abort_for(exc)
        raise


def error_messages(exc: ServiceError) -> dict[str, str]:
    """The messages of a service error by field name ("" when it names none)."""
    return dict(exc.errors) if isinstance(exc, ValidationError) else {exc.field or "": str(exc)}


def errors_on_form(form: FlaskForm, errors: dict[str, str]) -> None:
    """Put each message on the form's visible field of that name; flash those of hidden or unknown fields."""
    for name, message in errors.items():
        field = form._fields.get(name)
        if field is not None and field.type != "HiddenField":
            field.errors = [*list(field.errors), message]
        else:
            flash(message, "danger")


def page_arg() -> int:
    """The ``page`` query argument (1 when missing or bad)."""
    value = request.args.get("page", "1")
    return int(value) if value.isascii() and value.isdigit() and 0 < int(value) < 100000 else 1


def listing_query(scope: str) -> ListingQuery:
    """Filters of a listing list from the query string (empty values ignored)."""
    args = request.args

    def arg(name: str) -> str | None:
        value = (args.get(name) or "").strip()
        return value or None

    return ListingQuery(
        scope=scope,
        status=arg("status"),
        region_code=arg("region"),
        tech_field=arg("field"),
        industry=arg("industry"),
        maturity=arg("maturity"),
        mode=arg("mode"),
        q=arg("q"),
    )


def region_choices() -> list[tuple[str, str]]:
    """Cities and counties of the home province as (code, "市 · 县") pairs for selects."""
    resolver = runtime().region_resolver()
    home = runtime().config.HOME_PROVINCE_CODE
    out: list[tuple[str, str]] = [(home, resolver.names.get(home, home) + "（全省）")]
    for city in resolver.children(home):
        out.append((city.code, city.name))
        out.extend((county.code, f"{city.name} · {county.name}") for county in resolver.children(city.code))
    return out


def filters_from_args() -> SearchFilters:
    """Search filters from the query string; only published listings are ever searched."""
    args = request.args

    def arg(name: str) -> str | None:
        return (args.get(name) or "").strip() or None

    return SearchFilters(
        region_code=arg("region"),
        tech_field=arg("field"),
        industry=arg("industry"),
        maturity=arg("maturity"),
        mode=arg("mode"),
    )


def filter_choices() -> dict[str, Any]:
    """What the filter bar (templates/_partials/filters.html) offers: regions, fields, industries, maturities."""
    return {
        "regions": region_choices(),
        "tech_fields": TECH_FIELDS,
        "industries": INDUSTRIES,
        "maturities": MATURITY_LABELS,
    }
