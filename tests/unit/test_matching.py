import datetime as dt

import pytest

from config import DEFAULT_MATCH_WEIGHTS
from indexer.types import SearchHit
from matchmaker.matching import rank_candidates
from matchmaker.matching.candidates import query_terms, reciprocal_rank_fusion
from matchmaker.matching.features import (
    budget_fit,
    field_agreement,
    freshness,
    industry_agreement,
    maturity_fit,
    mode_overlap,
    region_proximity,
    title_overlap,
)
from tests.factories import make_doc


def test_rrf_rewards_agreement_between_rankings() -> None:
    fused = reciprocal_rank_fusion([[SearchHit(1, 9), SearchHit(2, 8)], [SearchHit(2, 0.9), SearchHit(3, 0.8)]])
    assert fused[2] > fused[1] > fused[3]
    assert fused[1] == pytest.approx(1 / 61)


def test_region_proximity_levels() -> None:
    assert region_proximity("140681", "140681") == 1.0
    assert region_proximity("140681", "140602") == 0.6
    assert region_proximity("140681", "140105") == 0.3
    assert region_proximity("140681", "371302") == 0.0
    assert region_proximity(None, "140681") == 0.0
    assert region_proximity("140600", "140681") == 0.6


def test_simple_features() -> None:
    assert field_agreement("新材料", "新材料") == 1.0
    assert field_agreement("新材料", "电子信息") == 0.0
    assert field_agreement("", "电子信息") == 0.5
    assert industry_agreement(["焦化"], ["焦化", "冶金"]) == 1.0
    assert industry_agreement(["焦化"], ["电力"]) == 0.0
    assert maturity_fit("industrial") > maturity_fit("pilot") > maturity_fit("lab")
    assert mode_overlap(["transfer"], ["license"]) == 1.0
    assert mode_overlap(["equity"], ["service"]) == 0.0
    assert budget_fit("1000000.00", "800000.00", False) == 1.0
    assert budget_fit("500000.00", "1000000.00", False) == 0.5
    assert budget_fit("500000.00", None, True) == 0.5


def test_freshness_decays() -> None:
    now = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    assert freshness(now.isoformat(), now) == pytest.approx(1.0)
    assert freshness((now - dt.timedelta(days=365)).isoformat(), now) == pytest.approx(0.3679, abs=1e-3)


def test_title_overlap_prefers_head_terms_and_specific_words() -> None:
    query = make_doc(1, "need", terms=["煤矸石", "陶瓷", "技术"])
    in_title = make_doc(2, terms=["煤矸石", "陶瓷"])
    in_body = make_doc(3, terms=["粉煤灰"], body_terms=["煤矸石", "陶瓷"])
    generic = make_doc(4, terms=["技术"])
    a, shared = title_overlap(query, in_title)
    b, _ = title_overlap(query, in_body)
    c, _ = title_overlap(query, generic)
    assert a > b > c
    assert shared[:2] == ["煤矸石", "陶瓷"]


def test_query_terms_put_title_first_and_dedupe() -> None:
    doc = make_doc(1, "need", terms=["干熄焦", "余热"], keyword_terms=["干熄焦", "发电"], body_terms=["余热", "锅炉"])
    assert query_terms(doc) == ["干熄焦", "余热", "发电", "锅炉"]


def _hits(*pairs: tuple[int, float]) -> list[SearchHit]:
    return [SearchHit(i, s) for i, s in pairs]


