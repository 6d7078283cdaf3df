"""Contract pages: the list, the registration form (optionally from a signed deal), the detail page, the queue.

Each view parses the request, calls a service, commits and renders or redirects; the contracts
service decides what is legal and the policy decides who sees what (invisible contracts are 404).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from matchmaker.auth.current import current_actor
from matchmaker.contracts.blueprint import STALE_CONTRACT, bp
from matchmaker.contracts.forms import ActionForm, ContractForm, parse_version
from matchmaker.policy import Actor, Obj, Verb, allowed
from matchmaker.services.contract_input import LABELS, parse_contract
from matchmaker.services.contract_queries import (
    MONEY_FIELDS,
    amendment_chain,
    contract_history,
    deal_prefill,
    registration_queue,
    visible_deal,
)
from matchmaker.services.contracts import contract_facts, list_contracts, load_contract, submit_contract
from matchmaker.services.errors import ServiceError
from matchmaker.services.workflow import Page
from matchmaker.web import (
    commit_conflicts,
    error_messages,
    errors_on_form,
    http_errors,
    page_arg,
    region_choices,
    runtime,
)
from models import Deal
from models.enums import ContractStatus

PER_PAGE = 20
ACTION_VERBS = (Verb.REGISTER, Verb.REJECT, Verb.REVOKE, Verb.AMEND)


def show_errors(form: ContractForm | ActionForm, exc: ServiceError) -> int:
    """Put a service error on the form's visible fields (or flash it); the HTTP status to answer with."""
    errors = error_messages(exc)
    for name in MONEY_FIELDS:  # an empty amount is missing, not malformed
        field = form._fields.get(name)
        if name in errors and field is not None and not (field.data or "").strip():
            errors[name] = f"请填写{LABELS[name]}"
    errors_on_form(form, errors)
    return exc.status


def render_form(template: str, form: ContractForm, status: int = 200, **context: object) -> tuple[str, int]:
    """The contract form page (new or amendment) with the region codes offered as suggestions."""
    return render_template(template, form=form, regions=region_choices(), **context), status


@bp.get("/")
@login_required
def index() -> str:
    """Contracts the user may see (broker: own; parties: theirs; bureau: jurisdiction; admin: all)."""
    actor = current_actor()
    status = request.args.get("status") or None
    if status not in (None, *ContractStatus):
        status = None
    page = page_arg()
    with http_errors(), runtime().session_factory() as session:
        items, total = list_contracts(session, actor, status, page, PER_PAGE)
        return render_template(
            "contracts/index.html",
            page=Page(items, total, page, PER_PAGE),
            status=status,
            can_create=allowed(actor, Obj.CONTRACT, Verb.CREATE),
        )


@bp.get("/queue")
@login_required
def queue() -> str:
    """The bureau's registration queue: submitted contracts of the jurisdiction, oldest first."""
    actor = current_actor()
    with http_errors(), runtime().session_factory() as session:
        return render_template("contracts/queue.html", page=registration_queue(session, actor, page_arg()))


def _deal(session: Session, actor: Actor, text: str | None) -> Deal | None:
    deal_id = parse_version(text)  # the same "small non-negative integer or None" rule
    return visible_deal(session, actor, deal_id) if deal_id else None


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create() -> Response | tuple[str, int]:
    """技术合同登记: fill the form (prefilled from ``?deal_id=`` when given), submit, go to the contract page."""
    actor = current_actor()
    if not allowed(actor, Obj.CONTRACT, Verb.CREATE):
        abort(403)
    form = ContractForm()
    status = 200
    with runtime().session_factory() as session:
        if request.method == "GET" and request.args.get("deal_id"):
            deal_id = parse_version(request.args["deal_id"])
            if not deal_id:
                abort(404)
            with http_errors():
                form.fill(deal_prefill(session, actor, deal_id))
        elif form.validate_on_submit():
            try:
                with commit_conflicts(session, STALE_CONTRACT):
                    contract = submit_contract(session, actor, parse_contract(form.input_data()))
                    session.commit()
            except ServiceError as exc:
                status = show_errors(form, exc)
            else:
                flash(f"技术合同“{contract.project_name}”已提交，待卖方所在地科技局登记", "success")
                return redirect(url_for("contracts.detail", contract_id=contract.id))
        deal = _deal(session, actor, form.deal_id.data)
        return render_form("contracts/form.html", form, status, deal=deal, original=None)


def render_detail(contract_id: int, form: ActionForm | None = None, status: int = 200) -> tuple[str, int]:
    """The contract page: every field, registration state, the amendment chain, the deal, and the allowed actions."""
    actor = current_actor()
    form = form or ActionForm()
    with http_errors(), runtime().session_factory() as session:
        contract = load_contract(session, actor, contract_id)
        facts = contract_facts(session, contract)
        form.version.data = str(contract.version)  # after a conflict the page guards the current state
        page = render_template(
            "contracts/detail.html",
            contract=contract,
            chain=amendment_chain(session, actor, contract),
            history=contract_history(session, contract),
            deal=visible_deal(session, actor, contract.deal_id),
            can={verb.value: allowed(actor, Obj.CONTRACT, verb, facts) for verb in ACTION_VERBS},
            form=form,
        )
        return page, status


@bp.get("/<int:contract_id>")
@login_required
def detail(contract_id: int) -> tuple[str, int]:
    """One contract the user may see (404 otherwise)."""
    return render_detail(contract_id)


def action_version(form: ActionForm) -> int | None:
    """The version the page was rendered with; 400 for a forged or expired form."""
    if not form.validate_on_submit():
        abort(400)
    return parse_version(form.version.data)
