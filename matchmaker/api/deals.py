"""Deals (对接项目) over JSON: the deals the caller may see, opening one, moving it a stage.

The views parse the request, call the deals service, commit, and serialise the deal it left behind;
who sees which deal is the policy's VIEW cell (the broker's own, the parties', the bureau's county).
"""

from __future__ import annotations

from typing import Any

from flask import jsonify
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from matchmaker.api.common import (
    commit_or_conflict,
    current_actor,
    int_field,
    json_body,
    no_unknown_fields,
    page_args,
    runtime,
    str_arg,
    text_field,
    token_required,
)
from matchmaker.api.contract_serializers import deal_json
from matchmaker.services import deals
from matchmaker.services.errors import ValidationError
from models import Deal, Region
from models.enums import DealStage

STAGES = tuple(s.value for s in DealStage)
OPEN_FIELDS = ("proposal_id", "need_id", "achievement_id", "title", "region_code", "note")


def _deal_response(session: Session, deal: Deal, status: int = 200) -> Response:
    brokers = deals.broker_usernames(session, [deal])
    response = jsonify(deal_json(deal, brokers.get(deal.broker_id, ""), runtime().region_resolver()))
    response.status_code = status
    return response


@token_required
def list_deals() -> Response:
    """A page of the deals the caller may see, optionally of one ``stage``, most recently changed first."""
    stage = str_arg("stage", STAGES)
    page, per_page = page_args()
    rt = runtime()
    with rt.session_factory() as session:
        items, total = deals.list_deals(session, current_actor(), stage, page, per_page)
        brokers = deals.broker_usernames(session, items)
        resolver = rt.region_resolver()
        body = [deal_json(deal, brokers.get(deal.broker_id, ""), resolver) for deal in items]
    return jsonify(items=body, total=total, page=page, per_page=per_page)


def _region(session: Session, data: dict[str, Any]) -> str | None:
    code = text_field(data, "region_code").strip() or None
    if code is not None and session.get(Region, code) is None:
        raise ValidationError({"region_code": f"行政区划代码 {code} 不存在"})
    return code


@token_required
def create_deal() -> Response:
    """Broker: open a deal from a proposal, or from a need and/or an achievement; 201."""
    data = json_body()
    no_unknown_fields(data, OPEN_FIELDS)
    proposal_id, need_id = int_field(data, "proposal_id"), int_field(data, "need_id")
    achievement_id = int_field(data, "achievement_id")
    title, note = text_field(data, "title"), text_field(data, "note")
    with runtime().session_factory() as session:
        values = deals.DealInput(proposal_id, need_id, achievement_id, title, _region(session, data), note)
        deal = deals.open_deal(session, current_actor(), values)
        commit_or_conflict(session)
        return _deal_response(session, deal, 201)


@token_required
def move_stage(deal_id: int) -> Response:
    """Broker: move an own deal to ``stage`` (closing needs a ``note``); ``version`` (optional) must be current."""
    data = json_body()
    no_unknown_fields(data, ("stage", "note", "version"))
    stage = text_field(data, "stage", required=True)
    note = text_field(data, "note")
    version = int_field(data, "version")
    with runtime().session_factory() as session:
        deal = deals.move_deal(session, current_actor(), deal_id, stage, note, version)
        commit_or_conflict(session)
        return _deal_response(session, deal)
