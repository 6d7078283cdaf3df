"""Ranking quality metrics: nDCG@k, Recall@k and MRR over graded relevance judgements."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


def dcg(gains: Sequence[int], k: int) -> float:
    """Discounted cumulative gain with exponential gain 2^g − 1."""
    return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gains[:k]))


def ndcg_at_k(ranking: Sequence[str], judgements: Mapping[str, int], k: int = 10) -> float:
    """nDCG@k of ``ranking`` against graded ``judgements`` (unlisted ids are grade 0)."""
    ideal = dcg(sorted(judgements.values(), reverse=True), k)
    if ideal == 0:
        return 0.0
    return dcg([judgements.get(i, 0) for i in ranking], k) / ideal


def recall_at_k(ranking: Sequence[str], judgements: Mapping[str, int], k: int = 20) -> float:
    """Share of relevant ids (grade ≥ 1) found in the first ``k``."""
    relevant = {i for i, g in judgements.items() if g > 0}
    if not relevant:
        return 0.0
    return len(relevant & set(ranking[:k])) / len(relevant)


def reciprocal_rank(ranking: Sequence[str], judgements: Mapping[str, int]) -> float:
    """1 / rank of the first relevant id (grade ≥ 1), 0 when none is ranked."""
    for rank, item in enumerate(ranking, start=1):
        if judgements.get(item, 0) > 0:
            return 1.0 / rank
    return 0.0


@dataclass
class Metrics:
    """Mean metrics over a set of queries."""

    ndcg10: float
    recall20: float
    mrr: float
    queries: int


def evaluate(rankings: Mapping[str, Sequence[str]], qrels: Mapping[str, Mapping[str, int]]) -> Metrics:
    """Mean nDCG@10, Recall@20 and MRR of ``rankings`` over the queries in ``qrels``."""
    queries = [q for q in qrels if any(g > 0 for g in qrels[q].values())]
    if not queries:
        return Metrics(0.0, 0.0, 0.0, 0)
    n = len(queries)
    return Metrics(
        ndcg10=sum(ndcg_at_k(rankings.get(q, []), qrels[q]) for q in queries) / n,
        recall20=sum(recall_at_k(rankings.get(q, []), qrels[q]) for q in queries) / n,
        mrr=sum(reciprocal_rank(rankings.get(q, []), qrels[q]) for q in queries) / n,
        queries=n,
    )
