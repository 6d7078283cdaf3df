"""Deal pages: the pipeline board, opening a deal, the deal page with its timeline, stage changes.

Each view parses the form, calls the deals service, commits, and renders or redirects; the
service decides what is legal and the policy decides who sees what (invisible deals are 404).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from matchmaker.auth.current import current_actor
from matchmaker.deals.forms import NewDealForm, StageForm, parse_id
from matchmaker.listings.forms import choices
from matchmaker.policy import Obj, Verb, allowed
from matchmaker.services.contract_queries import deal_contracts
from matchmaker.services.deal_board import STUCK_AFTER_DAYS, days_in_stage, deal_board
from matchmaker.services.deals import (
    TRANSITIONS,
    DealInput,
    broker_usernames,
    deal_facts,
    load_deal,
    move_deal,
    open_deal,
)
from matchmaker.services.errors import ServiceError, ValidationError
from matchmaker.web import commit_conflicts, error_messages, errors_on_form, http_errors, runtime
from models import MatchProposal
from models.base import utcnow
from models.enums import CONTRACT_STATUS_LABELS, DEAL_STAGE_LABELS, DealStage

bp = Blueprint("deals", __name__, url_prefix="/deals")

# The endpoint of the contract submission page (written by the contracts feature).
CONTRACT_ENDPOINT = "contracts.create"
STALE_DEAL = "该对接项目刚被他人修改，请刷新后重试"


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {
        "DEAL_STAGE_LABELS": DEAL_STAGE_LABELS,
        "CONTRACT_STATUS_LABELS": CONTRACT_STATUS_LABELS,
        "STUCK_AFTER_DAYS": STUCK_AFTER_DAYS,
    }


def next_stages(stage: str) -> list[str]:
    """The stages a broker may move a deal to from ``stage``, in pipeline order (``registered`` never)."""
    allowed_next = TRANSITIONS.get(stage, frozenset())
    return [s.value for s in DealStage if s in allowed_next and s != DealStage.REGISTERED]


def _show_error(form: NewDealForm | StageForm, exc: ServiceError) -> int:
    """Put a service error on the form's fields (or flash it) and return the HTTP status to answer with."""
    errors_on_form(form, error_messages(exc))
    return exc.status


@bp.get("/")
@login_required
def board() -> str:
    """The pipeline board: the broker's own deals; the bureau's jurisdiction, read-only; admin: all."""
    actor = current_actor()
    with http_errors(), runtime().session_factory() as session:
        return render_template(
            "deals/board.html",
            board=deal_board(session, actor),
            can_create=allowed(actor, Obj.DEAL, Verb.CREATE),
        )


def _deal_input(form: NewDealForm) -> DealInput:
    ids: dict[str, int | None] = {}
    for name in ("proposal_id", "need_id", "achievement_id"):
        try:
            ids[name] = parse_id(form[name].data)
        except ValueError:
            raise ValidationError({name: "请填写数字编号"}) from None
    return DealInput(
        proposal_id=ids["proposal_id"],
        need_id=ids["need_id"],
        achievement_id=ids["achievement_id"],
        title=(form.title.data or "").strip(),
        note=(form.note.data or "").strip(),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create() -> Response | tuple[str, int]:
    """Broker: open a deal from a proposal (its button) or by hand; then go to the deal page."""
    actor = current_actor()
    if not allowed(actor, Obj.DEAL, Verb.CREATE):
        abort(403)
    form = NewDealForm()
    status = 200
    if form.validate_on_submit():
        with runtime().session_factory() as session:
            try:
                with commit_conflicts(session, STALE_DEAL, "该匹配推荐已经创建过对接项目"):
                    deal = open_deal(session, actor, _deal_input(form))
                    session.commit()
            except ServiceError as exc:
                status = _show_error(form, exc)
            else:
                flash(f"已创建对接项目“{deal.title}”", "success")
                return redirect(url_for("deals.detail", deal_id=deal.id))
    return render_template("deals/new.html", form=form), status


def _render_detail(deal_id: int, form: StageForm, status: int = 200) -> tuple[str, int]:
    actor = current_actor()
    with http_errors(), runtime().session_factory() as session:
        deal = load_deal(session, actor, deal_id)
        broker = broker_usernames(session, [deal]).get(deal.broker_id, "")
        can_stage = allowed(actor, Obj.DEAL, Verb.STAGE, deal_facts(deal, broker))
        stages = next_stages(deal.stage)
        form.stage.choices = choices([("", "— 请选择 —"), *((s, DEAL_STAGE_LABELS[s]) for s in stages)])
        form.version.data = str(deal.version)  # after a conflict the page shows, and guards, the current state
        proposal = session.get(MatchProposal, deal.proposal_id) if deal.proposal_id else None
        page = render_template(
            "deals/detail.html",
            deal=deal,
            broker=broker,
            days=days_in_stage(deal.stage_since, utcnow()),
            proposal=proposal,
            form=form if can_stage and stages else None,
            contracts=deal_contracts(session, actor, deal.id),
            contract_link=deal.stage == DealStage.SIGNED
            and CONTRACT_ENDPOINT in current_app.view_functions
            and allowed(actor, Obj.CONTRACT, Verb.CREATE),
            contract_endpoint=CONTRACT_ENDPOINT,
        )
        return page, status


@bp.get("/<int:deal_id>")
@login_required
def detail(deal_id: int) -> tuple[str, int]:
    """One deal: need, achievement, proposal, stage timeline; the stage form for its broker."""
    return _render_detail(deal_id, StageForm())


@bp.post("/<int:deal_id>/stage")
@login_required
def stage(deal_id: int) -> Response | tuple[str, int]:
    """The deal's broker moves it to a legal next stage (closing needs a reason); 409 on a stale page."""
    form = StageForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        version = parse_id(form.version.data)
    except ValueError:
        abort(400, "版本号无效，请刷新页面后重试")
    target = form.stage.data or ""
    with runtime().session_factory() as session:
        try:
            with commit_conflicts(session, STALE_DEAL):
                move_deal(session, current_actor(), deal_id, target, form.note.data or "", version)
                session.commit()
        except ServiceError as exc:
            status = _show_error(form, exc)
        else:
            flash(f"对接项目已转到“{DEAL_STAGE_LABELS.get(target, target)}”", "success")
            return redirect(url_for("deals.detail", deal_id=deal_id))
    return _render_detail(deal_id, form, status)
