"""Find, rank and store match proposals for needs and achievements."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from indexer import SearchBackend
from indexer.documents import build_documents
from indexer.types import IndexDocument, SearchFilters, SearchHit
from matchmaker.matching import ENGINE_VERSION, MatchResult, rank_candidates
from matchmaker.matching.candidates import query_terms
from matchmaker.runtime import Runtime
from matchmaker.services.errors import NotFoundError, ServiceError
from matchmaker.services.listings import LISTING_MODELS, find_listing
from models import Achievement, MatchProposal, Need, record_audit
from models.enums import ListingKind, ProposalStatus

OTHER_KIND = {ListingKind.NEED: ListingKind.ACHIEVEMENT, ListingKind.ACHIEVEMENT: ListingKind.NEED}
RANKERS = ("hybrid", "keyword", "vector")


@dataclass
class QueryMatches:
    """The ranked matches of one query listing."""

    kind: str
    external_id: str
    title: str
    results: list[MatchResult]


def query_document(runtime: Runtime, listing: Need | Achievement) -> IndexDocument:
    """The listing's indexed document when current, else segmented and embedded afresh."""
    kind = ListingKind.NEED if isinstance(listing, Need) else ListingKind.ACHIEVEMENT
    stored = runtime.backend.get(kind, [listing.id]).get(listing.id)
    if stored is not None and stored.version == listing.version and stored.vector is not None:
        return stored
    return build_documents([listing], runtime.segmenter, runtime.embedder)[0]


def _region_names(runtime: Runtime) -> Mapping[str, str]:
    return runtime.region_resolver().names


def _single_signal(hits: Sequence[SearchHit], cands: Mapping[int, IndexDocument], top: int) -> list[MatchResult]:
    out = []
    for hit in hits[:top]:
        if hit.id in cands:
            out.append(MatchResult(cands[hit.id], hit.score, {}, {}, [], {"reason": "单一信号排序"}))
    return out


def match_in_backend(
    backend: SearchBackend,
    query: IndexDocument,
    *,
    candidates_k: int,
    weights: Mapping[str, float],
    region_names: Mapping[str, str],
    top: int = 10,
    filters: SearchFilters | None = None,
    ranker: str = "hybrid",
) -> list[MatchResult]:
    """The matching core without a Runtime: keyword and vector top-K from ``backend``, then the engine.

    ``candidates_k`` is the number of hits taken from each search (at least ``top``);
    ``region_names`` serves the explanations (only read by the hybrid ranker).
    """
    if ranker not in RANKERS:
        raise ServiceError(f"未知的排序方式：{ranker}")
    other = OTHER_KIND[ListingKind(query.kind)]
    filters = filters or SearchFilters()
    k = max(candidates_k, top)
    kw_hits = [] if ranker == "vector" else backend.keyword_search(other, query_terms(query), filters, k)
    vec_hits: list[SearchHit] = []
    if ranker != "keyword" and query.vector is not None:
        vec_hits = backend.vector_search(other, query.vector, filters, k)
    ids = list(dict.fromkeys([h.id for h in kw_hits] + [h.id for h in vec_hits]))
    candidates = backend.get(other, ids)
    if query.organization_id is not None:  # an organisation is never matched with itself
        own = {i for i, doc in candidates.items() if doc.organization_id == query.organization_id}
        candidates = {i: doc for i, doc in candidates.items() if i not in own}
        kw_hits = [h for h in kw_hits if h.id not in own]
        vec_hits = [h for h in vec_hits if h.id not in own]
    if ranker == "keyword":
        return _single_signal(kw_hits, candidates, top)
    if ranker == "vector":
        return _single_signal(vec_hits, candidates, top)
    return rank_candidates(query, kw_hits, vec_hits, candidates, weights, region_names=region_names, top=top)


def find_matches(
    runtime: Runtime,
    query: IndexDocument,
    top: int = 10,
    filters: SearchFilters | None = None,
    ranker: str = "hybrid",
    weights: Mapping[str, float] | None = None,
) -> list[MatchResult]:
    """Rank listings of the other kind for ``query`` with the hybrid engine or one signal."""
    if ranker not in RANKERS:
        raise ServiceError(f"未知的排序方式：{ranker}")
    runtime.backend.ensure_compatible(runtime.embedder.id, runtime.embedder.dim)
    return match_in_backend(
        runtime.backend,
        query,
        candidates_k=runtime.config.MATCH_CANDIDATES,
        weights=weights or runtime.config.MATCH_WEIGHTS,
        region_names=_region_names(runtime) if ranker == "hybrid" else {},
        top=top,
        filters=filters,
        ranker=ranker,
    )


def _store(session: Session, kind: str, listing: Need | Achievement, results: list[MatchResult], actor: str) -> None:
    for r in results:
        need_id, ach_id = (listing.id, r.candidate.id) if kind == ListingKind.NEED else (r.candidate.id, listing.id)
        proposal = session.scalar(
            select(MatchProposal).where(MatchProposal.need_id == need_id, MatchProposal.achievement_id == ach_id)
        )
        if proposal is None:
            proposal = MatchProposal(need_id=need_id, achievement_id=ach_id, status=ProposalStatus.PROPOSED)
            session.add(proposal)
        elif proposal.status != ProposalStatus.PROPOSED:
            continue  # a decision already taken is not overwritten by a new run
        proposal.score = r.score
        proposal.components = r.contributions
        proposal.shared_terms = r.shared_terms
        proposal.explanation = r.explanation
        proposal.engine_version = ENGINE_VERSION
    record_audit(
        session,
        actor,
        "match.run",
        kind,
        listing.id,
        None,
        {"engine_version": ENGINE_VERSION, "proposals": [r.candidate.external_id for r in results]},
    )


def match_listings(
    runtime: Runtime,
    kind: str,
    external_ids: Sequence[str],
    top: int = 10,
    *,
    actor: str = "cli",
    store: bool = True,
    filters: SearchFilters | None = None,
) -> list[QueryMatches]:
    """Match each listing named by external id; proposals are stored as MatchProposal rows.

    Raises NotFoundError naming the first unknown id (before anything is stored).
    """
    if kind not in LISTING_MODELS:
        raise ServiceError(f"未知的类型：{kind}")
    out: list[QueryMatches] = []
    with runtime.session_factory() as session:
        listings = []
        for ext in external_ids:
            listing = find_listing(session, kind, ext)
            if listing is None:
                label = "需求" if kind == ListingKind.NEED else "成果"
                raise NotFoundError(f"没有编号为 {ext} 的{label}")
            listings.append(listing)
        for listing in listings:
            results = find_matches(runtime, query_document(runtime, listing), top, filters)
            if store:
                _store(session, kind, listing, results, actor)
            out.append(QueryMatches(kind, listing.external_id, listing.title, results))
        session.commit()
    return out
