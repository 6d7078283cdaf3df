"""Rules around proposals found in review: closed listings, sides, follow-up marks, concurrency."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from matchmaker.policy import Actor
from matchmaker.services import workflow
from matchmaker.services.errors import ConflictError, PermissionDeniedError
from matchmaker.services.proposals import decide_proposal, pursue_proposal, pursued_proposals
from models import Achievement, AuditEvent, MatchProposal, Need, User
from tests.functional.test_web_matches_search import own_published_need_with_proposals
from tests.webclient import WebClient


def _runtime(app: Flask) -> Any:
    return app.extensions["matchmaker"]


def _actor(app: Flask, username: str) -> Actor:
    with _runtime(app).session_factory() as session:
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None
        return workflow.actor_for(user)


def test_pursued_list_drops_listings_no_longer_published(app: Flask, web: WebClient) -> None:
    need_id, proposal_ids = own_published_need_with_proposals(app)
    broker = _actor(app, "broker")
    pursue_proposal(_runtime(app), broker, proposal_ids[0])
    enterprise = _actor(app, "enterprise")
    workflow.update_listing(_runtime(app), enterprise, "need", need_id, {"title": "机密草稿标题-未审核"})
    with _runtime(app).session_factory() as session:
        assert pursued_proposals(session, broker) == []
    web.login("broker")
    assert "机密草稿标题-未审核" not in web.text("/matches/pursued")


def test_no_decision_once_a_listing_is_closed(app: Flask, web: WebClient) -> None:
    need_id, proposal_ids = own_published_need_with_proposals(app)
    enterprise = _actor(app, "enterprise")
    workflow.close_listing(_runtime(app), enterprise, "need", need_id)
    with pytest.raises(PermissionDeniedError):
        decide_proposal(_runtime(app), enterprise, proposal_ids[0], "accept")
    web.login("enterprise")
    page = web.text(f"/needs/{need_id}")
    assert 'data-testid="decline-form"' not in page


def test_an_enterprise_never_decides_the_achievement_side(app: Flask) -> None:
    rt = _runtime(app)
    with rt.session_factory() as session:
        # An enterprise that owns an achievement: its users still decide only on needs.
        row = session.execute(
            select(MatchProposal.id, Achievement.organization_id)
            .join(Achievement, Achievement.id == MatchProposal.achievement_id)
            .join(Need, Need.id == MatchProposal.need_id)
            .where(Need.organization_id != Achievement.organization_id)
            .limit(1)
        ).first()
        assert row is not None
        proposal_id, owner = row
    actor = Actor("ent3", "enterprise", organization_id=owner)
    with pytest.raises(PermissionDeniedError):
        decide_proposal(rt, actor, proposal_id, "decline", "price")


def test_one_broker_cannot_take_over_anothers_follow_up(app: Flask) -> None:
    _, proposal_ids = own_published_need_with_proposals(app)
    broker = _actor(app, "broker")
    other = Actor("broker2", "broker", organization_id=broker.organization_id)
    pursue_proposal(_runtime(app), broker, proposal_ids[0])
    with pytest.raises(ConflictError, match="broker"):
        pursue_proposal(_runtime(app), other, proposal_ids[0], pursued=False)
    with _runtime(app).session_factory() as session:
        assert [v.proposal.id for v in pursued_proposals(session, broker)] == [proposal_ids[0]]


def test_concurrent_decisions_never_overwrite_each_other(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    rt = _runtime(app)
    need_id, proposal_ids = own_published_need_with_proposals(app)
    target = proposal_ids[0]
    with rt.session_factory() as session:
        proposal = session.get(MatchProposal, target)
        assert proposal is not None
        ach = session.get(Achievement, proposal.achievement_id)
        assert ach is not None
        research = Actor("r", "research", organization_id=ach.organization_id)
    enterprise = _actor(app, "enterprise")
    import matchmaker.services.proposals as proposals_module

    original = proposals_module.record_audit
    fired = []

    def interleave(session: Any, *args: Any, **kwargs: Any) -> Any:
        if not fired:  # while the enterprise's accept is in flight, the research side declines
            fired.append(True)
            decide_proposal(rt, research, target, "decline", "price")
        return original(session, *args, **kwargs)

    monkeypatch.setattr(proposals_module, "record_audit", interleave)
    with pytest.raises(ConflictError):
        decide_proposal(rt, enterprise, target, "accept")
    monkeypatch.setattr(proposals_module, "record_audit", original)
    with rt.session_factory() as session:
        proposal = session.get(MatchProposal, target)
        assert proposal is not None
        assert (proposal.need_decision, proposal.achievement_decision, proposal.status) == (
            "proposed",
            "declined",
            "declined",
        )
    decide_proposal(rt, enterprise, target, "accept")  # a retry succeeds and keeps the other side's decline
    with rt.session_factory() as session:
        proposal = session.get(MatchProposal, target)
        assert proposal is not None and proposal.status == "declined" and proposal.need_decision == "accepted"
    assert need_id


def test_reading_matches_over_the_api_stores_nothing(app: Flask) -> None:
    rt = _runtime(app)
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "broker", "password": "demo-password"}).get_json()
    headers = {"Authorization": f"Bearer {token['token']}"}
    with rt.session_factory() as session:
        need_id = session.scalar(
            select(Need.id)
            .where(Need.status == "published")
            .where(~select(MatchProposal.id).where(MatchProposal.need_id == Need.id).exists())
        )
        if need_id is None:  # every demo need has proposals: drop one need's to exercise the live path
            need_id, _ = own_published_need_with_proposals(app)
            session.query(MatchProposal).filter(MatchProposal.need_id == need_id).delete()
            session.commit()
        before = (
            session.scalar(select(func.count()).select_from(MatchProposal)),
            session.scalar(select(func.count()).select_from(AuditEvent)),
        )
    response = client.get(f"/api/v1/needs/{need_id}/matches?top=3", headers=headers)
    assert response.status_code == 200
    matches = response.get_json()["matches"]
    assert matches and all(m["proposal_id"] is None and m["status"] == "live" for m in matches)
    with rt.session_factory() as session:
        after = (
            session.scalar(select(func.count()).select_from(MatchProposal)),
            session.scalar(select(func.count()).select_from(AuditEvent)),
        )
    assert after == before
