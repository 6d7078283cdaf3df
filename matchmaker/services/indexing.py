"""Index maintenance: apply the outbox, rebuild, report status."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from indexer.sync import SyncReport, pending_count, rebuild_index, sync_outbox
from matchmaker.runtime import Runtime


def sync_index(runtime: Runtime, progress: Callable[[int], None] | None = None) -> SyncReport:
    """Apply every pending outbox row to the search backend."""
    return sync_outbox(
        runtime.session_factory,
        runtime.backend,
        runtime.segmenter,
        runtime.embedder,
        progress=progress,
    )


def rebuild(
    runtime: Runtime,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> SyncReport:
    """Drop the index and re-embed every listing with the configured embedder."""
    return rebuild_index(
        runtime.session_factory,
        runtime.backend,
        runtime.segmenter,
        runtime.embedder,
        progress=progress,
        on_total=on_total,
    )


def index_status(runtime: Runtime) -> dict[str, Any]:
    """Backend health, documents per kind and pending outbox rows."""
    status = runtime.backend.health()
    with runtime.session_factory() as session:
        status["outbox_pending"] = pending_count(session)
    status["configured_embedder"] = runtime.embedder.id
    return status
