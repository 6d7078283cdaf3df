"""One search page over needs and achievements: keywords and meaning together."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_login import login_required

from matchmaker.services.errors import ValidationError
from matchmaker.services.search import SearchUnavailableError, search_listings
from matchmaker.web import filter_choices, filters_from_args, page_arg, runtime

bp = Blueprint("search", __name__, url_prefix="/search")


@bp.get("/")
@login_required
def index() -> tuple[str, int] | str:
    """The search form and, for a query, a page of highlighted results."""
    q = (request.args.get("q") or "").strip()
    kind = request.args.get("kind") or "all"
    context: dict[str, Any] = {
        "q": q,
        "kind": kind,
        **filter_choices(),
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
