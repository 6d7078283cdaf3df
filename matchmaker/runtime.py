"""The platform's components for one process: database, segmenter, embedder, search backend.

Each is created on first use, never at import time; the Flask app keeps one Runtime in
``app.extensions["matchmaker"]`` and every CLI invocation builds its own.
"""

from __future__ import annotations

import threading
from functools import cached_property

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from config import Config
from indexer import SearchBackend, build_backend
from indexer.embeddings import Embedder, build_embedder
from indexer.text import Segmenter
from matchmaker.regions import RegionEntry, RegionResolver
from models import Region, make_engine, make_session_factory


class Runtime:
    """Lazily-built components sharing one configuration."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._lock = threading.Lock()

    @cached_property
    def engine(self) -> Engine:
        """The database engine (the home directory is created for SQLite)."""
        if self.config.DATABASE_URL.startswith("sqlite"):
            self.config.ensure_home()
        return make_engine(self.config.DATABASE_URL)

    @cached_property
    def session_factory(self) -> sessionmaker[Session]:
        """Session factory bound to the engine."""
        return make_session_factory(self.engine)

    @cached_property
    def segmenter(self) -> Segmenter:
        """The jieba segmenter with the domain dictionary."""
        return Segmenter()

    @cached_property
    def embedder(self) -> Embedder:
        """The configured embedder (model loaded on first embedding)."""
        return build_embedder(self.config.EMBEDDER, self.config.CACHE_DIR, self.config.EMBEDDING_MODEL)

    @cached_property
    def backend(self) -> SearchBackend:
        """The configured search backend."""
        self.config.ensure_home()
        return build_backend(self.config)

    def region_resolver(self) -> RegionResolver:
        """A resolver over the regions table (built once per runtime)."""
        with self._lock:
            resolver = self.__dict__.get("_resolver")
            if resolver is None:
                with self.session_factory() as session:
                    entries = [
                        RegionEntry(r.code, r.name, r.level, r.parent_code) for r in session.scalars(select(Region))
                    ]
                resolver = RegionResolver(entries, self.config.HOME_PROVINCE_CODE)
                self.__dict__["_resolver"] = resolver
            return resolver

    def close(self) -> None:
        """Release the backend and the engine if they were created."""
        if "backend" in self.__dict__:
            self.backend.close()
        if "engine" in self.__dict__:
            self.engine.dispose()
