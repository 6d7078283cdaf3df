import math

import pytest

from matchmaker.evaluation import evaluate, ndcg_at_k, recall_at_k, reciprocal_rank


def test_ndcg_is_one_for_the_ideal_order_and_less_otherwise() -> None:
    judgements = {"a": 2, "b": 1}
    assert ndcg_at_k(["a", "b", "c"], judgements) == pytest.approx(1.0)
    swapped = ndcg_at_k(["b", "a"], judgements)
    expected = (1 + 3 / math.log2(3)) / (3 + 1 / math.log2(3))
    assert swapped == pytest.approx(expected)
    assert ndcg_at_k(["x", "y"], judgements) == 0.0


def test_recall_and_reciprocal_rank() -> None:
    judgements = {"a": 2, "b": 1, "c": 0}
    assert recall_at_k(["c", "a", "z"], judgements, k=20) == 0.5
    assert reciprocal_rank(["c", "z", "b"], judgements) == pytest.approx(1 / 3)
    assert reciprocal_rank(["c"], judgements) == 0.0


def test_evaluate_averages_over_queries_with_relevant_items() -> None:
    qrels = {"q1": {"a": 2}, "q2": {"b": 1}, "q3": {"c": 0}}
    metrics = evaluate({"q1": ["a"], "q2": ["x", "b"]}, qrels)
    assert metrics.queries == 2
    assert metrics.mrr == pytest.approx((1 + 0.5) / 2)
    assert metrics.recall20 == 1.0
