"""The contract every search backend must pass (run once per backend)."""

from __future__ import annotations

import numpy as np
import pytest

from indexer import IndexMismatchError, SearchBackend, SearchFilters
from tests.factories import make_doc

ALL = SearchFilters(statuses=())


def seed(backend: SearchBackend) -> None:
    backend.upsert(
        [
            make_doc(
                1,
                title="煤矸石 陶瓷",
                terms=["煤矸石", "陶瓷"],
                vector=[1, 0, 0, 0],
                region_code="140681",
                tech_field="新材料",
                industries=["新材料", "煤炭"],
                maturity="pilot",
                modes=["transfer", "license"],
            ),
            make_doc(
                2,
                title="粉煤灰 建材",
                terms=["粉煤灰", "建材"],
                body_terms=["煤矸石"],
                vector=[0.7, 0.7, 0, 0],
                region_code="140105",
                tech_field="资源与环境",
                industries=["节能环保"],
                maturity="industrial",
                modes=["license"],
            ),
            make_doc(
                3,
                title="焦炉煤气 制氢",
                terms=["焦炉煤气", "制氢"],
                vector=[0, 0, 1, 0],
                region_code="141181",
                tech_field="新能源与节能",
                industries=["焦化"],
                status="draft",
            ),
            make_doc(
                4,
                title="谷子 品种",
                terms=["谷子", "品种"],
                vector=[0, 0, 0, 1],
                region_code="371302",
                tech_field="生物与新医药",
                industries=["有机旱作农业"],
            ),
            make_doc(1, "need", title="煤矸石 利用", terms=["煤矸石"], vector=[1, 0, 0, 0], region_code="140681"),
        ]
    )


def test_upsert_and_get_round_trip(backend: SearchBackend) -> None:
    seed(backend)
    docs = backend.get("achievement", [1, 2, 99])
    assert set(docs) == {1, 2}
    assert docs[1].title == "煤矸石 陶瓷"
    assert docs[1].industries == ["新材料", "煤炭"]
    assert docs[1].vector is not None and np.allclose(docs[1].vector, [1, 0, 0, 0])
    assert backend.get("need", [1])[1].kind == "need"


def test_kinds_are_separate(backend: SearchBackend) -> None:
    seed(backend)
    assert backend.count("achievement") == 4
    assert backend.count("need") == 1


def test_keyword_search_weights_title_above_body(backend: SearchBackend) -> None:
    seed(backend)
    hits = backend.keyword_search("achievement", ["煤矸石"], ALL, 10)
    assert [h.id for h in hits] == [1, 2]
    assert hits[0].score > hits[1].score > 0


def test_keyword_search_with_no_terms_or_no_match(backend: SearchBackend) -> None:
    seed(backend)
    assert backend.keyword_search("achievement", [], ALL, 10) == []
    assert backend.keyword_search("achievement", ["不存在的词"], ALL, 10) == []
    assert backend.keyword_search("achievement", ['带"引号', "OR", "NEAR"], ALL, 10) == []


def test_vector_search_orders_by_cosine(backend: SearchBackend) -> None:
    seed(backend)
    hits = backend.vector_search("achievement", np.array([1, 0.1, 0, 0], dtype=np.float32), ALL, 3)
    assert [h.id for h in hits][:2] == [1, 2]
    assert hits[0].score == pytest.approx(0.995, abs=0.01)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (SearchFilters(), {1, 2, 4}),
        (SearchFilters(statuses=("draft",)), {3}),
        (SearchFilters(statuses=(), region_code="140681"), {1}),
        (SearchFilters(statuses=(), region_code="140600"), {1}),
        (SearchFilters(statuses=(), region_code="140000"), {1, 2, 3}),
        (SearchFilters(statuses=(), tech_field="资源与环境"), {2}),
        (SearchFilters(statuses=(), industry="焦化"), {3}),
        (SearchFilters(statuses=(), industry="煤炭", region_code="140000"), {1}),
        (SearchFilters(statuses=(), maturity="pilot"), {1}),
        (SearchFilters(statuses=(), mode="license"), {1, 2}),
        (SearchFilters(statuses=(), mode="transfer", maturity="industrial"), set()),
        (SearchFilters(statuses=(), mode="lic"), set()),
    ],
)
def test_filters_apply_to_both_searches_and_count(
    backend: SearchBackend, filters: SearchFilters, expected: set[int]
) -> None:
    seed(backend)
    terms = ["煤矸石", "陶瓷", "粉煤灰", "焦炉煤气", "谷子", "品种", "制氢", "建材"]
    assert {h.id for h in backend.keyword_search("achievement", terms, filters, 10)} == expected
    vec = np.array([0.5, 0.5, 0.5, 0.5], dtype=np.float32)
    assert {h.id for h in backend.vector_search("achievement", vec, filters, 10)} == expected
    assert backend.count("achievement", filters) == len(expected)


