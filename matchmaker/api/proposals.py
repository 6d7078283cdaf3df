"""Match proposals over JSON: a listing's explained matches, decisions and brokers' pursue marks."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from werkzeug.wrappers import Response

from indexer.types import SearchFilters
from matchmaker.api.common import bool_field, current_actor, int_arg, json_body, runtime, text_field, token_required
from matchmaker.api.serializers import live_match_json, match_json, proposal_json
from matchmaker.policy import Verb, is_published
from matchmaker.services import workflow
from matchmaker.services.proposals import decide_proposal, filtered_matches, proposals_for_listing, pursue_proposal

DEFAULT_TOP = 10
MAX_TOP = 50  # the matching service's own bound


def _stored_matches(kind: str, listing_id: int, top: int) -> tuple[list[dict[str, Any]], bool]:
    """The listing's stored proposals as JSON (best first) and whether the listing is published."""
    rt = runtime()
    actor = current_actor()
    with rt.session_factory() as session:
        listing = workflow.load_listing(session, actor, kind, listing_id, Verb.MATCHES)
        published = is_published(listing.status)
        views = proposals_for_listing(session, actor, kind, listing_id)[:top]
        resolver = rt.region_resolver()
        return [match_json(view, kind, resolver) for view in views], published


@token_required
def list_matches(kind: str, listing_id: int) -> Response:
    """The listing's stored explained matches; a published listing without any gets live ones (nothing stored)."""
    top = int_arg("top", DEFAULT_TOP, 1, MAX_TOP)
    matches, published = _stored_matches(kind, listing_id, top)
    if not matches and published:
        rt = runtime()
        live = filtered_matches(rt, current_actor(), kind, listing_id, SearchFilters(), top)
        resolver = rt.region_resolver()
        matches = [live_match_json(result, resolver) for result in live]
    return jsonify(matches=matches)


@token_required
def decide(proposal_id: int) -> Response:
    """Accept or decline (with a listed reason) a proposal for one's own listing."""
    data = json_body()
    proposal = decide_proposal(
        runtime(),
        current_actor(),
        proposal_id,
        text_field(data, "decision", required=True),
        text_field(data, "reason"),
        text_field(data, "note"),
    )
    return jsonify(proposal_json(proposal))


@token_required
def pursue(proposal_id: int) -> Response:
    """A technology manager marks (``pursued`` true, the default) or unmarks a proposal."""
    pursued = bool_field(json_body(required=False), "pursued", default=True)
    proposal = pursue_proposal(runtime(), current_actor(), proposal_id, pursued)
    return jsonify(proposal_json(proposal))
