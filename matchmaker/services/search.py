"""One search over needs and achievements: keywords and meaning together, filters, highlights, pages."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from indexer.backends.base import SearchBackendError
from indexer.documents import listing_body
from indexer.types import IndexDocument, SearchFilters, SearchHit
from matchmaker.matching.candidates import reciprocal_rank_fusion
from matchmaker.runtime import Runtime
from matchmaker.services.errors import ServiceError, ValidationError
from matchmaker.services.listings import LISTING_MODELS
from models import Achievement, Need
from models.enums import ListingKind, ListingStatus

KEYWORD_DEPTH = 200
# Meaning alone proposes at most this many results, so that it finds listings worded
# differently without padding every query with the whole catalogue.
VECTOR_DEPTH = 30
MAX_QUERY_CHARS = 200
SNIPPET_CHARS = 120
SEARCH_KINDS = ("all", ListingKind.NEED.value, ListingKind.ACHIEVEMENT.value)


class SearchUnavailableError(ServiceError):
    """The search backend cannot answer now (other pages keep working)."""

    status = 503


@dataclass
class SearchResult:
    """One listing found, with its highlighted title and snippet."""

    kind: str
    id: int
    external_id: str
    title: str
    title_html: Markup
    snippet_html: Markup
    score: float
    matched_terms: list[str]
    document: IndexDocument


@dataclass
class SearchPage:
    """A page of results and what the pager needs."""

    query: str
    terms: list[str]
    results: list[SearchResult] = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = 10

    @property
    def pages(self) -> int:
        """Number of pages (at least 1)."""
        return max(1, -(-self.total // self.per_page))


def highlight(text: str, terms: list[str]) -> Markup:
    """``text`` HTML-escaped with every occurrence of ``terms`` wrapped in <mark>."""
    wanted = sorted({t for t in terms if t}, key=len, reverse=True)
    if not wanted or not text:
        return escape(text)
    pattern = re.compile("|".join(re.escape(t) for t in wanted), re.IGNORECASE)
    out: list[str] = []
    last = 0
    for m in pattern.finditer(text):
        out.append(str(escape(text[last : m.start()])))
        out.append(f"<mark>{escape(m.group(0))}</mark>")
        last = m.end()
    out.append(str(escape(text[last:])))
    return Markup("".join(out))


def snippet(body: str, terms: list[str], width: int = SNIPPET_CHARS) -> str:
    """A window of ``body`` around the first query term (or its start)."""
    body = re.sub(r"\s+", " ", body or "").strip()
    positions = [body.lower().find(t.lower()) for t in terms if t]
    hits = [p for p in positions if p >= 0]
    start = max(0, min(hits) - width // 4) if hits else 0
    piece = body[start : start + width]
    return ("…" if start else "") + piece + ("…" if start + width < len(body) else "")


def _query_terms(runtime: Runtime, q: str) -> list[str]:
    terms = runtime.segmenter.cut_for_search(q)
    plain = [w for w in re.split(r"\s+", q.lower()) if w]
    return list(dict.fromkeys([*terms, *plain]))


def search_listings(
    runtime: Runtime,
    q: str,
    kind: str = "all",
    filters: SearchFilters | None = None,
    page: int = 1,
    per_page: int = 10,
) -> SearchPage:
    """Published listings of ``kind`` for the query ``q``, fused from keyword and vector search.

    Raises ValidationError for an empty or overlong query or an unknown kind, and
    SearchUnavailableError when the backend cannot answer.
    """
    q = (q or "").strip()
    if not q:
        raise ValidationError({"q": "请输入检索词"})
    if len(q) > MAX_QUERY_CHARS:
        raise ValidationError({"q": f"检索词不超过 {MAX_QUERY_CHARS} 字"})
    if kind not in SEARCH_KINDS:
        raise ValidationError({"kind": f"未知的类型：{kind}（all、need 或 achievement）"})
    if not 1 <= per_page <= 100:
        raise ValidationError({"per_page": "每页条数应为 1–100"})
    page = max(1, page)
    filters = filters or SearchFilters()
    kinds = [ListingKind.NEED.value, ListingKind.ACHIEVEMENT.value] if kind == "all" else [kind]
    terms = _query_terms(runtime, q)
    try:
        vector = runtime.embedder.embed_queries([q])[0]
        fused: dict[tuple[str, int], float] = {}
        for k in kinds:
            kw: list[SearchHit] = runtime.backend.keyword_search(k, terms, filters, KEYWORD_DEPTH)
            vec = runtime.backend.vector_search(k, vector, filters, VECTOR_DEPTH)
            for doc_id, score in reciprocal_rank_fusion([kw, vec]).items():
                fused[(k, doc_id)] = score
        ranked = sorted(fused.items(), key=lambda item: (-item[1], item[0]))
        window = ranked[(page - 1) * per_page : page * per_page]
        docs: dict[tuple[str, int], IndexDocument] = {}
        for k in kinds:
            ids = [doc_id for (kk, doc_id), _ in window if kk == k]
            for doc_id, doc in runtime.backend.get(k, ids).items():
                docs[(k, doc_id)] = doc
    except SearchBackendError as exc:
        raise SearchUnavailableError("检索服务暂时不可用，请稍后再试；其他功能不受影响") from exc
    out = SearchPage(q, terms, total=len(ranked), page=page, per_page=per_page)
    bodies: dict[tuple[str, int], str] = {}
    with runtime.session_factory() as session:
        for key in docs:
            listing: Need | Achievement | None = session.get(LISTING_MODELS[key[0]], key[1])  # type: ignore[assignment]
            # The index may lag the database by an outbox row: never show what is no longer published.
            if listing is not None and (listing.status == ListingStatus.PUBLISHED or not filters.statuses):
                bodies[key] = listing_body(listing)
    for key, score in window:
        found = docs.get(key)
        if found is None or key not in bodies:
            continue
        doc = found
        body = bodies[key]
        text = " ".join([doc.title, *doc.keywords, body]).lower()
        matched = [t for t in terms if t in text]
        out.results.append(
            SearchResult(
                kind=key[0],
                id=key[1],
                external_id=doc.external_id,
                title=doc.title,
                title_html=highlight(doc.title, terms),
                snippet_html=highlight(snippet(body, terms), terms),
                score=round(score, 6),
                matched_terms=matched,
                document=doc,
            )
        )
    return out