@pytest.mark.parametrize("value", ["%", "_", "新", "焦化 ", "新材"])
def test_filters_match_whole_values_only(backend: SearchBackend, value: str) -> None:
    seed(backend)
    filters = SearchFilters(statuses=(), industry=value)
    terms = ["煤矸石", "粉煤灰", "焦炉煤气", "谷子"]
    assert backend.keyword_search("achievement", terms, filters, 10) == []
    assert backend.vector_search("achievement", np.ones(4, dtype=np.float32), filters, 10) == []
    assert backend.count("achievement", filters) == 0
    region = SearchFilters(statuses=(), region_code="%")
    assert backend.count("achievement", region) == 0


def test_industry_with_spaces_is_one_value(backend: SearchBackend) -> None:
    backend.upsert([make_doc(7, terms=["煤"], industries=["煤炭 加工"])])
    assert backend.count("achievement", SearchFilters(statuses=(), industry="煤炭")) == 0
    assert backend.count("achievement", SearchFilters(statuses=(), industry="煤炭 加工")) == 1


def test_top_k_limits_results(backend: SearchBackend) -> None:
    seed(backend)
    vec = np.array([0.5, 0.5, 0.5, 0.5], dtype=np.float32)
    assert len(backend.vector_search("achievement", vec, ALL, 2)) == 2
    assert len(backend.keyword_search("achievement", ["煤矸石", "谷子", "制氢"], ALL, 1)) == 1


def test_update_replaces_text_and_older_versions_are_ignored(backend: SearchBackend) -> None:
    seed(backend)
    backend.upsert([make_doc(1, title="镁合金", terms=["镁合金"], version=2)])
    assert backend.keyword_search("achievement", ["煤矸石"], ALL, 10)[0].id == 2
    assert [h.id for h in backend.keyword_search("achievement", ["镁合金"], ALL, 10)] == [1]
    backend.upsert([make_doc(1, title="旧版本", terms=["旧版本"], version=1)])
    assert backend.get("achievement", [1])[1].title == "镁合金"
    assert backend.versions("achievement")[1] == 2


def test_delete_removes_from_every_search(backend: SearchBackend) -> None:
    seed(backend)
    backend.delete("achievement", [1, 999])
    assert backend.get("achievement", [1]) == {}
    assert 1 not in {h.id for h in backend.keyword_search("achievement", ["煤矸石"], ALL, 10)}
    vec = np.array([1, 0, 0, 0], dtype=np.float32)
    assert 1 not in {h.id for h in backend.vector_search("achievement", vec, ALL, 10)}
    assert backend.count("achievement") == 3


def test_index_records_its_embedder_and_refuses_another(backend: SearchBackend) -> None:
    backend.ensure_compatible("test:contract", 4)
    with pytest.raises(IndexMismatchError, match="matchmaker index rebuild"):
        backend.ensure_compatible("other-model", 4)
    with pytest.raises(IndexMismatchError):
        backend.ensure_compatible("test:contract", 8)


def test_wrong_vector_dimension_is_refused(backend: SearchBackend) -> None:
    with pytest.raises(IndexMismatchError):
        backend.upsert([make_doc(9, terms=["x"], vector=[1, 0, 0, 0, 0, 0])])


