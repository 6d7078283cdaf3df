"""Elasticsearch faults on the real node: a crash during a bulk, stale and shuffled replays, a hung node.

These tests kill, pause and restart the suite's node through scripts/elasticsearch; each leaves it
healthy again.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, select

from indexer.backends.elasticsearch import ElasticsearchSearchBackend
from indexer.documents import build_documents
from indexer.sync import pending_count
from indexer.types import IndexDocument
from matchmaker.runtime import Runtime
from matchmaker.services.imports import import_file
from matchmaker.services.indexing import rebuild, sync_index
from matchmaker.services.listings import delete_listing
from models import Achievement, IndexOutbox, Need
from tests.es_node import NodeControl
from tests.factories import achievement_row, write_jsonl
from tests.fakes import HashingEmbedder
from tests.functional.test_web_listings import NEED_FORM, post_need
from tests.webclient import WebClient

pytestmark = pytest.mark.elasticsearch

WORDS = ["煤矸石", "陶瓷", "焦化废水", "余热回收", "谷子", "光伏", "氢能", "镁合金", "中药材", "粉煤灰"]


@pytest.fixture
def es_node(es_url: str) -> Iterator[NodeControl]:
    """The node, which these tests may crash and restart; healthy again afterwards."""
    if not NodeControl.owns(es_url):
        pytest.skip(f"{es_url} is not the node scripts/elasticsearch runs: fault tests would not control it")
    node = NodeControl(es_url)
    yield node
    node.heal()


def _rows(count: int, edition: int = 1) -> list[dict[str, Any]]:
    rng = random.Random(count * 31 + edition)
    return [
        achievement_row(
            f"A{i:05d}",
            title=f"{rng.choice(WORDS)}{rng.choice(WORDS)}关键技术第{edition}版{i}号",
            keywords=rng.sample(WORDS, 2),
        )
        for i in range(count)
    ]


def _db_versions(runtime: Runtime, model: type[Need] | type[Achievement]) -> dict[int, int]:
    with runtime.session_factory() as session:
        return {i: v for i, v in session.execute(select(model.id, model.version))}


def _fresh(runtime: Runtime) -> Runtime:
    """Another process's view: a new runtime on the same configuration (no open breaker, no caches)."""
    other = Runtime(runtime.config)
    other.__dict__["embedder"] = HashingEmbedder()
    return other


def test_node_killed_during_a_bulk_then_sync_leaves_index_equal_to_database(
    es_runtime: Runtime, es_node: NodeControl, tmp_path: Path
) -> None:
    import_file(es_runtime, "achievement", write_jsonl(tmp_path / "a.jsonl", _rows(3000)), actor="test", sync=False)
    es_runtime.backend.ensure_compatible(es_runtime.embedder.id, es_runtime.embedder.dim)
    watcher = ElasticsearchSearchBackend(es_runtime.config.ELASTICSEARCH_URL, es_runtime.config.ELASTICSEARCH_PREFIX)
    seen_at_kill: list[int] = []

    def kill_midway() -> None:
        while True:
            stored = watcher.count("achievement")
            if stored >= 600:
                es_node.kill()
                seen_at_kill.append(stored)
                return
            time.sleep(0.02)

    killer = threading.Thread(target=kill_midway)
    killer.start()
    report = sync_index(es_runtime)
    killer.join(timeout=120)
    watcher.close()
    assert seen_at_kill and 600 <= seen_at_kill[0] < 3000
    assert report.failed > 0 and report.upserted < 3000
    with es_runtime.session_factory() as session:
        assert pending_count(session) > 0  # the outbox kept the work

    es_node.resume()
    after = _fresh(es_runtime)
    try:
        catch_up = sync_index(after)
        assert catch_up.failed == 0, catch_up.errors
        with after.session_factory() as session:
            assert pending_count(session) == 0
        assert after.backend.versions("achievement") == _db_versions(after, Achievement)
        assert after.backend.count("achievement") == 3000
    finally:
        after.close()


