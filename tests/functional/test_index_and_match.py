import json
from pathlib import Path

from sqlalchemy import select

from matchmaker.runtime import Runtime
from matchmaker.services.imports import import_file
from matchmaker.services.indexing import index_status, rebuild, sync_index
from matchmaker.services.listings import delete_listing, find_listing
from matchmaker.services.matching import match_listings
from models import IndexOutbox, MatchProposal
from tests.factories import achievement_row, need_row, write_jsonl


def load(runtime: Runtime, tmp_path: Path) -> None:
    import_file(
        runtime,
        "achievement",
        write_jsonl(
            tmp_path / "a.jsonl",
            [
                achievement_row("A1"),
                achievement_row(
                    "A2", title="谷子精量播种机", summary="谷子播种", keywords=["谷子"], industry="智慧农业"
                ),
                achievement_row("A3", title="镁合金压铸工艺", summary="镁合金", keywords=["镁合金"], status="x"),
            ],
        ),
    )
    import_file(runtime, "need", write_jsonl(tmp_path / "n.jsonl", [need_row("N1")]))


def test_match_both_directions_and_store_proposals(runtime: Runtime, tmp_path: Path) -> None:
    load(runtime, tmp_path)
    [run] = match_listings(runtime, "need", ["N1"], top=3)
    assert run.results[0].candidate.external_id == "A1"
    assert run.results[0].explanation["shared_terms"]
    [back] = match_listings(runtime, "achievement", ["A1"], top=3)
    assert back.results[0].candidate.external_id == "N1"
    with runtime.session_factory() as session:
        proposals = session.scalars(select(MatchProposal)).all()
        assert len(proposals) >= 1
        assert json.dumps(proposals[0].explanation, ensure_ascii=False)


def test_unknown_id_is_a_clear_error(runtime: Runtime, tmp_path: Path) -> None:
    import pytest

    from matchmaker.services.errors import NotFoundError

    load(runtime, tmp_path)
    with pytest.raises(NotFoundError, match="N404"):
        match_listings(runtime, "need", ["N1", "N404"])


def test_delete_goes_through_the_outbox(runtime: Runtime, tmp_path: Path) -> None:
    load(runtime, tmp_path)
    with runtime.session_factory() as session:
        listing = find_listing(session, "achievement", "A2")
        assert listing is not None
        delete_listing(session, listing, "test")
        session.commit()
        assert session.scalar(select(IndexOutbox.operation)) == "delete"
    assert index_status(runtime)["outbox_pending"] == 1
    report = sync_index(runtime)
    assert report.deleted == 1
    assert runtime.backend.count("achievement") == 2


def test_failed_sync_keeps_the_outbox_row_with_its_error(runtime: Runtime, tmp_path: Path) -> None:
    load(runtime, tmp_path)

    class Broken:
        id, dim = runtime.embedder.id, runtime.embedder.dim

        def embed_passages(self, texts: list[str]) -> None:
            raise RuntimeError("embedder down")

        embed_queries = embed_passages

    runtime.__dict__["embedder"] = Broken()
    import_file(runtime, "need", write_jsonl(tmp_path / "n2.jsonl", [need_row("N9", title="新需求")]))
    with runtime.session_factory() as session:
        row = session.scalar(select(IndexOutbox))
        assert row is not None and row.attempts == 1 and "embedder down" in row.last_error


def test_rebuild_reindexes_everything(runtime: Runtime, tmp_path: Path) -> None:
    load(runtime, tmp_path)
    runtime.backend.reset("another", 3)
    report = rebuild(runtime)
    assert report.upserted == 4
    assert index_status(runtime)["embedder_id"] == runtime.embedder.id


def test_ids_of_deleted_listings_are_not_reused(runtime: Runtime, tmp_path: Path) -> None:
    load(runtime, tmp_path)
    with runtime.session_factory() as session:
        listing = find_listing(session, "achievement", "A3")
        assert listing is not None
        old_id = listing.id
        delete_listing(session, listing, "test")
        session.commit()
    import_file(runtime, "achievement", write_jsonl(tmp_path / "a4.jsonl", [achievement_row("A4", title="镁合金新品")]))
    with runtime.session_factory() as session:
        new = find_listing(session, "achievement", "A4")
        assert new is not None and new.id != old_id
    assert runtime.backend.get("achievement", [old_id]) == {}
    assert runtime.backend.get("achievement", [new.id])[new.id].title == "镁合金新品"


def test_rebuild_recovers_a_corrupt_index_file(runtime: Runtime, tmp_path: Path) -> None:
    import pytest

    from indexer import SearchBackendError

    load(runtime, tmp_path)
    runtime.backend.close()
    runtime.config.SEARCH_INDEX_PATH.write_bytes(b"this is not a database" * 100)
    with pytest.raises(SearchBackendError, match="index rebuild"):
        runtime.backend.count("need")
    assert rebuild(runtime).upserted == 4
    assert runtime.backend.count("need") == 1


def test_an_organisation_is_never_matched_with_itself(runtime: Runtime, tmp_path: Path) -> None:
    load(runtime, tmp_path)
    own = achievement_row("A9", organization=need_row("N1")["organization"], region=need_row("N1")["region"])
    import_file(runtime, "achievement", write_jsonl(tmp_path / "own.jsonl", [own]))
    [run] = match_listings(runtime, "need", ["N1"], top=5)
    ids = [r.candidate.external_id for r in run.results]
    assert "A9" not in ids and ids[0] == "A1"
