"""Elasticsearch search backend: one alias per kind over versioned physical indices.

Writes go through the alias with ``version_type=external_gte`` and the listing's row version, so a
stale write never replaces a newer document (an equal version may rewrite derived fields). A
rebuild fills new physical indices and swaps the aliases in one ``_aliases`` call. Fusion and
ranking stay in the matching engine; this class only stores, filters and retrieves.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import numpy as np
from elasticsearch import (
    ApiError,
    ConnectionError,
    ConnectionTimeout,
    Elasticsearch,
    NotFoundError,
    TransportError,
)

from indexer.backends import es_schema as schema
from indexer.backends.base import IndexMismatchError, SearchBackend, SearchBackendError
from indexer.backends.es_bulk import BulkWriter
from indexer.types import IndexDocument, SearchFilters, SearchHit

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])
MAX_WINDOW = 10_000
COMPAT_TTL_S = 10.0
# After a connection failure or timeout, calls fail at once for this long (a simple circuit breaker).
BREAKER_S = 15.0


def _translate_errors(method: F) -> F:
    """Report client and transport failures as SearchBackendError naming the cluster."""

    @functools.wraps(method)
    def wrapper(self: ElasticsearchSearchBackend, *args: Any, **kwargs: Any) -> Any:
        wait = self._down_until - time.monotonic()
        if wait > 0:  # fail fast instead of making every page wait for the timeout again
            raise SearchBackendError(
                f"Elasticsearch {self.url} 暂不可用（{self._down_reason}），约 {wait:.0f} 秒后重试"
            )
        try:
            return method(self, *args, **kwargs)
        except (ConnectionError, ConnectionTimeout) as exc:
            self._trip(_describe(exc))
            raise SearchBackendError(f"Elasticsearch {self.url} 不可用（{_describe(exc)}）") from exc
        except SearchBackendError as exc:
            if isinstance(exc.__cause__, ConnectionError | ConnectionTimeout):
                self._trip(str(exc.__cause__))
            raise
        except (ApiError, TransportError) as exc:
            raise SearchBackendError(f"Elasticsearch {self.url} 拒绝了请求（{_describe(exc)}）") from exc

    return wrapper  # type: ignore[return-value]


def _describe(exc: Exception) -> str:
    if isinstance(exc, ApiError):
        info = exc.info if isinstance(exc.info, dict) else {}
        error = info.get("error", {})
        reason = error.get("reason") if isinstance(error, dict) else error
        return f"{exc.meta.status} {reason or exc.message}"
    return f"{type(exc).__name__}: {exc}"


def redact(url: str) -> str:
    """``url`` without a password in it, for messages and status output."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def make_client(
    url: str,
    *,
    user: str = "",
    password: str = "",
    ca_certs: str = "",
    timeout: float = 10.0,
) -> Elasticsearch:
    """A client for ``url`` with optional basic auth and CA bundle; requests time out after ``timeout`` s."""
    # A hung node is not retried here: the outbox keeps writes and pages should not wait twice.
    options: dict[str, Any] = {"request_timeout": timeout, "max_retries": 1, "retry_on_timeout": False}
    if user:
        options["basic_auth"] = (user, password)
    if ca_certs:
        options["ca_certs"] = ca_certs
    return Elasticsearch(url, **options)


