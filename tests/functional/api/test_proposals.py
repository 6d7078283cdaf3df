"""Explained matches of a listing, decisions on proposals and brokers' pursue marks over the API."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import delete, select

from models import AuditEvent, MatchProposal
from tests.functional.api.helpers import ApiClient, assert_error, published_need_with_proposals, runtime_of


def test_matches_show_the_counterpart_and_the_explanation(api: Callable[[str], ApiClient], app: Flask) -> None:
    need_id, proposal_ids = published_need_with_proposals(app)
    matches = api("enterprise").get(f"/needs/{need_id}/matches").get_json()["matches"]
    assert len(matches) == min(10, len(proposal_ids))
    assert {m["proposal_id"] for m in matches} <= set(proposal_ids)
    first = matches[0]
    assert first["kind"] == "achievement" and first["title"] and first["external_id"]
    assert first["explanation"]["reason"] and first["status"] == "proposed"
    assert [m["score"] for m in matches] == sorted((m["score"] for m in matches), reverse=True)
    with runtime_of(app).session_factory() as session:
        proposal = session.get(MatchProposal, first["proposal_id"])
        assert proposal is not None and proposal.achievement_id == first["id"]
    two = api("broker").get(f"/needs/{need_id}/matches?top=2").get_json()["matches"]
    assert [m["proposal_id"] for m in two] == [m["proposal_id"] for m in matches[:2]]


def test_an_achievement_sees_needs_as_matches(api: Callable[[str], ApiClient], app: Flask) -> None:
    need_id, proposal_ids = published_need_with_proposals(app)
    with runtime_of(app).session_factory() as session:
        proposal = session.get(MatchProposal, proposal_ids[0])
        assert proposal is not None
        achievement_id = proposal.achievement_id
    matches = api("bureau").get(f"/achievements/{achievement_id}/matches?top=50").get_json()["matches"]
    assert any(m["id"] == need_id and m["kind"] == "need" for m in matches)


def test_a_published_listing_without_proposals_is_matched_on_request(
    api: Callable[[str], ApiClient], app: Flask
) -> None:
    need_id, _ = published_need_with_proposals(app)
    with runtime_of(app).session_factory() as session:
        session.execute(delete(MatchProposal).where(MatchProposal.need_id == need_id))
        session.commit()
    matches = api("enterprise").get(f"/needs/{need_id}/matches?top=3").get_json()["matches"]
    assert 0 < len(matches) <= 3


def test_matches_of_a_draft_are_empty_and_arguments_are_checked(api: Callable[[str], ApiClient], app: Flask) -> None:
    client = api("enterprise")
    draft = client.post("/needs", {"title": "新的需求草稿"}).get_json()
    assert client.get(f"/needs/{draft['id']}/matches").get_json() == {"matches": []}
    need_id, _ = published_need_with_proposals(app)
    for top in ("0", "51", "ten"):
        assert_error(client.get(f"/needs/{need_id}/matches?top={top}"), 422, "top")


def test_matches_of_someone_elses_listing_are_forbidden(api: Callable[[str], ApiClient], app: Flask) -> None:
    need_id, _ = published_need_with_proposals(app)
    assert_error(api("enterprise2").get(f"/needs/{need_id}/matches"), 403)
    assert_error(api("research").get(f"/needs/{need_id}/matches"), 403)


def test_the_owner_accepts_a_proposal(api: Callable[[str], ApiClient], app: Flask) -> None:
    _, proposal_ids = published_need_with_proposals(app)
    response = api("enterprise").post(f"/proposals/{proposal_ids[0]}/decision", {"decision": "accept"})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["id"], body["status"], body["need_decision"]) == (proposal_ids[0], "accepted", "accepted")
    assert body["achievement_decision"] == "proposed"


def test_declining_needs_a_listed_reason(api: Callable[[str], ApiClient], app: Flask) -> None:
    _, proposal_ids = published_need_with_proposals(app)
    client = api("enterprise")
    path = f"/proposals/{proposal_ids[0]}/decision"
    assert_error(client.post(path, {"decision": "decline"}), 422, "reason")
    assert_error(client.post(path, {"decision": "decline", "reason": "other"}), 422, "note")
    assert_error(client.post(path, {"decision": "maybe"}), 422, "decision")
    assert_error(client.post(path, {"reason": "price"}), 422, "decision")
    assert_error(client.post(path, {"decision": "decline", "reason": ["price"]}), 422, "reason")
    assert_error(client.post(path, {"decision": "decline", "reason": "price", "note": "x" * 501}), 422, "note")
    assert_error(client.post(path, data="decline", content_type="application/json"), 400)
    body = client.post(path, {"decision": "decline", "reason": "price", "note": "报价超出预算"}).get_json()
    assert (body["status"], body["decline_reason"]) == ("declined", "价格或预算不合适：报价超出预算")
    with runtime_of(app).session_factory() as session:
        assert session.scalar(select(AuditEvent).where(AuditEvent.action == "proposal.decline")) is not None


def test_only_an_owner_decides(api: Callable[[str], ApiClient], app: Flask) -> None:
    _, proposal_ids = published_need_with_proposals(app)
    path = f"/proposals/{proposal_ids[0]}/decision"
    assert_error(api("broker").post(path, {"decision": "accept"}), 403)
    assert_error(api("bureau").post(path, {"decision": "accept"}), 403)
    assert_error(api("enterprise2").post(path, {"decision": "accept"}), 404)  # not theirs: invisible
    assert_error(api("enterprise").post("/proposals/999999/decision", {"decision": "accept"}), 404)


def test_a_converted_proposal_cannot_be_decided(api: Callable[[str], ApiClient], app: Flask) -> None:
    _, proposal_ids = published_need_with_proposals(app)
    with runtime_of(app).session_factory() as session:
        proposal = session.get(MatchProposal, proposal_ids[0])
        assert proposal is not None
        proposal.status = "converted"
        session.commit()
    path = f"/proposals/{proposal_ids[0]}/decision"
    assert_error(api("enterprise").post(path, {"decision": "accept"}), 409, "status")


def test_a_broker_marks_and_unmarks_a_proposal(api: Callable[[str], ApiClient], app: Flask) -> None:
    _, proposal_ids = published_need_with_proposals(app)
    broker = api("broker")
    path = f"/proposals/{proposal_ids[0]}/pursue"
    assert broker.post(path).get_json()["pursued"] is True  # no body: mark
    assert broker.post(path, {"pursued": False}).get_json()["pursued"] is False
    assert broker.post(path, {"pursued": True}).get_json()["pursued"] is True
    with runtime_of(app).session_factory() as session:
        proposal = session.get(MatchProposal, proposal_ids[0])
        assert proposal is not None and proposal.pursued_by == "broker"


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_pursued_must_be_a_boolean(api: Callable[[str], ApiClient], app: Flask, value: object) -> None:
    _, proposal_ids = published_need_with_proposals(app)
    response = api("broker").post(f"/proposals/{proposal_ids[0]}/pursue", {"pursued": value})
    assert_error(response, 422, "pursued")


def test_only_brokers_pursue(api: Callable[[str], ApiClient], app: Flask) -> None:
    _, proposal_ids = published_need_with_proposals(app)
    assert_error(api("enterprise").post(f"/proposals/{proposal_ids[0]}/pursue", {"pursued": True}), 403)
    assert_error(api("broker").post("/proposals/999999/pursue", {"pursued": True}), 404)
