"""Explained matches, decisions with reasons, brokers' follow-up list, and the search page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from indexer.backends.base import SearchBackendError
from models import Achievement, AuditEvent, MatchProposal, Need, User
from tests.webclient import WebClient


def _runtime(app: Flask) -> Any:
    return app.extensions["matchmaker"]


def own_published_need_with_proposals(app: Flask, username: str = "enterprise") -> tuple[int, list[int]]:
    """A published need of ``username``'s organisation and its proposal ids."""
    with _runtime(app).session_factory() as session:
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None
        for need in session.scalars(
            select(Need).where(Need.organization_id == user.organization_id, Need.status == "published")
        ):
            ids = list(session.scalars(select(MatchProposal.id).where(MatchProposal.need_id == need.id)))
            if ids:
                return need.id, ids
    raise AssertionError("the demo data gives every published need proposals")


def test_need_page_explains_each_proposal(app: Flask, web: WebClient) -> None:
    need_id, proposal_ids = own_published_need_with_proposals(app)
    web.login("enterprise")
    page = web.text(f"/needs/{need_id}")
    assert page.count('data-testid="proposal"') == len(proposal_ids)
    assert 'data-testid="reason"' in page and "关键词与语义排名融合" in page
    assert "接受" in page and "不感兴趣" in page
    assert "不感兴趣的原因" in page


def test_decline_needs_a_listed_reason_and_is_audited(app: Flask, web: WebClient) -> None:
    need_id, proposal_ids = own_published_need_with_proposals(app)
    web.login("enterprise")
    target = proposal_ids[0]
    refused = web.post(f"/matches/{target}/decide", {"decision": "decline", "reason": ""}, follow_redirects=True)
    assert "请选择原因" in refused.get_data(as_text=True)
    other = web.post(f"/matches/{target}/decide", {"decision": "decline", "reason": "other"}, follow_redirects=True)
    assert "请填写说明" in other.get_data(as_text=True)
    web.post(f"/matches/{target}/decide", {"decision": "decline", "reason": "price", "note": "报价超出预算"})
    page = web.text(f"/needs/{need_id}")
    assert "已谢绝" in page and "价格或预算不合适：报价超出预算" in page
    with _runtime(app).session_factory() as session:
        proposal = session.get(MatchProposal, target)
        assert proposal is not None
        assert (proposal.status, proposal.need_decision, proposal.need_reason) == ("declined", "declined", "price")
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "proposal.decline"))
        assert event is not None and event.actor == "enterprise" and event.after and event.after["reason"] == "price"
    accept = web.post(f"/matches/{proposal_ids[-1]}/decide", {"decision": "accept"})
    assert accept.status_code == 302
    with _runtime(app).session_factory() as session:
        accepted = session.get(MatchProposal, proposal_ids[-1])
        assert accepted is not None and accepted.status == "accepted"


def test_other_parties_cannot_decide(app: Flask, web: WebClient) -> None:
    _, proposal_ids = own_published_need_with_proposals(app)
    # Another enterprise does not even see the proposal; brokers and bureau staff see it but may not decide.
    for username, status in (("enterprise2", 404), ("broker", 403), ("bureau", 403)):
        web.login(username)
        response = web.post(f"/matches/{proposal_ids[0]}/decide", {"decision": "accept"})
        assert response.status_code == status, username
        web.logout()


def test_research_sees_the_needs_matched_to_its_achievement(app: Flask, web: WebClient) -> None:
    with _runtime(app).session_factory() as session:
        user = session.scalar(select(User).where(User.username == "research"))
        assert user is not None
        ach_id = session.scalar(
            select(Achievement.id)
            .join(MatchProposal, MatchProposal.achievement_id == Achievement.id)
            .where(Achievement.organization_id == user.organization_id)
            .limit(1)
        )
    assert ach_id is not None
    web.login("research")
    page = web.text(f"/achievements/{ach_id}")
    assert "匹配需求" in page and 'data-testid="proposal"' in page


