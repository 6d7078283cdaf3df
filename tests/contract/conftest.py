"""One backend fixture, parametrised over every search backend; each runs the same contract."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer import SearchBackend
from indexer.backends.sqlite import SqliteSearchBackend

BACKENDS = ["sqlite", "elasticsearch"]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SearchBackend]:
    """A fresh, empty backend recording a 4-dimensional test embedder."""
    if request.param == "sqlite":
        instance: SearchBackend = SqliteSearchBackend(tmp_path / "search.db")
    elif request.param == "elasticsearch":
        from indexer.backends.elasticsearch import ElasticsearchSearchBackend

        url = request.getfixturevalue("es_url")
        prefix = request.getfixturevalue("es_prefix")
        # Exact HNSW at 4 dimensions: int8 quantisation of a 4-dim vector is too coarse for exact scores.
        instance = ElasticsearchSearchBackend(url, prefix, vector_index="hnsw")
    else:  # pragma: no cover - other backends register here
        raise AssertionError(request.param)
    instance.reset("test:contract", 4)
    yield instance
    instance.close()
