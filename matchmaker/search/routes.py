"""One search page over needs and achievements: keywords and meaning together."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_login import login_required

from indexer.types import SearchFilters
from matchmaker.listings.routes import region_choices
from matchmaker.services.errors import ValidationError
from matchmaker.services.search import SearchUnavailableError, search_listings
from matchmaker.web import page_arg, runtime
from models.enums import INDUSTRIES, MATURITY_LABELS, TECH_FIELDS

bp = Blueprint("search", __name__, url_prefix="/search")


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


@bp.get("/")
@login_required
def index() -> tuple[str, int] | str:
    """The search form and, for a query, a page of highlighted results."""
    q = (request.args.get("q") or "").strip()
    kind = request.args.get("kind") or "all"
    context: dict[str, Any] = {
        "q": q,
        "kind": kind,
        "regions": region_choices(),
        "tech_fields": TECH_FIELDS,
        "industries": INDUSTRIES,
        "maturities": MATURITY_LABELS,
        "results": None,
        "error": None,
    }
    if not q:
        return render_template("search/index.html", **context)
    try:
        context["results"] = search_listings(runtime(), q, kind, filters_from_args(), page_arg())
    except SearchUnavailableError as exc:
        context["error"] = str(exc)
        return render_template("search/index.html", **context), 503
    except ValidationError as exc:
        context["error"] = next(iter(exc.errors.values()))
        return render_template("search/index.html", **context), 400
    return render_template("search/index.html", **context)
