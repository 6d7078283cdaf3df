"""The bureau's decisions on a contract: 登记, 不予登记, 撤销, and 变更 (an amendment of a registered contract).

Every form carries the version of the contract its page showed; a stale page is refused with the
service's ConflictError (409) instead of acting on a contract that changed in the meantime.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, request, url_for
from flask_login import login_required
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from matchmaker.auth.current import current_actor
from matchmaker.contracts.blueprint import STALE_CONTRACT, bp
from matchmaker.contracts.forms import ActionForm, AmendForm, parse_version
from matchmaker.contracts.views import action_version, render_detail, render_form, show_errors
from matchmaker.policy import Verb
from matchmaker.services.contract_input import ContractInput, parse_contract
from matchmaker.services.contract_queries import contract_values, load_current
from matchmaker.services.contracts import amend_contract, register_contract, reject_contract, revoke_contract
from matchmaker.services.errors import ServiceError, ValidationError
from matchmaker.web import commit_conflicts, http_errors, runtime
from models import Contract
from models.enums import ContractStatus

Decide = Callable[[Session, int | None, str], Contract]


def _decide(contract_id: int, decide: Decide, message: Callable[[Contract], str]) -> Response | tuple[str, int]:
    """Run one decision in its own transaction; back to the contract page, or the page with the error."""
    form = ActionForm()
    version = action_version(form)
    with runtime().session_factory() as session:
        try:
            with commit_conflicts(session, STALE_CONTRACT):
                contract = decide(session, version, form.reason.data or "")
                text = message(contract)  # read before commit: the row is what this decision made it
                session.commit()
        except ServiceError as exc:
            status = show_errors(form, exc)
            return render_detail(contract_id, form, status)
    flash(text, "success")
    return redirect(url_for("contracts.detail", contract_id=contract_id))


def _registered(contract: Contract) -> str:
    if contract.status == ContractStatus.REGISTERED:
        return f"已登记，登记编号 {contract.registration_number}"
    return "已完成初审，待另一位科技局人员复核"


@bp.post("/<int:contract_id>/register")
@login_required
def register(contract_id: int) -> Response | tuple[str, int]:
    """登记 (or the first of two reviews for 5,000,000 yuan or more)."""
    actor = current_actor()
    return _decide(
        contract_id,
        lambda session, version, _reason: register_contract(session, actor, contract_id, version),
        _registered,
    )


@bp.post("/<int:contract_id>/reject")
@login_required
def reject(contract_id: int) -> Response | tuple[str, int]:
    """不予登记, with the reason."""
    actor = current_actor()
    return _decide(
        contract_id,
        lambda session, version, reason: reject_contract(session, actor, contract_id, reason, version),
        lambda _contract: "已决定不予登记",
    )


@bp.post("/<int:contract_id>/revoke")
@login_required
def revoke(contract_id: int) -> Response | tuple[str, int]:
    """撤销 a registered contract, with the reason."""
    actor = current_actor()
    return _decide(
        contract_id,
        lambda session, version, reason: revoke_contract(session, actor, contract_id, reason, version),
        lambda contract: f"已撤销登记（登记编号 {contract.registration_number}）",
    )


def _amendment_input(form: AmendForm) -> ContractInput:
    """The corrected fields; every bad field and a missing reason reported together."""
    errors: dict[str, str] = {}
    data: ContractInput | None = None
    try:
        data = parse_contract(form.input_data())
    except ValidationError as exc:
        errors.update(exc.errors)
    if not (form.amendment_reason.data or "").strip():
        errors["amendment_reason"] = "请填写变更原因"
    if errors or data is None:
        raise ValidationError(errors)
    return data


@bp.route("/<int:contract_id>/amend", methods=["GET", "POST"])
@login_required
def amend(contract_id: int) -> Response | tuple[str, int]:
    """变更: the form prefilled from the registered contract; the original stays as it was."""
    actor = current_actor()
    form = AmendForm()
    status = 200
    with runtime().session_factory() as session:
        with http_errors():
            original = load_current(session, actor, contract_id, Verb.AMEND, None)
        if request.method == "GET":
            form.fill(contract_values(original))
            form.version.data = str(original.version)
        elif form.validate_on_submit():
            try:
                data = _amendment_input(form)
                with commit_conflicts(session, STALE_CONTRACT):
                    load_current(session, actor, contract_id, Verb.AMEND, parse_version(form.version.data))
                    amendment = amend_contract(session, actor, contract_id, data, form.amendment_reason.data or "")
                    session.commit()
            except ServiceError as exc:
                status = show_errors(form, exc)
            else:
                flash(f"变更已提交（第 {amendment.amendment_no} 次变更），待科技局登记；原合同保持不变", "success")
                return redirect(url_for("contracts.detail", contract_id=amendment.id))
        return render_form("contracts/form.html", form, status, deal=None, original=original)
