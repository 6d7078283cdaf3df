"""Needs and achievements over JSON: list, post, read, patch, submit, review, close.

One set of views serves both kinds (the route passes ``kind``); each view parses the request,
calls a workflow service and serialises the listing the service left behind.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, url_for
from werkzeug.wrappers import Response

from matchmaker.api.common import (
    current_actor,
    int_field,
    json_body,
    page_args,
    runtime,
    str_arg,
    text_field,
    token_required,
)
from matchmaker.api.serializers import listing_json
from matchmaker.policy import Verb, allowed
from matchmaker.services import workflow
from matchmaker.services.errors import PermissionDeniedError
from matchmaker.services.listing_input import parse_listing_input
from models.enums import CooperationMode, ListingKind, ListingStatus, Maturity, SolutionMode

STATUSES = tuple(s.value for s in ListingStatus)
MATURITIES = tuple(m.value for m in Maturity)
MODES: dict[str, tuple[str, ...]] = {
    ListingKind.NEED: tuple(m.value for m in SolutionMode),
    ListingKind.ACHIEVEMENT: tuple(m.value for m in CooperationMode),
}


def endpoint(kind: str, action: str) -> str:
    """The endpoint name of ``action`` on ``kind`` (``needs_detail``, ``achievements_list`` …)."""
    return f"{kind}s_{action}"


def _listing_response(kind: str, listing_id: int, status: int = 200) -> Response:
    """The listing as the caller now sees it."""
    rt = runtime()
    with rt.session_factory() as session:
        listing = workflow.load_listing(session, current_actor(), kind, listing_id)
        response = jsonify(listing_json(listing, rt.region_resolver()))
    response.status_code = status
    return response


@token_required
def list_listings(kind: str) -> Response:
    """A filtered page of listings in a scope (mine, published, review, all)."""
    query = workflow.ListingQuery(
        scope=str_arg("scope") or "published",
        status=str_arg("status", STATUSES),
        region_code=str_arg("region"),
        tech_field=str_arg("field"),
        industry=str_arg("industry"),
        maturity=str_arg("maturity", MATURITIES) if kind == ListingKind.ACHIEVEMENT else None,
        mode=str_arg("mode", MODES[kind]),
        q=str_arg("q"),
    )
    page, per_page = page_args()
    rt = runtime()
    with rt.session_factory() as session:
        result = workflow.list_listings(session, current_actor(), kind, query, page, per_page)
        resolver = rt.region_resolver()
        items = [listing_json(listing, resolver) for listing in result.items]
    return jsonify(items=items, total=result.total, page=result.page, per_page=result.per_page)


@token_required
def create_listing(kind: str) -> Response:
    """Post a new draft for the caller's organisation; 201 with its Location."""
    actor = current_actor()
    if not allowed(actor, kind, Verb.CREATE):
        raise PermissionDeniedError(f"您没有权限发布{workflow.KIND_LABELS[kind]}")
    values = parse_listing_input(kind, json_body(), amounts_in_wan=False)
    ref = workflow.create_listing(runtime(), actor, kind, values)
    response = _listing_response(kind, ref.id, 201)
    response.headers["Location"] = url_for(f"api.{endpoint(kind, 'detail')}", listing_id=ref.id)
    return response


@token_required
def get_listing(kind: str, listing_id: int) -> Response:
    """One listing the caller may see (404 otherwise, drafts of others included)."""
    return _listing_response(kind, listing_id)


@token_required
def patch_listing(kind: str, listing_id: int) -> Response:
    """Change some fields; ``version`` (optional) must be the current one (409 when stale)."""
    data: dict[str, Any] = dict(json_body())
    expected_version = int_field(data, "version")
    data.pop("version", None)
    values = parse_listing_input(kind, data, partial=True, amounts_in_wan=False)
    workflow.update_listing(runtime(), current_actor(), kind, listing_id, values, expected_version)
    return _listing_response(kind, listing_id)


@token_required
def submit_listing(kind: str, listing_id: int) -> Response:
    """Send an own draft to the bureau's review queue."""
    workflow.submit_listing(runtime(), current_actor(), kind, listing_id)
    return _listing_response(kind, listing_id)


@token_required
def review_listing(kind: str, listing_id: int) -> Response:
    """Bureau: publish a listing under review, or return it with a comment."""
    data = json_body()
    decision = text_field(data, "decision", required=True)
    comment = text_field(data, "comment")
    workflow.review_listing(runtime(), current_actor(), kind, listing_id, decision, comment)
    return _listing_response(kind, listing_id)


@token_required
def close_listing(kind: str, listing_id: int) -> Response:
    """Close an own listing; it leaves search and matching."""
    workflow.close_listing(runtime(), current_actor(), kind, listing_id)
    return _listing_response(kind, listing_id)
