"""Technology contracts (技术合同登记) over JSON: list, submit, read, register, reject, revoke, amend.

Bodies use the glossary's flat names exactly as ``parse_contract`` accepts them; amounts are
strings of yuan with at most two decimals (a JSON number, ``"12.345"`` or ``"1e6"`` is a 422
naming the field). The views parse, call the contracts service, commit and serialise.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, url_for
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
from matchmaker.api.contract_serializers import contract_json
from matchmaker.services import contracts
from matchmaker.services.contract_input import parse_contract
from models import Contract
from models.enums import ContractStatus

STATUSES = tuple(s.value for s in ContractStatus)
AMENDMENT_REASON = "amendment_reason"


def _contract_response(contract: Contract, status: int = 200) -> Response:
    response = jsonify(contract_json(contract, runtime().region_resolver()))
    response.status_code = status
    if status == 201:
        response.headers["Location"] = url_for("api.contract_detail", contract_id=contract.id)
    return response


@token_required
def list_contracts() -> Response:
    """A page of the contracts the caller may see, optionally in one ``status``, most recently changed first."""
    status = str_arg("status", STATUSES)
    page, per_page = page_args()
    rt = runtime()
    with rt.session_factory() as session:
        items, total = contracts.list_contracts(session, current_actor(), status, page, per_page)
        resolver = rt.region_resolver()
        body = [contract_json(contract, resolver) for contract in items]
    return jsonify(items=body, total=total, page=page, per_page=per_page)


@token_required
def create_contract() -> Response:
    """Submit a signed contract for registration (status ``submitted``); 201 with its Location."""
    values = parse_contract(json_body())
    with runtime().session_factory() as session:
        contract = contracts.submit_contract(session, current_actor(), values)
        commit_or_conflict(session)
        return _contract_response(contract, 201)


@token_required
def get_contract(contract_id: int) -> Response:
    """One contract the caller may see (404 otherwise)."""
    with runtime().session_factory() as session:
        return _contract_response(contracts.load_contract(session, current_actor(), contract_id))


def _action_body(*names: str) -> tuple[dict[str, Any], int | None]:
    """The body of an action (may be empty), only ``names`` and ``version`` allowed; and the version."""
    data = json_body(required=False)
    no_unknown_fields(data, (*names, "version"))
    return data, int_field(data, "version")


def _committed(session: Session, contract: Contract) -> Response:
    commit_or_conflict(session)
    return _contract_response(contract)


@token_required
def register(contract_id: int) -> Response:
    """Bureau of the seller's region: register (the answer carries ``registration_number``), or, for
    5,000,000 yuan or more, record the first review (``awaiting_second_review``) until another reviewer registers."""
    _, version = _action_body()
    with runtime().session_factory() as session:
        contract = contracts.register_contract(session, current_actor(), contract_id, version)
        return _committed(session, contract)


@token_required
def reject(contract_id: int) -> Response:
    """Bureau: refuse to register a submitted contract (不予登记), with a ``reason``."""
    data, version = _action_body("reason")
    reason = text_field(data, "reason")
    with runtime().session_factory() as session:
        contract = contracts.reject_contract(session, current_actor(), contract_id, reason, version)
        return _committed(session, contract)


@token_required
def revoke(contract_id: int) -> Response:
    """Bureau: revoke a registered contract (撤销登记), with a ``reason``."""
    data, version = _action_body("reason")
    reason = text_field(data, "reason")
    with runtime().session_factory() as session:
        contract = contracts.revoke_contract(session, current_actor(), contract_id, reason, version)
        return _committed(session, contract)


@token_required
def amend(contract_id: int) -> Response:
    """Submit a correction of a registered contract: the full contract body plus ``amendment_reason``;
    201 with the new contract (same registration number, next amendment number), the original unchanged."""
    data = dict(json_body())
    reason = text_field(data, AMENDMENT_REASON)
    data.pop(AMENDMENT_REASON, None)
    values = parse_contract(data)
    with runtime().session_factory() as session:
        amendment = contracts.amend_contract(session, current_actor(), contract_id, values, reason)
        commit_or_conflict(session)
        return _contract_response(amendment, 201)
