"""Indexing throughput and match latency of the search backends, SQLite as the same-run reference.

The catalogue is synthetic, made of the demo vocabulary (:mod:`matchmaker.services.bench_catalogue`
says how, vectors included). Indexing goes through ``begin_rebuild``, ``upsert`` in batches and
``finish_rebuild``, as ``matchmaker index rebuild`` does. A match is the engine's own path,
:func:`matchmaker.services.matching.match_in_backend`: keyword and vector top ``MATCH_CANDIDATES``
with the default filters, ``get`` of the hits, ``rank_candidates``. Queries are catalogue listings,
needs and achievements in turn. The first match after indexing is reported apart ("cold": SQLite
loads its vector matrix then); one match the other way round warms that side up before the timed
ones. Machines are noisy: compare the ratios to SQLite measured in the same run.
"""

from __future__ import annotations

import copy
import datetime as dt
import secrets
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np

from indexer import SearchBackend, SearchBackendError, SqliteSearchBackend, build_backend
from indexer.types import IndexDocument
from matchmaker.runtime import Runtime
from matchmaker.services.bench_catalogue import KINDS, Vocabulary, load_vocabulary, synthetic_documents
from matchmaker.services.matching import match_in_backend

SIZES = (10_000, 100_000)
ACHIEVEMENT_SHARE = 0.6  # about the demo's 334 achievements to 193 needs


@dataclass
class SearchBenchRow:
    """Figures of one backend on one catalogue size; ratios are to SQLite at the same size."""

    backend: str
    size: int
    needs: int
    achievements: int
    index_seconds: float
    index_docs_per_s: float
    cold_ms: float
    p50_ms: float
    p95_ms: float
    index_ratio: float = 1.0
    p50_ratio: float = 1.0
    p95_ratio: float = 1.0


@dataclass
class SearchBenchReport:
    """Everything one ``bench search`` run measured."""

    seed: int
    queries: int
    embedder: str
    dim: int
    sources: int
    embed_seconds: float
    rows: list[SearchBenchRow] = field(default_factory=list)
    elasticsearch: str = ""  # why Elasticsearch was not measured; empty when it was
    notes: list[str] = field(default_factory=list)

    def to_data(self) -> dict[str, Any]:
        """The raw figures as JSON-ready data."""
        return asdict(self)


def _split(size: int) -> dict[str, int]:
    achievements = max(1, round(size * ACHIEVEMENT_SHARE))
    return {"achievement": achievements, "need": max(1, size - achievements)}


@dataclass(frozen=True)
class BenchSettings:
    """What every measurement of one run shares."""

    runtime: Runtime
    vocab: Vocabulary
    seed: int = 1
    queries: int = 200
    batch_size: int = 32
    today: dt.date = field(default_factory=dt.date.today)


def measure_backend(backend: SearchBackend, size: int, run: BenchSettings) -> SearchBenchRow:
    """Index a ``size``-listing catalogue into ``backend`` as a rebuild does, then time ``run.queries`` matches.

    Indexing time is every ``upsert`` into the staging index of ``begin_rebuild`` plus
    ``finish_rebuild`` (SQLite's commit and rename, Elasticsearch's refresh and alias swap).
    """
    counts, vocab, config = _split(size), run.vocab, run.runtime.config
    start = time.perf_counter()
    staging = backend.begin_rebuild(run.runtime.embedder.id, int(vocab.vectors.shape[1]))
    index_seconds = time.perf_counter() - start
    for kind, count in counts.items():
        docs = synthetic_documents(vocab, kind, count, run.seed, run.today)
        while batch := list(islice(docs, run.batch_size)):
            start = time.perf_counter()
            staging.upsert(batch)
            index_seconds += time.perf_counter() - start
    start = time.perf_counter()
    backend.finish_rebuild(staging)
    index_seconds += time.perf_counter() - start
    half = (run.queries + 1) // 2
    needs, achievements = (
        list(synthetic_documents(vocab, k, min(counts[k], half), run.seed, run.today)) for k in KINDS
    )
    in_turn = [d for pair in zip(needs, achievements, strict=False) for d in pair]
    in_turn += needs[len(achievements) :] + achievements[len(needs) :]

    weights, names, k = config.MATCH_WEIGHTS, vocab.region_names, config.MATCH_CANDIDATES

    def match(query: IndexDocument) -> float:
        start = time.perf_counter()
        match_in_backend(backend, query, candidates_k=k, weights=weights, region_names=names)
        return (time.perf_counter() - start) * 1000

    cold_ms = match(needs[0])
    match(achievements[0])  # the other side's caches
    p50, p95 = (float(v) for v in np.percentile([match(q) for q in in_turn[: run.queries]], [50, 95]))
    docs_per_s = size / index_seconds if index_seconds > 0 else 0.0
    return SearchBenchRow(
        backend.name, size, counts["need"], counts["achievement"], index_seconds, docs_per_s, cold_ms, p50, p95
    )


