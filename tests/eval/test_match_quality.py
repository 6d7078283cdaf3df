"""Match quality on the labelled set: the full engine must beat both single-signal rankings."""

from __future__ import annotations

import pytest

from config import TestingConfig
from matchmaker.services.eval_run import DEFAULT_EVAL_DIR, run_eval

pytestmark = pytest.mark.slow


def test_labelled_set_is_large_enough() -> None:
    needs = (DEFAULT_EVAL_DIR / "needs.jsonl").read_text(encoding="utf-8").splitlines()
    achievements = (DEFAULT_EVAL_DIR / "achievements.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(needs) >= 40 and len(achievements) >= 150


def test_full_engine_beats_keyword_only_and_vector_only() -> None:
    report = run_eval(DEFAULT_EVAL_DIR, TestingConfig({}))
    hybrid, keyword, vector = (report.metrics[r] for r in ("hybrid", "keyword", "vector"))
    print({name: vars(m) for name, m in report.metrics.items()})
    assert hybrid.ndcg10 > keyword.ndcg10 * 1.03
    assert hybrid.ndcg10 > vector.ndcg10 * 1.03
    assert hybrid.mrr >= max(keyword.mrr, vector.mrr)
