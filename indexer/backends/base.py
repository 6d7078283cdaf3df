"""The contract every search backend implements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from indexer.types import IndexDocument, SearchFilters, SearchHit


class SearchBackendError(RuntimeError):
    """A backend operation failed."""


class IndexMismatchError(SearchBackendError):
    """The index was built with another embedder or dimension."""


class SearchBackend(Protocol):
    """Stores IndexDocuments per kind and answers keyword and vector searches."""

    name: str

    def ensure_compatible(self, embedder_id: str, dim: int) -> None:
        """Record the embedder on a new index; raise IndexMismatchError on a different one."""
        ...

    def reset(self, embedder_id: str, dim: int) -> None:
        """Drop every document and record a new embedder (used by rebuild)."""
        ...

    def begin_rebuild(self, embedder_id: str, dim: int) -> SearchBackend:
        """An empty staging index for a rebuild; the live index keeps serving meanwhile."""
        ...

    def finish_rebuild(self, staging: SearchBackend) -> None:
        """Make a filled staging index the live one in one step (then ``staging`` is closed)."""
        ...

    def upsert(self, docs: Sequence[IndexDocument]) -> None:
        """Insert or replace documents; an older version never overwrites a newer one."""
        ...

    def delete(self, kind: str, ids: Sequence[int]) -> None:
        """Remove documents; missing ids are ignored."""
        ...

    def get(self, kind: str, ids: Sequence[int]) -> dict[int, IndexDocument]:
        """Stored documents (with vectors) by id; missing ids are absent from the result."""
        ...

    def keyword_search(self, kind: str, terms: Sequence[str], filters: SearchFilters, top_k: int) -> list[SearchHit]:
        """BM25-style search over title (weighted most), keywords and body; best first."""
        ...

    def vector_search(self, kind: str, vector: np.ndarray, filters: SearchFilters, top_k: int) -> list[SearchHit]:
        """Cosine similarity search; best first."""
        ...

    def count(self, kind: str, filters: SearchFilters | None = None) -> int:
        """Number of documents of ``kind`` passing ``filters`` (all when None)."""
        ...

    def versions(self, kind: str) -> dict[int, int]:
        """Stored version of every document of ``kind``."""
        ...

    def health(self) -> dict[str, Any]:
        """Status and counts, for `matchmaker index status`."""
        ...

    def drop(self) -> None:
        """Delete the whole index (every kind, the recorded embedder); the next use starts empty."""
        ...

    def close(self) -> None:
        """Release resources."""
        ...
