"""Text → searchable documents: segmentation, embeddings, search backends, outbox sync.

Public API: ``build_backend``, ``IndexDocument``, ``SearchHit``, ``SearchFilters``.
"""

from __future__ import annotations

from typing import Any

from indexer.backends import IndexMismatchError, SearchBackend, SearchBackendError
from indexer.backends.sqlite import SqliteSearchBackend
from indexer.types import IndexDocument, SearchFilters, SearchHit


def build_backend(settings: Any) -> SearchBackend:
    """The search backend selected by ``settings.SEARCH_BACKEND``; connects on first use."""
    name = settings.SEARCH_BACKEND
    if name == "sqlite":
        return SqliteSearchBackend(settings.SEARCH_INDEX_PATH)
    raise SearchBackendError(f"SEARCH_BACKEND: unknown backend {name!r} (available: sqlite)")


__all__ = [
    "IndexDocument",
    "IndexMismatchError",
    "SearchBackend",
    "SearchBackendError",
    "SearchFilters",
    "SearchHit",
    "build_backend",
]
