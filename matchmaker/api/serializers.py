"""Objects as JSON: listings, match proposals and search results (glossary field names)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from matchmaker.matching import MatchResult
from matchmaker.regions import RegionResolver
from matchmaker.services.listings import FIELDS
from matchmaker.services.proposals import ProposalView
from matchmaker.services.search import SearchResult
from matchmaker.services.workflow import Listing, kind_of
from models import MatchProposal

MONEY_FIELDS = ("budget", "price")


def money(value: Decimal | None) -> str | None:
    """Exact yuan as a string with two decimals ("1200000.00"), or None."""
    return None if value is None else f"{value:.2f}"


def iso(value: dt.date | dt.datetime | None) -> str | None:
    """A date or an aware datetime in ISO 8601, or None."""
    return None if value is None else value.isoformat()


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return money(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return list(value)
    return value


def organization_json(listing: Listing) -> dict[str, Any] | None:
    """The owning organisation as ``{"id", "name"}``, or None."""
    org = listing.organization
    return None if org is None else {"id": org.id, "name": org.name}


def region_name(resolver: RegionResolver, code: str | None) -> str | None:
    """The full name of a region code ("山西省朔州市怀仁市"), or None without a code."""
    return resolver.full_name(code) if code else None


def listing_json(listing: Listing, resolver: RegionResolver) -> dict[str, Any]:
    """A need or an achievement with every glossary field of its kind."""
    kind = kind_of(listing)
    data: dict[str, Any] = {
        "id": listing.id,
        "kind": str(kind),
        "external_id": listing.external_id,
        "status": listing.status,
        "version": listing.version,
    }
    for name in FIELDS[kind]:
        data[name] = _plain(getattr(listing, name))
    data["keywords"] = list(listing.keywords or [])
    data.update(
        region_code=listing.region_code,
        region_name=region_name(resolver, listing.region_code),
        organization=organization_json(listing),
        review_comment=listing.review_comment or "",
        created_at=iso(listing.created_at),
        updated_at=iso(listing.updated_at),
    )
    return data


def _decisions(proposal: MatchProposal) -> dict[str, Any]:
    return {
        "score": proposal.score,
        "status": proposal.status,
        "need_decision": proposal.need_decision,
        "achievement_decision": proposal.achievement_decision,
        "decline_reason": proposal.decline_reason or "",
        "pursued": bool(proposal.pursued),
        "shared_terms": list(proposal.shared_terms or []),
        "explanation": dict(proposal.explanation or {}),
    }


def match_json(view: ProposalView, kind: str, resolver: RegionResolver) -> dict[str, Any]:
    """A stored proposal seen from the listing of ``kind``: the counterpart first, then the proposal."""
    other = view.other(kind)
    return {
        "id": other.id,
        "kind": str(kind_of(other)),
        "proposal_id": view.proposal.id,
        "external_id": other.external_id,
        "title": other.title,
        "organization": organization_json(other),
        "region_code": other.region_code,
        "region_name": region_name(resolver, other.region_code),
        **_decisions(view.proposal),
    }


def live_match_json(result: MatchResult, resolver: RegionResolver) -> dict[str, Any]:
    """A match computed now and not stored: the same shape as a stored one, ``proposal_id`` null."""
    doc = result.candidate
    return {
        "id": doc.id,
        "kind": doc.kind,
        "proposal_id": None,
        "external_id": doc.external_id,
        "title": doc.title,
        "organization": {"id": doc.organization_id, "name": doc.organization_name},
        "region_code": doc.region_code,
        "region_name": region_name(resolver, doc.region_code),
        "score": result.score,
        "status": "live",
        "need_decision": "proposed",
        "achievement_decision": "proposed",
        "decline_reason": "",
        "pursued": False,
        "shared_terms": list(result.shared_terms),
        "explanation": dict(result.explanation),
    }


def proposal_json(proposal: MatchProposal) -> dict[str, Any]:
    """A proposal on its own (after a decision or a pursue mark)."""
    return {
        "id": proposal.id,
        "need_id": proposal.need_id,
        "achievement_id": proposal.achievement_id,
        **_decisions(proposal),
        "created_at": iso(proposal.created_at),
        "updated_at": iso(proposal.updated_at),
    }


def search_result_json(result: SearchResult) -> dict[str, Any]:
    """One search hit with its highlighted title (HTML-escaped, terms in <mark>)."""
    return {
        "kind": result.kind,
        "id": result.id,
        "external_id": result.external_id,
        "title": result.title,
        "score": result.score,
        "matched_terms": list(result.matched_terms),
        "title_html": str(result.title_html),
        "snippet_html": str(result.snippet_html),
    }