def elasticsearch_backend(runtime: Runtime, url: str, prefix: str) -> SearchBackend:
    """An Elasticsearch backend on ``url`` whose indices all start with ``prefix`` (the live ones untouched)."""
    settings = copy.copy(runtime.config)
    settings.SEARCH_BACKEND, settings.ELASTICSEARCH_URL, settings.ELASTICSEARCH_PREFIX = "elasticsearch", url, prefix
    return build_backend(settings)


def _ratio(value: float, reference: float) -> float:
    return value / reference if reference else 0.0


def run_search_bench(
    runtime: Runtime,
    sizes: tuple[int, ...] = SIZES,
    *,
    queries: int = 200,
    seed: int = 1,
    batch_size: int = 32,
    elasticsearch_url: str = "",
    progress: Callable[[str], None] = lambda _message: None,
) -> SearchBenchReport:
    """Measure the embedded SQLite backend (in a temporary directory) and, given a URL, Elasticsearch.

    Elasticsearch gets a fresh index prefix ``bench-<random>``, whose indices are dropped at the
    end; the configured index is never touched. Ratios are to SQLite at the same size.
    """
    es: SearchBackend | None = None
    prefix = f"bench-{secrets.token_hex(4)}"
    if elasticsearch_url:
        es = elasticsearch_backend(runtime, elasticsearch_url, prefix)
    report = SearchBenchReport(seed, queries, runtime.embedder.id, 0, 0, 0.0)
    report.elasticsearch = "" if es else "未配置 ELASTICSEARCH_URL（或 --elasticsearch-url）"
    try:
        if es is not None:
            es.health()  # fail before the long SQLite runs when the node is unreachable
        progress("切分并嵌入演示数据……")
        config = runtime.config
        vocab = load_vocabulary(
            runtime.segmenter, runtime.embedder, config.HOME_PROVINCE_CODE, config.CACHE_DIR / "bench"
        )
        report.dim, report.sources = int(vocab.vectors.shape[1]), len(vocab.vectors)
        report.embed_seconds = vocab.embed_seconds
        run = BenchSettings(runtime, vocab, seed, queries, batch_size)
        for size in sizes:
            progress(f"SQLite：索引并匹配 {size} 条……")
            with tempfile.TemporaryDirectory(prefix="matchmaker-bench-") as tmp:
                sqlite = SqliteSearchBackend(Path(tmp) / "search.db")
                try:
                    ref = measure_backend(sqlite, size, run)
                finally:
                    sqlite.close()
            report.rows.append(ref)
            if es is not None:
                progress(f"Elasticsearch：索引并匹配 {size} 条……")
                row = measure_backend(es, size, run)
                row.index_ratio = _ratio(row.index_docs_per_s, ref.index_docs_per_s)
                row.p50_ratio, row.p95_ratio = _ratio(row.p50_ms, ref.p50_ms), _ratio(row.p95_ms, ref.p95_ms)
                report.rows.append(row)
    finally:
        if es is not None:
            try:
                es.drop()
            except SearchBackendError as exc:
                report.notes.append(f"以 {prefix} 开头的 Elasticsearch 索引未能删除（{exc}），请手动删除")
            es.close()
    return report