class ElasticsearchSearchBackend:
    """Search index on an Elasticsearch cluster; thread-safe (the client pools connections)."""

    name = "elasticsearch"

    def __init__(
        self,
        url: str,
        prefix: str = "matchmaker",
        *,
        client: Elasticsearch | None = None,
        user: str = "",
        password: str = "",
        ca_certs: str = "",
        timeout: float = 10.0,
        vector_index: str = "int8_hnsw",
        targets: dict[str, str] | None = None,
    ) -> None:
        self.url = redact(url)  # for messages and status; the client gets the real one
        self.prefix = schema.check_prefix(prefix)
        self.vector_index = vector_index
        self._owns_client = client is None
        self.client = client or make_client(url, user=user, password=password, ca_certs=ca_certs, timeout=timeout)
        # A staging backend (rebuild) writes to physical indices instead of the aliases.
        self._targets = targets
        self._writer = BulkWriter(self.client, require_alias=targets is None, refresh=targets is None)
        self._compatible: tuple[str, int, float] | None = None
        self._known_dim: int | None = None
        self._down_until = 0.0
        self._down_reason = ""

    def _trip(self, reason: str) -> None:
        """Open the circuit breaker after a connection failure."""
        self._down_until = time.monotonic() + BREAKER_S
        self._down_reason = reason
        log.warning("Elasticsearch %s unavailable (%s); failing fast for %.0f s", self.url, reason, BREAKER_S)

    # -- names ---------------------------------------------------------------------------------
    def _target(self, kind: str) -> str:
        schema.check_kind(kind)
        if self._targets is not None:
            return self._targets[kind]
        return schema.alias_name(self.prefix, kind)

    def _alias_indices(self, kind: str) -> list[str]:
        """Physical indices behind the alias of ``kind`` (empty when there is none yet)."""
        try:
            found = self.client.indices.get_alias(name=schema.alias_name(self.prefix, kind))
        except NotFoundError:
            return []
        return sorted(found.body)

    def _physical_indices(self, kind: str) -> list[str]:
        found = self.client.indices.get(
            index=schema.index_pattern(self.prefix, kind), allow_no_indices=True, expand_wildcards="all"
        )
        return sorted(found.body)

    def _create_indices(self, embedder_id: str, dim: int) -> dict[str, str]:
        body = schema.index_body(embedder_id, dim, self.vector_index)
        created: dict[str, str] = {}
        for kind in schema.KINDS:
            name = schema.next_index_name(self.prefix, kind, self._physical_indices(kind))
            try:
                self.client.indices.create(index=name, settings=body["settings"], mappings=body["mappings"])
            except ApiError as exc:
                if exc.meta.status == 400 and "already_exists" in str(exc.info):
                    raise SearchBackendError(f"index {name} was just created by another process; try again") from exc
                raise
            created[kind] = name
        return created

    def _swap_aliases(self, new: dict[str, str]) -> None:
        """Point every alias at its new index in one atomic call, then drop the old indices."""
        actions: list[dict[str, Any]] = []
        old: list[str] = []
        for kind, index in new.items():
            alias = schema.alias_name(self.prefix, kind)
            for previous in self._alias_indices(kind):
                actions.append({"remove": {"index": previous, "alias": alias}})
                old.append(previous)
            actions.append({"add": {"index": index, "alias": alias}})
        self.client.indices.update_aliases(actions=actions)
        self._compatible = None
        self._known_dim = None
        for kind in new:  # leftovers of failed rebuilds are dropped too
            old.extend(i for i in self._physical_indices(kind) if i != new[kind])
        for index in sorted(set(old)):
            self.client.indices.delete(index=index, ignore_unavailable=True)

    def _stored_meta(self) -> dict[str, Any] | None:
        """The ``_meta`` of the live indices, or None when there are none."""
        metas = []
        for kind in schema.KINDS:
            names = [self._targets[kind]] if self._targets is not None else self._alias_indices(kind)
            if not names:
                return None
            mapping = self.client.indices.get_mapping(index=names[0]).body
            metas.append(mapping[names[0]]["mappings"].get("_meta", {}))
        return metas[0]

    # -- lifecycle -----------------------------------------------------------------------------
    @_translate_errors
    def ensure_compatible(self, embedder_id: str, dim: int) -> None:
        """Create the indices on first use; raise IndexMismatchError when built with another embedder."""
        now = time.monotonic()
        if self._compatible and self._compatible[:2] == (embedder_id, dim) and now - self._compatible[2] < COMPAT_TTL_S:
            return
        meta = self._stored_meta()
        if meta is None:
            if self._targets is not None:
                raise SearchBackendError("staging indices are missing")
            self._swap_aliases(self._create_indices(embedder_id, dim))
        elif meta.get("embedder_id") != embedder_id or int(meta.get("dim", 0)) != dim:
            raise IndexMismatchError(
                f"the search index was built with embedder {meta.get('embedder_id')} (dim {meta.get('dim')}), "
                f"but {embedder_id} (dim {dim}) is configured; run `matchmaker index rebuild` to re-embed everything"
            )
        self._compatible = (embedder_id, dim, now)

    @_translate_errors
    def reset(self, embedder_id: str, dim: int) -> None:
        """Empty new indices behind the aliases; the old ones are dropped."""
        self._swap_aliases(self._create_indices(embedder_id, dim))
        self._compatible = (embedder_id, dim, time.monotonic())

    @_translate_errors
    def begin_rebuild(self, embedder_id: str, dim: int) -> ElasticsearchSearchBackend:
        """New physical indices, not yet behind the aliases; searches keep using the old ones."""
        targets = self._create_indices(embedder_id, dim)
        for index in targets.values():
            self.client.indices.put_settings(index=index, settings={"index": {"refresh_interval": "-1"}})
        return ElasticsearchSearchBackend(
            self.url, self.prefix, client=self.client, vector_index=self.vector_index, targets=targets
        )

    @_translate_errors
    def finish_rebuild(self, staging: SearchBackend) -> None:
        """Refresh the staging indices and swap the aliases to them atomically."""
        if not isinstance(staging, ElasticsearchSearchBackend) or staging._targets is None:
            raise SearchBackendError("finish_rebuild needs the backend returned by begin_rebuild")
        for index in staging._targets.values():
            self.client.indices.put_settings(index=index, settings={"index": {"refresh_interval": None}})
            self.client.indices.refresh(index=index)
        self._swap_aliases(dict(staging._targets))
        staging.close()

    @_translate_errors
    def drop(self) -> None:
        """Delete every index and alias of this prefix (tests and benchmarks)."""
        for kind in schema.KINDS:
            for index in self._physical_indices(kind):
                self.client.indices.delete(index=index, ignore_unavailable=True)
        self._compatible = None

    def _dim(self) -> int:
        """Vector dimension of the live (or staging) indices, read once and then cached."""
        if self._known_dim is None:
            meta = self._stored_meta()
            if meta is None:
                return 0
            self._known_dim = int(meta.get("dim", 0))
        return self._known_dim

    # -- writes --------------------------------------------------------------------------------
    @_translate_errors
    def upsert(self, docs: Sequence[IndexDocument]) -> None:
        """Index documents with their row version; stale ones are skipped."""
        if docs:
            dim = self._dim()
            for d in docs:
                if d.vector is not None and dim and np.asarray(d.vector).size != dim:
                    raise IndexMismatchError(
                        f"vector of {d.kind} {d.id} has dimension {np.asarray(d.vector).size}, "
                        f"index expects {dim}; run `matchmaker index rebuild`"
                    )
            self._writer.index([(self._target(d.kind), d.id, d.version, schema.document_source(d)) for d in docs])

    @_translate_errors
    def delete(self, kind: str, ids: Sequence[int]) -> None:
        """Delete documents by id (each at its stored version, so its re-creation is not blocked)."""
        if ids:
            target = self._target(kind)
            stored = self._stored_versions(target, ids)
            self._writer.delete([(target, i, v) for i, v in stored.items()])

    def _stored_versions(self, target: str, ids: Sequence[int]) -> dict[int, int]:
        try:
            found = self.client.mget(index=target, ids=[str(i) for i in ids], source=False)
        except NotFoundError:
            return {}
        return {int(d["_id"]): int(d["_version"]) for d in found["docs"] if d.get("found")}

    def refresh(self) -> None:
        """Make every write visible to searches now."""
        for kind in schema.KINDS:
            self.client.indices.refresh(index=self._target(kind), ignore_unavailable=True)

    # -- reads ---------------------------------------------------------------------------------
    def _search(self, kind: str, **body: Any) -> list[dict[str, Any]]:
        try:
            response = self.client.search(index=self._target(kind), **body)
        except NotFoundError:
            return []
        return list(response["hits"]["hits"])

    @_translate_errors
    def get(self, kind: str, ids: Sequence[int]) -> dict[int, IndexDocument]:
        """Stored documents (with vectors) by id."""
        out: dict[int, IndexDocument] = {}
        unique = list(dict.fromkeys(int(i) for i in ids))
        for start in range(0, len(unique), 1000):
            chunk = [str(i) for i in unique[start : start + 1000]]
            hits = self._search(
                kind, query={"ids": {"values": chunk}}, size=len(chunk), source={"exclude_vectors": False}
            )
            for hit in hits:
                out[int(hit["_id"])] = schema.document_from_source(hit["_source"])
        return out

    @_translate_errors
    def keyword_search(self, kind: str, terms: Sequence[str], filters: SearchFilters, top_k: int) -> list[SearchHit]:
        """BM25 over title, keywords and body with the schema's boosts."""
        query = schema.keyword_query(terms, filters)
        if query is None or top_k <= 0:
            return []
        hits = self._search(kind, query=query, size=min(top_k, MAX_WINDOW), source=False)
        return [SearchHit(int(h["_id"]), float(h["_score"])) for h in hits]

    @_translate_errors
    def vector_search(self, kind: str, vector: np.ndarray, filters: SearchFilters, top_k: int) -> list[SearchHit]:
        """Top-level ``knn`` with filters; the score is the cosine (Elasticsearch reports (1 + cos) / 2)."""
        if top_k <= 0:
            return []
        query = np.asarray(vector, dtype=np.float32).reshape(-1)
        if float(np.linalg.norm(query)) == 0:
            return []
        k = min(top_k, MAX_WINDOW)
        knn: dict[str, Any] = {
            "field": "vector",
            "query_vector": query.tolist(),
            "k": k,
            "num_candidates": min(MAX_WINDOW, max(100, 2 * k)),
            "filter": schema.filter_clauses(filters),
        }
        if self.vector_index != "hnsw":
            knn["rescore_vector"] = {"oversample": 3.0}  # exact float scores for the quantised index
        try:
            hits = self._search(kind, knn=knn, size=k, source=False)
        except ApiError as exc:
            if exc.meta.status == 400 and "dims" in str(exc.info):
                raise IndexMismatchError(f"query vector has dimension {query.shape[0]}: {_describe(exc)}") from exc
            raise
        return [SearchHit(int(h["_id"]), 2.0 * float(h["_score"]) - 1.0) for h in hits]

    @_translate_errors
    def count(self, kind: str, filters: SearchFilters | None = None) -> int:
        """Number of documents of ``kind`` passing ``filters``."""
        try:
            response = self.client.count(
                index=self._target(kind), query={"bool": {"filter": schema.filter_clauses(filters)}}
            )
        except NotFoundError:
            return 0
        return int(response["count"])

    def _scan(self, kind: str, page: int = 5000) -> Iterator[dict[str, Any]]:
        after: list[Any] | None = None
        while True:
            extra = {"search_after": after} if after is not None else {}
            hits = self._search(
                kind,
                query={"match_all": {}},
                size=page,
                sort=[{"id": "asc"}],
                source=False,
                docvalue_fields=["version"],
                **extra,
            )
            yield from hits
            if len(hits) < page:
                return
            after = hits[-1]["sort"]

    @_translate_errors
    def versions(self, kind: str) -> dict[int, int]:
        """Row version of every stored document of ``kind``."""
        return {int(h["_id"]): int(h["fields"]["version"][0]) for h in self._scan(kind)}

    @_translate_errors
    def health(self) -> dict[str, Any]:
        """Cluster status, the indices behind each alias and per-kind counts."""
        cluster = self.client.cluster.health(timeout="5s")
        meta = self._stored_meta() or {}
        return {
            "backend": self.name,
            "status": cluster["status"],
            "url": self.url,
            "cluster": cluster["cluster_name"],
            "indices": {kind: self._alias_indices(kind) for kind in schema.KINDS},
            "embedder_id": meta.get("embedder_id"),
            "dim": int(meta.get("dim", 0)),
            "documents": {kind: self.count(kind) for kind in schema.KINDS},
        }

    def close(self) -> None:
        """Close the client if this backend created it."""
        if self._owns_client:
            self.client.close()