def test_broker_marks_proposals_worth_pursuing(app: Flask, web: WebClient) -> None:
    need_id, proposal_ids = own_published_need_with_proposals(app)
    web.login("broker")
    page = web.text(f"/needs/{need_id}")
    assert "值得跟进" in page and "接受" not in page
    assert web.post(f"/matches/{proposal_ids[0]}/pursue", {"pursued": "1"}).status_code == 302
    pursued = web.text("/matches/pursued")
    assert "值得跟进的匹配（1）" in pursued
    web.post(f"/matches/{proposal_ids[0]}/pursue", {"pursued": "0"})
    assert "值得跟进的匹配（0）" in web.text("/matches/pursued")


def test_refresh_runs_the_engine_for_a_published_listing(app: Flask, web: WebClient) -> None:
    need_id, _ = own_published_need_with_proposals(app)
    web.login("enterprise")
    response = web.post(f"/needs/{need_id}/matches/refresh", follow_redirects=True)
    assert "已重新匹配" in response.get_data(as_text=True)


def test_search_mixes_needs_and_achievements_with_highlights_and_pages(web: WebClient) -> None:
    web.login("broker")
    page = web.text("/search/?q=煤矸石")
    results = page.count('data-testid="search-result"')
    assert results == 10
    assert "<mark>煤矸石</mark>" in page
    assert "需求</span>" in page and "成果</span>" in page
    total = int(re.search(r"共 (\d+) 条结果", page)[1])  # type: ignore[index]
    assert total > 10
    second = web.text("/search/?q=煤矸石&page=2")
    assert second.count('data-testid="search-result"') == min(10, total - 10)
    only_needs = web.text("/search/?q=煤矸石&kind=need")
    assert "成果</span>" not in only_needs


def test_search_filters_and_never_shows_unpublished(app: Flask, web: WebClient) -> None:
    web.login("enterprise")
    web.post("/needs/new", {"title": "未发布的煤矸石秘密需求", "keywords": "煤矸石", "region_code": "140681"})
    web.logout()
    web.login("broker")
    page = web.text("/search/?q=煤矸石秘密需求")
    assert "未发布的煤矸石秘密需求" not in page
    narrowed = web.text("/search/?q=煤矸石&region=140600&kind=need")
    with _runtime(app).session_factory() as session:
        for need_id in re.findall(r'href="/needs/(\d+)"', narrowed.split("检索需求与成果", 1)[1]):
            need = session.get(Need, int(need_id))
            assert need is not None and (need.region_code or "").startswith("1406")


def test_empty_and_overlong_queries(web: WebClient) -> None:
    web.login("broker")
    assert 'data-testid="search-result"' not in web.text("/search/")
    response = web.get("/search/?q=" + "煤" * 201)
    assert response.status_code == 400 and "不超过 200 字" in response.get_data(as_text=True)


class _BrokenBackend:
    def __getattr__(self, name: str) -> Any:
        def fail(*args: Any, **kwargs: Any) -> Any:
            raise SearchBackendError("connection refused")

        return fail


@pytest.mark.parametrize("path", ["/search/?q=煤矸石"])
def test_search_says_plainly_when_the_backend_is_down(
    app: Flask, web: WebClient, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    web.login("broker")
    monkeypatch.setitem(_runtime(app).__dict__, "backend", _BrokenBackend())
    response = web.get(path)
    assert response.status_code == 503
    assert "检索服务暂时不可用" in response.get_data(as_text=True)
    assert web.get("/needs/").status_code == 200  # other pages keep working


def test_broker_filters_matches_of_a_need_live(app: Flask, web: WebClient) -> None:
    need_id, _ = own_published_need_with_proposals(app)
    web.login("broker")
    page = web.text(f"/needs/{need_id}?maturity=industrial&region=140000")
    assert "按条件实时匹配" in page
    ids = [
        int(i)
        for i in re.findall(
            r'data-testid="live-match">\s*<div[^>]*>\s*<div[^>]*>\s*<div>\s*<a[^>]*href="/achievements/(\d+)"', page
        )
    ]
    with _runtime(app).session_factory() as session:
        for ach_id in ids:
            ach = session.get(Achievement, ach_id)
            assert ach is not None and ach.maturity == "industrial" and (ach.region_code or "").startswith("14")
    assert ids and page.count('data-testid="live-match"') == len(ids)
    assert 'data-testid="live-match"' not in web.text(f"/needs/{need_id}")
