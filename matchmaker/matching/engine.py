"""Rank candidates for one query listing: fuse, compute features, score, explain."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from indexer.types import IndexDocument, SearchHit
from matchmaker.matching.candidates import RRF_K, reciprocal_rank_fusion
from matchmaker.matching.explain import explain
from matchmaker.matching.features import (
    FEATURES,
    budget_fit,
    field_agreement,
    freshness,
    industry_agreement,
    maturity_fit,
    mode_overlap,
    region_proximity,
    title_overlap,
)

ENGINE_VERSION = "hybrid-1"


@dataclass
class MatchResult:
    """One ranked candidate with its score and explanation."""

    candidate: IndexDocument
    score: float
    features: dict[str, float]
    contributions: dict[str, float]
    shared_terms: list[str]
    explanation: dict[str, Any] = field(default_factory=dict)


def _pair(query: IndexDocument, cand: IndexDocument) -> tuple[IndexDocument, IndexDocument]:
    return (query, cand) if query.kind == "need" else (cand, query)


def _cosine(a: np.ndarray | None, b: np.ndarray | None) -> float:
    if a is None or b is None:
        return 0.0
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    if na == 0 or nb == 0:
        return 0.0
    return float(np.dot(a, b) / (na * nb))


def _minmax(values: Mapping[int, float]) -> dict[int, float]:
    if not values:
        return {}
    lo, hi = min(values.values()), max(values.values())
    if hi - lo < 1e-9:
        return {k: (1.0 if hi > 0 else 0.0) for k in values}
    return {k: (v - lo) / (hi - lo) for k, v in values.items()}


def rank_candidates(
    query: IndexDocument,
    keyword_hits: Sequence[SearchHit],
    vector_hits: Sequence[SearchHit],
    candidates: Mapping[int, IndexDocument],
    weights: Mapping[str, float],
    *,
    now: dt.datetime | None = None,
    region_names: Mapping[str, str] | None = None,
    top: int = 10,
) -> list[MatchResult]:
    """Score the fused keyword and vector candidates of ``query``; best first.

    ``candidates`` holds the stored documents (with vectors) of every hit. The query's own
    document is never returned.
    """
    now = now or dt.datetime.now(dt.UTC)
    fused = reciprocal_rank_fusion([keyword_hits, vector_hits])
    today = now.date().isoformat()
    pool = [
        i
        for i in fused
        if i in candidates
        and not (candidates[i].kind == query.kind and i == query.id)
        and not (candidates[i].valid_until and candidates[i].valid_until < today)  # expired needs
    ]
    if not pool:
        return []
    cosines = {i: _cosine(query.vector, candidates[i].vector) for i in pool}
    semantic = _minmax(cosines)
    bm25 = {h.id: h.score for h in keyword_hits if h.id in cosines}
    best_bm25 = max(bm25.values(), default=0.0)
    keyword_rank = {h.id: r for r, h in enumerate(keyword_hits, start=1)}
    vector_rank = {h.id: r for r, h in enumerate(vector_hits, start=1)}
    results: list[MatchResult] = []
    for i in pool:
        cand = candidates[i]
        need, ach = _pair(query, cand)
        overlap, shared = title_overlap(query, cand)
        feats = {
            "fusion": fused[i] * (RRF_K + 1) / 2,
            "semantic": semantic[i],
            "keyword": (bm25.get(i, 0.0) / best_bm25) if best_bm25 > 0 else 0.0,
            "title_overlap": overlap,
            "tech_field": field_agreement(need.tech_field, ach.tech_field),
            "industry": industry_agreement(need.industries, ach.industries),
            "region": region_proximity(need.region_code, ach.region_code),
            "maturity": maturity_fit(ach.maturity),
            "mode": mode_overlap(need.modes, ach.modes),
            "budget": budget_fit(need.amount, ach.amount, ach.price_negotiable),
            "freshness": freshness(cand.updated_at, now),
        }
        contributions = {f: float(weights.get(f, 0.0)) * feats[f] for f in FEATURES}
        score = sum(contributions.values())
        result = MatchResult(cand, score, feats, contributions, shared)
        result.explanation = explain(
            query,
            cand,
            result.features,
            contributions,
            shared,
            cosine=cosines[i],
            keyword_rank=keyword_rank.get(i),
            vector_rank=vector_rank.get(i),
            region_names=region_names or {},
        )
        results.append(result)
    results.sort(key=lambda r: (-r.score, r.candidate.external_id))
    return results[:top]
