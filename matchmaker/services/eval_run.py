"""Run the labelled evaluation set through the engine and single-signal rankings."""

from __future__ import annotations

import contextlib
import csv
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from config import Config, TestingConfig
from indexer import SearchBackendError
from matchmaker.evaluation import Metrics, evaluate, ndcg_at_k
from matchmaker.runtime import Runtime
from matchmaker.services.errors import ServiceError
from matchmaker.services.imports import import_file
from matchmaker.services.indexing import rebuild
from matchmaker.services.listings import find_listing
from matchmaker.services.matching import RANKERS, find_matches, query_document
from matchmaker.services.setup import init_database

# The labelled set lives in the repository (tests/eval/data), found from this file in a checkout.
DEFAULT_EVAL_DIR = Path(__file__).resolve().parents[2] / "tests" / "eval" / "data"


@dataclass
class EvalReport:
    """Metrics per ranker, computed in one run on one index."""

    metrics: dict[str, Metrics] = field(default_factory=dict)
    per_query_ndcg: dict[str, dict[str, float]] = field(default_factory=dict)
    needs: int = 0
    achievements: int = 0
    judged_pairs: int = 0


def wins_ties_losses(report: EvalReport, ranker: str, baseline: str) -> tuple[int, int, int]:
    """Queries where ``ranker``'s nDCG@10 is above, equal to (±0.001) and below ``baseline``'s."""
    a, b = report.per_query_ndcg[ranker], report.per_query_ndcg[baseline]
    diffs = [a[q] - b[q] for q in a]
    return (sum(d > 1e-3 for d in diffs), sum(abs(d) <= 1e-3 for d in diffs), sum(d < -1e-3 for d in diffs))


def search_environ(base: Config) -> dict[str, str]:
    """Settings that send the evaluation to ``base``'s search backend (own index prefix on a cluster)."""
    if base.SEARCH_BACKEND != "elasticsearch":
        return {"SEARCH_BACKEND": base.SEARCH_BACKEND}
    return {
        "SEARCH_BACKEND": "elasticsearch",
        "ELASTICSEARCH_URL": base.ELASTICSEARCH_URL,
        "ELASTICSEARCH_USER": base.ELASTICSEARCH_USER,
        "ELASTICSEARCH_PASSWORD": base.ELASTICSEARCH_PASSWORD,
        "ELASTICSEARCH_CA_CERTS": base.ELASTICSEARCH_CA_CERTS,
        "ELASTICSEARCH_TIMEOUT": str(base.ELASTICSEARCH_TIMEOUT),
        "ELASTICSEARCH_VECTOR_INDEX": base.ELASTICSEARCH_VECTOR_INDEX,
        "ELASTICSEARCH_PREFIX": f"{base.ELASTICSEARCH_PREFIX}-eval-{uuid.uuid4().hex[:8]}",
    }


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    """``need_id → {achievement_id: grade}`` from a TSV with a header line."""
    qrels: dict[str, dict[str, int]] = {}
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            qrels.setdefault(row["need_id"].strip(), {})[row["achievement_id"].strip()] = int(row["grade"])
    return qrels


def run_eval(
    data_dir: Path = DEFAULT_EVAL_DIR,
    base_config: Config | None = None,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> EvalReport:
    """Import the set into a throw-away home, index it, and score every ranker."""
    for name in ("needs.jsonl", "achievements.jsonl", "qrels.tsv"):
        if not (data_dir / name).is_file():
            raise ServiceError(f"评测数据缺少文件：{data_dir / name}")
    qrels = read_qrels(data_dir / "qrels.tsv")
    with tempfile.TemporaryDirectory(prefix="matchmaker-eval-") as home:
        environ = {"MATCHMAKER_HOME": home}
        if base_config is not None:
            environ["EMBEDDER"] = base_config.EMBEDDER
            environ["EMBEDDING_MODEL"] = base_config.EMBEDDING_MODEL
            environ["MATCHMAKER_CACHE"] = str(base_config.CACHE_DIR)  # reuse the installed model
            environ["MATCH_CANDIDATES"] = str(base_config.MATCH_CANDIDATES)
            environ.update(search_environ(base_config))
        config = TestingConfig(environ)
        if base_config is not None:
            config.MATCH_WEIGHTS = dict(base_config.MATCH_WEIGHTS)
        runtime = Runtime(config)
        try:
            init_database(runtime)
            import_file(
                runtime,
                "achievement",
                data_dir / "achievements.jsonl",
                actor="eval",
                sync=False,
            )
            import_file(runtime, "need", data_dir / "needs.jsonl", actor="eval", sync=False)
            rebuild(runtime, progress=progress, on_total=on_total)
            rankings: dict[str, dict[str, list[str]]] = {r: {} for r in RANKERS}
            with runtime.session_factory() as session:
                for need_id in qrels:
                    listing = find_listing(session, "need", need_id)
                    if listing is None:
                        raise ServiceError(f"qrels.tsv 中的需求 {need_id} 不在 needs.jsonl 中")
                    query = query_document(runtime, listing)
                    for ranker in RANKERS:
                        results = find_matches(runtime, query, top=20, ranker=ranker)
                        rankings[ranker][need_id] = [r.candidate.external_id for r in results]
            report = EvalReport(
                metrics={r: evaluate(rankings[r], qrels) for r in RANKERS},
                needs=len(qrels),
                achievements=runtime.backend.count("achievement"),
                judged_pairs=sum(len(v) for v in qrels.values()),
                per_query_ndcg={r: {q: ndcg_at_k(rankings[r][q], qrels[q]) for q in qrels} for r in RANKERS},
            )
        finally:
            if config.SEARCH_BACKEND == "elasticsearch" and "backend" in runtime.__dict__:
                with contextlib.suppress(SearchBackendError):  # never hide the run's own error
                    runtime.backend.drop()
            runtime.close()
    return report
