"""Text → searchable documents: segmentation, embeddings, search backends, outbox sync.

Public API: ``build_backend``, ``IndexDocument``, ``SearchHit``, ``SearchFilters``.
"""

from __future__ import annotations

from typing import Any

from indexer.backends import IndexMismatchError, SearchBackend, SearchBackendError
from indexer.backends.sqlite import SqliteSearchBackend
from indexer.types import IndexDocument, SearchFilters, SearchHit


def build_backend(settings: Any) -> SearchBackend:
    """The search backend selected by ``settings.SEARCH_BACKEND``; connects on first use.

    Elasticsearch is imported only when selected, so the embedded default never loads its client.
    """
    name = settings.SEARCH_BACKEND
    if name == "sqlite":
        return SqliteSearchBackend(settings.SEARCH_INDEX_PATH)
    if name == "elasticsearch":
        if not settings.ELASTICSEARCH_URL:
            raise SearchBackendError("SEARCH_BACKEND=elasticsearch needs ELASTICSEARCH_URL")
        from indexer.backends.elasticsearch import ElasticsearchSearchBackend

        return ElasticsearchSearchBackend(
            settings.ELASTICSEARCH_URL,
            settings.ELASTICSEARCH_PREFIX,
            user=settings.ELASTICSEARCH_USER,
            password=settings.ELASTICSEARCH_PASSWORD,
            ca_certs=settings.ELASTICSEARCH_CA_CERTS,
            timeout=settings.ELASTICSEARCH_TIMEOUT,
            vector_index=settings.ELASTICSEARCH_VECTOR_INDEX,
        )
    raise SearchBackendError(f"SEARCH_BACKEND: unknown backend {name!r} (available: sqlite, elasticsearch)")


__all__ = [
    "IndexDocument",
    "IndexMismatchError",
    "SearchBackend",
    "SearchBackendError",
    "SearchFilters",
    "SearchHit",
    "build_backend",
]
