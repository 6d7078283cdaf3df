"""Fast stand-ins for unit tests only; end-to-end tests use the real embedding model."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence

import numpy as np


class HashingEmbedder:
    """Deterministic bag-of-character-bigrams vectors: similar texts get similar vectors."""

    def __init__(self, dim: int = 64, name: str = "test:hashing") -> None:
        self._dim = dim
        self._id = name

    @property
    def id(self) -> str:
        """Identifier recorded in the index."""
        return self._id

    @property
    def dim(self) -> int:
        """Vector dimension."""
        return self._dim

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self._dim, dtype=np.float32)
        for a, b in itertools.pairwise(text):
            h = int(hashlib.md5((a + b).encode()).hexdigest()[:8], 16)
            vec[h % self._dim] += 1.0
        norm = np.linalg.norm(vec)
        return vec / norm if norm else vec

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for queries."""
        return np.vstack([self._vector(t) for t in texts]) if texts else np.zeros((0, self._dim), np.float32)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for passages."""
        return self.embed_queries(texts)