def test_reset_drops_everything(backend: SearchBackend) -> None:
    seed(backend)
    backend.reset("another", 8)
    assert backend.count("achievement") == 0
    backend.ensure_compatible("another", 8)


def test_health_reports_counts(backend: SearchBackend) -> None:
    seed(backend)
    health = backend.health()
    assert health["status"] in ("green", "yellow")
    assert health["documents"] == {"need": 1, "achievement": 4}


def test_unknown_kind_is_an_error(backend: SearchBackend) -> None:
    from indexer import SearchBackendError

    with pytest.raises(SearchBackendError):
        backend.count("contract")


def test_rebuild_serves_the_old_index_until_it_is_finished(backend: SearchBackend) -> None:
    seed(backend)
    staging = backend.begin_rebuild("test:contract", 4)
    staging.upsert([make_doc(42, title="新索引", terms=["新索引"])])
    assert backend.count("achievement") == 4
    assert backend.keyword_search("achievement", ["新索引"], ALL, 5) == []
    backend.finish_rebuild(staging)
    assert backend.count("achievement") == 1
    assert [h.id for h in backend.keyword_search("achievement", ["新索引"], ALL, 5)] == [42]
    backend.ensure_compatible("test:contract", 4)


def test_equal_version_rewrites_derived_fields(backend: SearchBackend) -> None:
    backend.upsert([make_doc(5, title="旧单位", terms=["秸秆"], version=3)])
    renamed = make_doc(5, title="旧单位", terms=["秸秆"], version=3)
    renamed.organization_name = "新单位名称"
    backend.upsert([renamed])
    assert backend.get("achievement", [5])[5].organization_name == "新单位名称"


def test_deleted_document_can_be_written_again_at_the_same_version(backend: SearchBackend) -> None:
    backend.upsert([make_doc(6, terms=["秸秆"], version=4)])
    backend.delete("achievement", [6, 404])
    assert backend.get("achievement", [6]) == {}
    backend.upsert([make_doc(6, terms=["秸秆"], version=4)])
    assert backend.versions("achievement") == {6: 4}


def test_versions_and_get_cover_many_documents(backend: SearchBackend) -> None:
    docs = [make_doc(i, terms=[f"词{i % 7}"], vector=[1, i % 5, 0, 1], version=i % 9 + 1) for i in range(1, 1301)]
    backend.upsert(docs)
    assert backend.versions("achievement") == {d.id: d.version for d in docs}
    ids = list(range(1, 1401))
    got = backend.get("achievement", ids)
    assert sorted(got) == list(range(1, 1301))
    assert backend.count("achievement") == 1300


def test_stale_batch_leaves_newer_documents_untouched(backend: SearchBackend) -> None:
    newer = [make_doc(i, title=f"新{i}", terms=["新"], version=5) for i in range(1, 21)]
    backend.upsert(newer)
    stale = [make_doc(i, title=f"旧{i}", terms=["旧"], version=4 if i % 2 else 6) for i in range(1, 21)]
    backend.upsert(stale)
    stored = backend.get("achievement", list(range(1, 21)))
    assert {i: d.title for i, d in stored.items()} == {i: (f"新{i}" if i % 2 else f"旧{i}") for i in range(1, 21)}
    assert backend.keyword_search("achievement", ["旧"], ALL, 50) != []
    assert {h.id for h in backend.keyword_search("achievement", ["新"], ALL, 50)} == set(range(1, 21, 2))


def test_keyword_search_ignores_ascii_case(backend: SearchBackend) -> None:
    backend.upsert([make_doc(8, title="PLC 控制", terms=["PLC", "控制"])])
    assert [h.id for h in backend.keyword_search("achievement", ["plc"], ALL, 5)] == [8]
    assert [h.id for h in backend.keyword_search("achievement", ["Plc"], ALL, 5)] == [8]


def test_drop_deletes_the_whole_index(backend: SearchBackend) -> None:
    seed(backend)
    backend.drop()
    assert backend.count("achievement") == 0
    assert backend.get("achievement", [1, 2]) == {}
    backend.ensure_compatible("another", 8)  # no embedder is remembered after a drop
