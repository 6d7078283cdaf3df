"""`matchmaker bench search` at a tiny size on the embedded backend (no timing assertions)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from config import TestingConfig
from matchmaker.cli import main
from matchmaker.runtime import Runtime
from matchmaker.services.bench_catalogue import load_vocabulary, synthetic_documents
from tests.fakes import HashingEmbedder


@pytest.fixture(scope="module")
def bench_runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """A runtime without a database (the bench needs none) and the fast hashing embedder."""
    home = tmp_path_factory.mktemp("bench")
    rt = Runtime(TestingConfig({"MATCHMAKER_HOME": str(home)}))
    rt.__dict__["embedder"] = HashingEmbedder(dim=48)
    yield rt
    rt.close()


def test_bench_search_reports_both_sizes_as_json(bench_runtime: Runtime) -> None:
    result = CliRunner().invoke(
        main, ["bench", "search", "--sizes", "300,600", "--queries", "10", "--json"], obj=bench_runtime
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["dim"] == 48 and report["sources"] > 400
    assert [(r["backend"], r["size"]) for r in report["rows"]] == [("sqlite", 300), ("sqlite", 600)]
    for row in report["rows"]:
        assert row["needs"] + row["achievements"] == row["size"]
        assert row["needs"] > 0 and row["achievements"] > row["needs"]
        for name in ("index_seconds", "index_docs_per_s", "cold_ms", "p50_ms", "p95_ms"):
            assert row[name] > 0, name
        assert row["p95_ms"] >= row["p50_ms"]
        assert row["index_ratio"] == row["p50_ratio"] == row["p95_ratio"] == 1.0
    assert "ELASTICSEARCH_URL" in report["elasticsearch"]
    assert not list(Path(bench_runtime.config.HOME).glob("*.db")), "the bench never touches the configured index"


def test_bench_search_table_says_elasticsearch_was_not_measured(bench_runtime: Runtime) -> None:
    result = CliRunner().invoke(
        main, ["bench", "search", "--sizes", "200", "--queries", "4", "--elasticsearch-url", ""], obj=bench_runtime
    )
    assert result.exit_code == 0, result.output
    assert "sqlite" in result.stdout and "200" in result.stdout and "p95 ms" in result.stdout
    assert "Elasticsearch 未测量" in result.stdout


def test_bench_search_rejects_bad_sizes(bench_runtime: Runtime) -> None:
    result = CliRunner().invoke(main, ["bench", "search", "--sizes", "10k"], obj=bench_runtime)
    assert result.exit_code == 2
    assert "--sizes" in result.output


def test_synthetic_catalogue_is_deterministic_and_has_the_embedder_dimension(bench_runtime: Runtime) -> None:
    vocab = load_vocabulary(bench_runtime.segmenter, bench_runtime.embedder, "140000")
    today = dt.date(2026, 1, 1)
    first = list(synthetic_documents(vocab, "need", 20, seed=7, today=today))
    again = list(synthetic_documents(vocab, "need", 20, seed=7, today=today))
    other = list(synthetic_documents(vocab, "need", 20, seed=8, today=today))
    assert [d.to_data() for d in first] == [d.to_data() for d in again]
    assert [d.to_data() for d in first] != [d.to_data() for d in other]
    for doc in first:
        assert doc.kind == "need" and doc.title_terms and doc.body_terms and doc.region_code
        assert doc.vector is not None and doc.vector.shape == (48,)
        assert abs(float(np.linalg.norm(doc.vector)) - 1.0) < 1e-5
