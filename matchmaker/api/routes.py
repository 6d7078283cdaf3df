"""JSON API under /api/v1: the routing table; the views live in the modules beside this one.

Every view but the token exchange and the OpenAPI document needs ``Authorization: Bearer``.
Domain errors become ``{"error": {"status", "message", "field", "errors"?}}`` with their status.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from matchmaker.api import auth, contracts, deals, listings, proposals, search, stats
from matchmaker.api.common import duplicate_error, http_error, service_error
from matchmaker.api.openapi import openapi_json
from matchmaker.services.errors import ServiceError
from models.enums import ListingKind

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.register_error_handler(ServiceError, service_error)
bp.register_error_handler(HTTPException, http_error)
bp.register_error_handler(IntegrityError, duplicate_error)

bp.add_url_rule("/auth/token", "token", auth.issue_token, methods=["POST"])
bp.add_url_rule("/auth/logout", "logout", auth.logout, methods=["POST"])


def _add_listing_routes(kind: str) -> None:
    """The same views for needs and achievements; the rule passes ``kind``."""
    base, item, defaults = f"/{kind}s", f"/{kind}s/<int:listing_id>", {"kind": kind}
    rules: list[tuple[str, str, Callable[..., Response], str]] = [
        (base, "list", listings.list_listings, "GET"),
        (base, "create", listings.create_listing, "POST"),
        (item, "detail", listings.get_listing, "GET"),
        (item, "patch", listings.patch_listing, "PATCH"),
        (f"{item}/submit", "submit", listings.submit_listing, "POST"),
        (f"{item}/review", "review", listings.review_listing, "POST"),
        (f"{item}/close", "close", listings.close_listing, "POST"),
        (f"{item}/matches", "matches", proposals.list_matches, "GET"),
    ]
    for rule, action, view, method in rules:
        bp.add_url_rule(rule, listings.endpoint(kind, action), view, methods=[method], defaults=defaults)


_add_listing_routes(ListingKind.NEED.value)
_add_listing_routes(ListingKind.ACHIEVEMENT.value)
bp.add_url_rule("/proposals/<int:proposal_id>/decision", "proposal_decision", proposals.decide, methods=["POST"])
bp.add_url_rule("/proposals/<int:proposal_id>/pursue", "proposal_pursue", proposals.pursue, methods=["POST"])
bp.add_url_rule("/deals", "deals_list", deals.list_deals, methods=["GET"])
bp.add_url_rule("/deals", "deals_create", deals.create_deal, methods=["POST"])
bp.add_url_rule("/deals/<int:deal_id>/stage", "deal_stage", deals.move_stage, methods=["POST"])
bp.add_url_rule("/contracts", "contracts_list", contracts.list_contracts, methods=["GET"])
bp.add_url_rule("/contracts", "contracts_create", contracts.create_contract, methods=["POST"])
bp.add_url_rule("/contracts/<int:contract_id>", "contract_detail", contracts.get_contract, methods=["GET"])
bp.add_url_rule("/contracts/<int:contract_id>/register", "contract_register", contracts.register, methods=["POST"])
bp.add_url_rule("/contracts/<int:contract_id>/reject", "contract_reject", contracts.reject, methods=["POST"])
bp.add_url_rule("/contracts/<int:contract_id>/revoke", "contract_revoke", contracts.revoke, methods=["POST"])
bp.add_url_rule("/contracts/<int:contract_id>/amend", "contract_amend", contracts.amend, methods=["POST"])
bp.add_url_rule("/stats", "stats", stats.region_stats)
bp.add_url_rule("/search", "search", search.search)
bp.add_url_rule("/openapi.json", "openapi", openapi_json)