def test_engine_ranks_the_pair_that_agrees_on_everything_first() -> None:
    query = make_doc(
        1,
        "need",
        terms=["焦化废水", "脱酚"],
        vector=[1, 0, 0, 0],
        tech_field="资源与环境",
        industries=["焦化"],
        region_code="141181",
        modes=["cooperative"],
        amount="2000000.00",
    )
    good = make_doc(
        10,
        terms=["焦化废水", "脱酚", "工艺"],
        vector=[0.9, 0.1, 0, 0],
        tech_field="资源与环境",
        industries=["焦化"],
        region_code="141102",
        maturity="industrial",
        modes=["co_development"],
        amount="1000000.00",
        price_negotiable=False,
    )
    lexical_trap = make_doc(
        11,
        terms=["焦化", "配煤"],
        vector=[0.2, 0.9, 0, 0],
        tech_field="新材料",
        industries=["冶金"],
        region_code="371302",
        maturity="lab",
    )
    semantic_trap = make_doc(
        12, terms=["污水", "监测平台"], vector=[0.8, 0.3, 0.2, 0], tech_field="电子信息", industries=["大数据"]
    )
    candidates = {d.id: d for d in (good, lexical_trap, semantic_trap)}
    results = rank_candidates(
        query,
        _hits((11, 9.0), (10, 8.0)),
        _hits((12, 0.95), (10, 0.9), (11, 0.2)),
        candidates,
        DEFAULT_MATCH_WEIGHTS,
        region_names={"141100": "吕梁市"},
    )
    assert results[0].candidate.id == 10
    best = results[0]
    assert set(best.contributions) == set(DEFAULT_MATCH_WEIGHTS)
    assert best.score == pytest.approx(sum(best.contributions.values()))
    assert "焦化废水" in best.explanation["shared_terms"]
    assert "吕梁市" in best.explanation["reason"]
    assert best.explanation["keyword_rank"] == 2 and best.explanation["vector_rank"] == 2


def test_engine_works_in_the_other_direction_and_skips_the_query_itself() -> None:
    query = make_doc(5, "achievement", terms=["镁合金"], maturity="industrial")
    need = make_doc(7, "need", terms=["镁合金", "压铸"])
    results = rank_candidates(query, _hits((7, 1.0)), _hits((7, 0.9)), {7: need}, DEFAULT_MATCH_WEIGHTS)
    assert [r.candidate.id for r in results] == [7]
    assert results[0].features["maturity"] == 1.0


def test_weights_change_the_ranking() -> None:
    query = make_doc(1, "need", terms=["氢能"], vector=[1, 0, 0, 0])
    lexical = make_doc(2, terms=["氢能"], vector=[0, 1, 0, 0])
    semantic = make_doc(3, terms=["燃料电池"], vector=[1, 0.05, 0, 0])
    cands = {2: lexical, 3: semantic}
    kw, vec = _hits((2, 5.0)), _hits((3, 0.99), (2, 0.1))
    only_sem = {k: 0.0 for k in DEFAULT_MATCH_WEIGHTS} | {"semantic": 1.0}
    only_kw = {k: 0.0 for k in DEFAULT_MATCH_WEIGHTS} | {"keyword": 1.0}
    assert rank_candidates(query, kw, vec, cands, only_sem)[0].candidate.id == 3
    assert rank_candidates(query, kw, vec, cands, only_kw)[0].candidate.id == 2


def test_no_candidates_gives_no_results() -> None:
    assert rank_candidates(make_doc(1, "need"), [], [], {}, DEFAULT_MATCH_WEIGHTS) == []


def test_fusion_feature_is_one_for_rank_one_in_both_lists() -> None:
    query = make_doc(1, "need", terms=["氢能"])
    both, one = make_doc(2, terms=["氢能"]), make_doc(3, terms=["储能"])
    results = rank_candidates(
        query, _hits((2, 5.0), (3, 1.0)), _hits((2, 0.9)), {2: both, 3: one}, DEFAULT_MATCH_WEIGHTS
    )
    by_id = {r.candidate.id: r for r in results}
    assert by_id[2].features["fusion"] == pytest.approx(1.0)
    assert by_id[3].features["fusion"] == pytest.approx(61 / 62 / 2)
    assert results[0].candidate.id == 2


def test_expired_needs_are_not_proposed() -> None:
    query = make_doc(1, "achievement", terms=["氢能"])
    expired = make_doc(2, "need", terms=["氢能"], valid_until="2026-01-31")
    valid = make_doc(3, "need", terms=["氢能"], valid_until="2027-12-31")
    now = dt.datetime(2026, 11, 27, tzinfo=dt.UTC)
    hits = _hits((2, 1.0), (3, 0.9))
    results = rank_candidates(query, hits, hits, {2: expired, 3: valid}, DEFAULT_MATCH_WEIGHTS, now=now)
    assert [r.candidate.id for r in results] == [3]
