"""Embedded search backend: SQLite FTS5 over pre-segmented terms plus exact cosine in numpy."""

from __future__ import annotations

import functools
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from indexer.backends.base import IndexMismatchError, SearchBackend, SearchBackendError
from indexer.types import IndexDocument, SearchFilters, SearchHit, region_ancestors

KINDS = ("need", "achievement")
# bm25 column weights: title, keywords, body. Titles weigh most: long bodies carry boilerplate.
BM25_WEIGHTS = (8.0, 4.0, 1.0)

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
    kind TEXT NOT NULL,
    id INTEGER NOT NULL,
    version INTEGER NOT NULL,
    status TEXT NOT NULL,
    tech_field TEXT NOT NULL,
    region_path TEXT NOT NULL,
    industries TEXT NOT NULL,
    data TEXT NOT NULL,
    vector BLOB,
    PRIMARY KEY (kind, id)
);
"""


def _fts_table(kind: str) -> str:
    if kind not in KINDS:
        raise SearchBackendError(f"unknown document kind {kind!r}")
    return f"fts_{kind}"


def _json_list(values: Sequence[str]) -> str:
    return json.dumps(list(values), ensure_ascii=False)


def _match_expression(terms: Sequence[str]) -> str:
    quoted = dict.fromkeys('"' + t.replace('"', '""') + '"' for t in terms if t.strip())
    return " OR ".join(quoted)


F = TypeVar("F", bound=Callable[..., Any])


def _translate_errors(method: F) -> F:
    """Report SQLite failures (corrupt, locked, unreadable file) as SearchBackendError."""

    @functools.wraps(method)
    def wrapper(self: SqliteSearchBackend, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            raise SearchBackendError(
                f"搜索索引 {self.path} 无法使用（{exc}）；可运行 `matchmaker index rebuild` 重建"
            ) from exc

    return wrapper  # type: ignore[return-value]


@dataclass
class _VectorCache:
    generation: int
    ids: np.ndarray
    matrix: np.ndarray
    docs: list[dict[str, Any]]


class SqliteSearchBackend:
    """Search index in one SQLite file; safe for one process with several threads."""

    name = "sqlite"

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.RLock()
        self._cache: dict[str, _VectorCache] = {}

    # -- connection and metadata -------------------------------------------------------------
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=30000")
            conn.executescript(SCHEMA)
            for kind in KINDS:
                conn.execute(
                    f"CREATE VIRTUAL TABLE IF NOT EXISTS {_fts_table(kind)} USING fts5("
                    "title, keywords, body, tokenize='unicode61 remove_diacritics 0')"
                )
            conn.commit()
            self._conn = conn
        return self._conn

    def _meta(self, key: str) -> str | None:
        row = self._db().execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def _set_meta(self, key: str, value: str) -> None:
        self._db().execute(
            "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
            (key, value),
        )

    def _bump_generation(self) -> None:
        gen = int(self._meta("generation") or 0) + 1
        self._set_meta("generation", str(gen))

    @_translate_errors
    def ensure_compatible(self, embedder_id: str, dim: int) -> None:
        """Record the embedder on a new index; raise on an index built with another one."""
        with self._lock:
            stored_id, stored_dim = self._meta("embedder_id"), self._meta("dim")
            if stored_id is None:
                self._set_meta("embedder_id", embedder_id)
                self._set_meta("dim", str(dim))
                self._db().commit()
                return
            if stored_id != embedder_id or int(stored_dim or 0) != dim:
                raise IndexMismatchError(
                    f"the search index was built with embedder {stored_id} (dim {stored_dim}), "
                    f"but {embedder_id} (dim {dim}) is configured; "
                    "run `matchmaker index rebuild` to re-embed everything"
                )

    @_translate_errors
    def reset(self, embedder_id: str, dim: int) -> None:
        """Drop every document and record ``embedder_id``."""
        with self._lock:
            db = self._db()
            db.execute("DELETE FROM docs")
            for kind in KINDS:
                db.execute(f"DELETE FROM {_fts_table(kind)}")
            self._set_meta("embedder_id", embedder_id)
            self._set_meta("dim", str(dim))
            self._bump_generation()
            db.commit()
            self._cache.clear()

    def begin_rebuild(self, embedder_id: str, dim: int) -> SqliteSearchBackend:
        """A fresh index file beside the live one; a corrupt live file does not matter."""
        if self.path == ":memory:":
            self.reset(embedder_id, dim)
            return self
        staging_path = self.path + ".rebuild"
        for suffix in ("", "-wal", "-shm"):
            Path(staging_path + suffix).unlink(missing_ok=True)
        staging = SqliteSearchBackend(staging_path)
        staging.reset(embedder_id, dim)
        return staging

    def finish_rebuild(self, staging: SearchBackend) -> None:
        """Replace the live file by the staging file (atomic rename)."""
        if staging is self:
            return
        assert isinstance(staging, SqliteSearchBackend)
        with staging._lock:
            db = staging._db()
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            db.execute("PRAGMA journal_mode=DELETE")
            staging.close()
        with self._lock:
            self.close()
            # The old file's WAL must not be applied to the new file.
            for suffix in ("-wal", "-shm"):
                Path(self.path + suffix).unlink(missing_ok=True)
            os.replace(staging.path, self.path)

    # -- writes ------------------------------------------------------------------------------
    @_translate_errors
    def upsert(self, docs: Sequence[IndexDocument]) -> None:
        """Insert or replace documents; stale versions are skipped."""
        if not docs:
            return
        with self._lock:
            db = self._db()
            dim = int(self._meta("dim") or 0)
            try:
                for doc in docs:
                    table = _fts_table(doc.kind)
                    row = db.execute("SELECT version FROM docs WHERE kind=? AND id=?", (doc.kind, doc.id)).fetchone()
                    if row is not None and int(row[0]) > doc.version:
                        continue
                    blob = None
                    if doc.vector is not None:
                        vec = np.asarray(doc.vector, dtype=np.float32).reshape(-1)
                        if dim and vec.shape[0] != dim:
                            raise IndexMismatchError(
                                f"vector of {doc.kind} {doc.id} has dimension {vec.shape[0]}, "
                                f"index expects {dim}; run `matchmaker index rebuild`"
                            )
                        blob = vec.tobytes()
                    db.execute(
                        "INSERT OR REPLACE INTO docs(kind, id, version, status, tech_field, "
                        "region_path, industries, data, vector) VALUES (?,?,?,?,?,?,?,?,?)",
                        (
                            doc.kind,
                            doc.id,
                            doc.version,
                            doc.status,
                            doc.tech_field,
                            _json_list(doc.region_path),
                            _json_list(doc.industries),
                            json.dumps(doc.to_data(), ensure_ascii=False),
                            blob,
                        ),
                    )
                    db.execute(f"DELETE FROM {table} WHERE rowid=?", (doc.id,))
                    db.execute(
                        f"INSERT INTO {table}(rowid, title, keywords, body) VALUES (?,?,?,?)",
                        (
                            doc.id,
                            " ".join(doc.title_terms),
                            " ".join(doc.keyword_terms),
                            " ".join(doc.body_terms),
                        ),
                    )
                self._bump_generation()
                db.commit()
            except BaseException:
                db.rollback()
                raise

    @_translate_errors
    def delete(self, kind: str, ids: Sequence[int]) -> None:
        """Remove documents by id."""
        with self._lock:
            db = self._db()
            table = _fts_table(kind)
            for doc_id in ids:
                db.execute("DELETE FROM docs WHERE kind=? AND id=?", (kind, doc_id))
                db.execute(f"DELETE FROM {table} WHERE rowid=?", (doc_id,))
            self._bump_generation()
            db.commit()

    # -- reads -------------------------------------------------------------------------------
    @_translate_errors
    def get(self, kind: str, ids: Sequence[int]) -> dict[int, IndexDocument]:
        """Stored documents by id."""
        _fts_table(kind)
        out: dict[int, IndexDocument] = {}
        with self._lock:
            db = self._db()
            for start in range(0, len(ids), 500):
                chunk = list(ids[start : start + 500])
                marks = ",".join("?" * len(chunk))
                rows = db.execute(
                    f"SELECT id, data, vector FROM docs WHERE kind=? AND id IN ({marks})",
                    (kind, *chunk),
                ).fetchall()
                for doc_id, data, blob in rows:
                    vec = None if blob is None else np.frombuffer(blob, dtype=np.float32).copy()
                    out[int(doc_id)] = IndexDocument.from_data(json.loads(data), vec)
        return out

    @staticmethod
    def _filter_sql(filters: SearchFilters) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if filters.statuses:
            clauses.append(f"d.status IN ({','.join('?' * len(filters.statuses))})")
            params.extend(filters.statuses)
        if filters.region_code:
            clauses.append("EXISTS (SELECT 1 FROM json_each(d.region_path) WHERE value = ?)")
            params.append(filters.region_code)
        if filters.tech_field:
            clauses.append("d.tech_field = ?")
            params.append(filters.tech_field)
        if filters.industry:
            clauses.append("EXISTS (SELECT 1 FROM json_each(d.industries) WHERE value = ?)")
            params.append(filters.industry)
        if filters.maturity:
            clauses.append("json_extract(d.data, '$.maturity') = ?")
            params.append(filters.maturity)
        if filters.mode:
            clauses.append("EXISTS (SELECT 1 FROM json_each(d.data, '$.modes') WHERE value = ?)")
            params.append(filters.mode)
        return (" AND " + " AND ".join(clauses)) if clauses else "", params

    @_translate_errors
    def keyword_search(self, kind: str, terms: Sequence[str], filters: SearchFilters, top_k: int) -> list[SearchHit]:
        """FTS5 bm25 with title/keywords/body weights; score is -bm25 (higher is better)."""
        table = _fts_table(kind)
        expression = _match_expression(terms)
        if not expression or top_k <= 0:
            return []
        where, params = self._filter_sql(filters)
        w_title, w_kw, w_body = BM25_WEIGHTS
        sql = (
            f"SELECT f.rowid, bm25({table}, {w_title}, {w_kw}, {w_body}) AS rank "
            f"FROM {table} f JOIN docs d ON d.kind = ? AND d.id = f.rowid "
            f"WHERE {table} MATCH ?{where} ORDER BY rank LIMIT ?"
        )
        with self._lock:
            rows = self._db().execute(sql, (kind, expression, *params, top_k)).fetchall()
        return [SearchHit(int(r[0]), float(-r[1])) for r in rows]

    def _vectors(self, kind: str) -> _VectorCache:
        gen = int(self._meta("generation") or 0)
        cache = self._cache.get(kind)
        if cache is not None and cache.generation == gen:
            return cache
        rows = (
            self._db()
            .execute(
                "SELECT id, data, vector FROM docs WHERE kind=? AND vector IS NOT NULL ORDER BY id",
                (kind,),
            )
            .fetchall()
        )
        dim = int(self._meta("dim") or 0)
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        matrix = (
            np.vstack([np.frombuffer(r[2], dtype=np.float32) for r in rows])
            if rows
            else np.zeros((0, dim), dtype=np.float32)
        )
        docs = [json.loads(r[1]) for r in rows]
        cache = _VectorCache(gen, ids, matrix, docs)
        self._cache[kind] = cache
        return cache

    @_translate_errors
    def vector_search(self, kind: str, vector: np.ndarray, filters: SearchFilters, top_k: int) -> list[SearchHit]:
        """Exact cosine over every stored vector that passes the filters."""
        _fts_table(kind)
        if top_k <= 0:
            return []
        with self._lock:
            cache = self._vectors(kind)
        if cache.matrix.shape[0] == 0:
            return []
        query = np.asarray(vector, dtype=np.float32).reshape(-1)
        if query.shape[0] != cache.matrix.shape[1]:
            raise IndexMismatchError(f"query vector has dimension {query.shape[0]}, index has {cache.matrix.shape[1]}")
        norm = float(np.linalg.norm(query)) or 1.0
        scores = cache.matrix @ (query / norm)
        mask = np.array([filters.accepts(_FilterView(d)) for d in cache.docs], dtype=bool)
        candidates = np.flatnonzero(mask)
        if candidates.size == 0:
            return []
        sub = scores[candidates]
        k = min(top_k, sub.size)
        top = np.argpartition(-sub, k - 1)[:k]
        top = top[np.lexsort((cache.ids[candidates[top]], -sub[top]))]
        return [SearchHit(int(cache.ids[candidates[i]]), float(sub[i])) for i in top]

    @_translate_errors
    def count(self, kind: str, filters: SearchFilters | None = None) -> int:
        """Number of documents of ``kind`` passing ``filters``."""
        _fts_table(kind)
        where, params = self._filter_sql(filters) if filters else ("", [])
        with self._lock:
            row = self._db().execute(f"SELECT COUNT(*) FROM docs d WHERE d.kind = ?{where}", (kind, *params)).fetchone()
        return int(row[0])

    @_translate_errors
    def versions(self, kind: str) -> dict[int, int]:
        """Stored version of every document of ``kind``."""
        with self._lock:
            rows = self._db().execute("SELECT id, version FROM docs WHERE kind=?", (kind,)).fetchall()
        return {int(a): int(b) for a, b in rows}

    @_translate_errors
    def health(self) -> dict[str, Any]:
        """Backend status and per-kind counts."""
        with self._lock:
            self._db().execute("SELECT 1").fetchone()
            return {
                "backend": self.name,
                "status": "green",
                "path": self.path,
                "embedder_id": self._meta("embedder_id"),
                "dim": int(self._meta("dim") or 0),
                "documents": {kind: self.count(kind) for kind in KINDS},
            }

    def drop(self) -> None:
        """Delete the index file (an in-memory index is emptied)."""
        with self._lock:
            self.close()
            if self.path != ":memory:":
                for suffix in ("", "-wal", "-shm"):
                    Path(self.path + suffix).unlink(missing_ok=True)

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
            self._cache.clear()


class _FilterView:
    """Adapter letting SearchFilters.accepts read stored JSON data."""

    __slots__ = ("_path", "industries", "maturity", "modes", "status", "tech_field")

    def __init__(self, data: dict[str, Any]) -> None:
        self.status: str = data.get("status", "")
        self.tech_field: str = data.get("tech_field", "")
        self.industries: list[str] = data.get("industries", [])
        self.maturity: str = data.get("maturity", "")
        self.modes: list[str] = data.get("modes", [])
        self._path = region_ancestors(data.get("region_code"))

    @property
    def region_path(self) -> list[str]:
        """Region code and the codes above it."""
        return self._path
