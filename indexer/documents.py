"""Listings (needs, achievements) → IndexDocuments. The only indexer module that reads models."""

from __future__ import annotations

from collections.abc import Sequence

from indexer.embeddings import Embedder
from indexer.text import Segmenter
from indexer.types import IndexDocument
from models import Achievement, Need
from models.enums import ListingKind

EMBED_BODY_CHARS = 480


def listing_kind(listing: Need | Achievement) -> str:
    """``need`` or ``achievement``."""
    return ListingKind.NEED if isinstance(listing, Need) else ListingKind.ACHIEVEMENT


def listing_body(listing: Need | Achievement) -> str:
    """The long text of a listing: 需求概述 and indicators, or the achievement summary."""
    if isinstance(listing, Need):
        parts = (
            listing.problem,
            listing.key_technology,
            listing.expected_target,
            listing.indicators,
        )
        return "\n".join(p for p in parts if p)
    return listing.summary or ""


def embedding_text(title: str, keywords: Sequence[str], body: str) -> str:
    """Text given to the embedder: title first, then keywords, then the start of the body."""
    head = title.strip()
    if keywords:
        head += "。关键词：" + "、".join(keywords)
    return head + "。" + body.strip()[:EMBED_BODY_CHARS]


def build_document(listing: Need | Achievement, segmenter: Segmenter) -> IndexDocument:
    """Segment a listing into an IndexDocument (without vector)."""
    body = listing_body(listing)
    keywords = segmenter.normalize_terms(listing.keywords or [])
    if not keywords:
        keywords = segmenter.keywords(listing.title + "\n" + body, top_k=5)
    keyword_terms: list[str] = []
    for kw in keywords:
        keyword_terms.append(kw)
        keyword_terms.extend(t for t in segmenter.cut_for_search(kw) if t != kw)
    if isinstance(listing, Need):
        industries = [listing.industry] if listing.industry else []
        modes = list(listing.solution_modes or [])
        amount = None if listing.budget is None else str(listing.budget)
        maturity, negotiable = "", False
    else:
        industries = list(listing.industries or [])
        modes = list(listing.cooperation_modes or [])
        amount = None if listing.price is None else str(listing.price)
        maturity, negotiable = listing.maturity or "", bool(listing.price_negotiable)
    org = listing.organization
    return IndexDocument(
        kind=listing_kind(listing),
        id=listing.id,
        external_id=listing.external_id,
        version=listing.version,
        title=listing.title,
        title_terms=segmenter.cut_for_search(listing.title),
        keyword_terms=keyword_terms,
        body_terms=segmenter.cut_for_search(body),
        keywords=keywords,
        region_code=listing.region_code,
        tech_field=listing.tech_field or "",
        industries=industries,
        maturity=maturity,
        modes=modes,
        amount=amount,
        price_negotiable=negotiable,
        status=listing.status,
        organization_id=listing.organization_id,
        organization_name=org.name if org is not None else "",
        updated_at=listing.updated_at.isoformat() if listing.updated_at else "",
        valid_until=listing.valid_until.isoformat() if isinstance(listing, Need) and listing.valid_until else "",
    )


def build_documents(
    listings: Sequence[Need | Achievement], segmenter: Segmenter, embedder: Embedder
) -> list[IndexDocument]:
    """Segment and embed listings in one batch."""
    docs = [build_document(item, segmenter) for item in listings]
    texts = [embedding_text(item.title, d.keywords, listing_body(item)) for item, d in zip(listings, docs, strict=True)]
    if docs:
        vectors = embedder.embed_passages(texts)
        for doc, vec in zip(docs, vectors, strict=True):
            doc.vector = vec
    return docs
