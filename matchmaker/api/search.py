"""Search over JSON: keywords and meaning together, filters, highlighted titles; 503 when the index is down."""

from __future__ import annotations

from flask import jsonify, request
from werkzeug.wrappers import Response

from indexer.types import SearchFilters
from matchmaker.api.common import page_args, runtime, str_arg, token_required
from matchmaker.api.serializers import search_result_json
from matchmaker.services.search import search_listings

DEFAULT_PER_PAGE = 10


@token_required
def search() -> Response:
    """A page of published listings for ``q`` (kind all, need or achievement), best first."""
    page, per_page = page_args()
    if not request.args.get("per_page"):
        per_page = DEFAULT_PER_PAGE
    filters = SearchFilters(
        region_code=str_arg("region"),
        tech_field=str_arg("field"),
        industry=str_arg("industry"),
        maturity=str_arg("maturity"),
        mode=str_arg("mode"),
    )
    result = search_listings(runtime(), str_arg("q") or "", str_arg("kind") or "all", filters, page, per_page)
    return jsonify(
        items=[search_result_json(r) for r in result.results],
        total=result.total,
        page=result.page,
        per_page=result.per_page,
        query=result.query,
        terms=result.terms,
    )
