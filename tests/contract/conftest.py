"""One backend fixture, parametrised over every search backend; each runs the same contract."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer import SearchBackend
from indexer.backends.sqlite import SqliteSearchBackend

BACKENDS = ["sqlite"]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SearchBackend]:
    """A fresh, empty backend recording a 4-dimensional test embedder."""
    if request.param == "sqlite":
        instance: SearchBackend = SqliteSearchBackend(tmp_path / "search.db")
    else:  # pragma: no cover - other backends register here
        raise AssertionError(request.param)
    instance.reset("test:contract", 4)
    yield instance
    instance.close()