def test_shuffled_replays_never_leave_a_document_older_than_its_row(es_runtime: Runtime, tmp_path: Path) -> None:
    runtime = es_runtime
    snapshots: list[IndexDocument] = []
    for edition in (1, 2, 3):
        count = 150 if edition < 3 else 90  # the last edition changes only some listings
        import_file(
            runtime, "achievement", write_jsonl(tmp_path / f"{edition}.jsonl", _rows(count, edition)), sync=False
        )
        with runtime.session_factory() as session:
            listings = list(session.scalars(select(Achievement)))
            snapshots += build_documents(listings, runtime.segmenter, runtime.embedder)
    with runtime.session_factory() as session:
        for listing in list(session.scalars(select(Achievement).order_by(Achievement.id).limit(10))):
            delete_listing(session, listing, "test")
        outbox = [(r.entity, r.entity_id, r.operation, r.version) for r in session.scalars(select(IndexOutbox))]
        # Replay the events in a random order: same rows, new ids in shuffled order.
        random.Random(7).shuffle(outbox)
        session.execute(delete(IndexOutbox))
        for entity, entity_id, operation, version in outbox:
            session.add(IndexOutbox(entity=entity, entity_id=entity_id, operation=operation, version=version))
        session.commit()
    assert len(outbox) > 300

    runtime.backend.ensure_compatible(runtime.embedder.id, runtime.embedder.dim)
    db = _db_versions(runtime, Achievement)
    assert len(db) == 140
    # Stale writes of rows that still exist (a deleted row's document is the delete's business).
    snapshots = [d for d in snapshots if d.id in db]
    rng = random.Random(11)
    rng.shuffle(snapshots)
    # Late writers: every older snapshot arrives, in random order and from several threads, around the sync.
    chunks = [snapshots[i::4] for i in range(4)]
    writers = [threading.Thread(target=lambda c=c: [runtime.backend.upsert([d]) for d in c]) for c in chunks[:2]]
    for w in writers:
        w.start()
    report = sync_index(runtime)
    for w in writers:
        w.join()
    for chunk in chunks[2:]:
        runtime.backend.upsert(chunk)
    assert report.failed == 0, report.errors

    assert any(d.version < db[d.id] for d in snapshots)  # there were stale writes to lose
    assert runtime.backend.versions("achievement") == db  # nothing missing, nothing extra, nothing stale
    stored = runtime.backend.get("achievement", list(db))
    with runtime.session_factory() as session:
        for listing in session.scalars(select(Achievement)):
            assert stored[listing.id].version == listing.version
            assert stored[listing.id].title == listing.title


@pytest.fixture
def es_app(demo_config: Any, es_url: str, es_prefix: str) -> Iterator[Flask]:
    """The web app over the demo data with its search index on the real node (short timeout)."""
    from matchmaker import create_app

    demo_config.SEARCH_BACKEND = "elasticsearch"
    demo_config.ELASTICSEARCH_URL = es_url
    demo_config.ELASTICSEARCH_PREFIX = es_prefix
    demo_config.ELASTICSEARCH_TIMEOUT = 2.0
    application = create_app(demo_config)
    runtime = application.extensions["matchmaker"]
    runtime.__dict__["embedder"] = HashingEmbedder()
    rebuild(runtime)
    yield application
    runtime.close()


def _assert_other_pages_work(web: WebClient, need_id: int) -> None:
    for path in ("/", "/needs/", "/achievements/", f"/needs/{need_id}", f"/needs/{need_id}?maturity=industrial"):
        assert web.get(path).status_code == 200, path


def _assert_search_unavailable(web: WebClient) -> None:
    started = time.monotonic()
    response = web.get("/search/?q=煤矸石")
    assert response.status_code == 503
    assert "检索服务暂时不可用" in response.get_data(as_text=True)
    assert time.monotonic() - started < 8


def test_listings_stay_editable_while_the_node_hangs_or_is_down(es_app: Flask, es_node: NodeControl) -> None:
    runtime = es_app.extensions["matchmaker"]
    web = WebClient(es_app)
    web.login("enterprise")
    assert web.get("/search/?q=煤矸石").status_code == 200
    before = post_need(web, title="停机前发布的余热回收需求")

    es_node.pause()  # hangs: connections open, no answers
    try:
        started = time.monotonic()
        during_hang = post_need(web, title="检索挂起期间登记的煤矸石需求")
        assert time.monotonic() - started < 8  # the inline sync gives up after one timeout
        _assert_search_unavailable(web)
        _assert_other_pages_work(web, during_hang)
    finally:
        es_node.cont()

    es_node.kill()  # down: connections refused
    runtime.backend._down_until = 0.0  # forget the hang, so that the refusal itself is exercised
    during_outage = post_need(web, title="检索停机期间登记的焦化废水需求")
    edit = web.post(
        f"/needs/{during_outage}/edit", {**NEED_FORM, "title": "检索停机期间修改的焦化废水需求", "version": "1"}
    )
    assert edit.status_code in (200, 302)
    _assert_search_unavailable(web)
    _assert_other_pages_work(web, before)
    with runtime.session_factory() as session:
        assert pending_count(session) >= 2

    es_node.resume()
    after = _fresh(runtime)
    try:
        report = sync_index(after)
        assert report.failed == 0, report.errors
        for kind, model in (("need", Need), ("achievement", Achievement)):
            assert after.backend.versions(kind) == _db_versions(after, model), kind
        titles = {d.title for d in after.backend.get("need", [before, during_hang, during_outage]).values()}
        assert "检索挂起期间登记的煤矸石需求" in titles
    finally:
        after.close()
    runtime.backend._down_until = 0.0
    assert web.get("/search/?q=煤矸石").status_code == 200
