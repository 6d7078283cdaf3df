"""Candidate generation helpers: query terms and reciprocal rank fusion."""

from __future__ import annotations

from collections.abc import Sequence

from indexer.types import IndexDocument, SearchHit

RRF_K = 60
MAX_QUERY_TERMS = 64


def query_terms(doc: IndexDocument) -> list[str]:
    """Terms sent to keyword search: title and keywords first, then body terms, de-duplicated."""
    ordered = dict.fromkeys([*doc.title_terms, *doc.keyword_terms, *doc.body_terms])
    return list(ordered)[:MAX_QUERY_TERMS]


def reciprocal_rank_fusion(rankings: Sequence[Sequence[SearchHit]], k: int = RRF_K) -> dict[int, float]:
    """Sum of 1/(k + rank) over the rankings in which each id appears (rank from 1)."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, hit in enumerate(ranking, start=1):
            fused[hit.id] = fused.get(hit.id, 0.0) + 1.0 / (k + rank)
    return fused
