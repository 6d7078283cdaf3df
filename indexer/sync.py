"""Apply the index outbox to a search backend, and rebuild an index from the database."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import cast

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from indexer.backends.base import SearchBackend
from indexer.documents import build_documents
from indexer.embeddings import Embedder
from indexer.text import Segmenter
from models import Achievement, IndexOutbox, Need
from models.enums import ListingKind, OutboxOperation

MODELS: dict[str, type[Need] | type[Achievement]] = {
    ListingKind.NEED: Need,
    ListingKind.ACHIEVEMENT: Achievement,
}
Progress = Callable[[int], None]


@dataclass
class SyncReport:
    """What a sync or rebuild did."""

    upserted: int = 0
    deleted: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def _chunks(items: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def index_listings(
    session: Session,
    backend: SearchBackend,
    segmenter: Segmenter,
    embedder: Embedder,
    kind: str,
    ids: Sequence[int],
    batch_size: int = 32,
    progress: Progress | None = None,
) -> int:
    """Segment, embed and upsert the listings ``ids`` of ``kind``; returns how many."""
    model = MODELS[kind]
    done = 0
    for chunk in _chunks(list(ids), batch_size):
        listings = cast(list[Need | Achievement], list(session.scalars(select(model).where(model.id.in_(chunk)))))
        backend.upsert(build_documents(listings, segmenter, embedder))
        done += len(listings)
        if progress:
            progress(len(chunk))
    return done


def pending_count(session: Session) -> int:
    """Number of outbox rows waiting to be applied."""
    return int(session.scalar(select(func.count()).select_from(IndexOutbox)) or 0)


def sync_outbox(
    session_factory: sessionmaker[Session],
    backend: SearchBackend,
    segmenter: Segmenter,
    embedder: Embedder,
    batch_size: int = 32,
    progress: Progress | None = None,
) -> SyncReport:
    """Apply pending outbox rows; a failed batch keeps its rows with the error and attempt count."""
    report = SyncReport()
    backend.ensure_compatible(embedder.id, embedder.dim)
    with session_factory() as session:
        rows = list(session.scalars(select(IndexOutbox).order_by(IndexOutbox.id)))
        by_entity: dict[tuple[str, int], list[IndexOutbox]] = {}
        for row in rows:
            by_entity.setdefault((row.entity, row.entity_id), []).append(row)
        work: dict[str, list[tuple[int, list[IndexOutbox]]]] = {}
        for (entity, entity_id), batch in by_entity.items():
            work.setdefault(entity, []).append((entity_id, batch))
        for entity, items in work.items():
            model = MODELS[entity]
            for start in range(0, len(items), batch_size):
                chunk = items[start : start + batch_size]
                outbox_rows = [r for _, batch in chunk for r in batch]
                try:
                    ids = [entity_id for entity_id, _ in chunk]
                    found = cast(
                        list[Need | Achievement], list(session.scalars(select(model).where(model.id.in_(ids))))
                    )
                    listings = {x.id: x for x in found}
                    # A delete anywhere in an entity's batch removes the old document first, so a
                    # later upsert of the same id starts afresh instead of losing to a stale version.
                    deleted = [i for i, batch in chunk if any(r.operation == OutboxOperation.DELETE for r in batch)]
                    gone = [
                        i for i, batch in chunk if i not in listings or batch[-1].operation == OutboxOperation.DELETE
                    ]
                    keep = [listings[i] for i, _ in chunk if i not in gone]
                    if deleted or gone:
                        backend.delete(entity, sorted(set(deleted) | set(gone)))
                    backend.upsert(build_documents(keep, segmenter, embedder))
                    report.deleted += len(gone)
                    report.upserted += len(keep)
                    for r in outbox_rows:
                        session.delete(r)
                except Exception as exc:  # keep the rows for the next sync, with the reason
                    report.failed += len(chunk)
                    report.errors.append(f"{entity} {[i for i, _ in chunk]}: {exc}")
                    for r in outbox_rows:
                        r.attempts += 1
                        r.last_error = str(exc)[:2000]
                session.commit()
                if progress:
                    progress(len(outbox_rows))
    return report


def rebuild_index(
    session_factory: sessionmaker[Session],
    backend: SearchBackend,
    segmenter: Segmenter,
    embedder: Embedder,
    progress: Progress | None = None,
    on_total: Callable[[int], None] | None = None,
) -> SyncReport:
    """Re-embed every listing into a new index that replaces the live one; clears the outbox up to the start."""
    report = SyncReport()
    with session_factory() as session:
        high_water = session.scalar(select(func.max(IndexOutbox.id))) or 0
        ids = {kind: list(session.scalars(select(m.id).order_by(m.id))) for kind, m in MODELS.items()}
        if on_total:
            on_total(sum(len(v) for v in ids.values()))
        # Build beside the live index and swap at the end: a failed rebuild leaves the old one.
        staging = backend.begin_rebuild(embedder.id, embedder.dim)
        for kind, kind_ids in ids.items():
            report.upserted += index_listings(session, staging, segmenter, embedder, kind, kind_ids, progress=progress)
        backend.finish_rebuild(staging)
        session.execute(delete(IndexOutbox).where(IndexOutbox.id <= high_water))
        session.commit()
    return report
