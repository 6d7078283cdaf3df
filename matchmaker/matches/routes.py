"""Decisions on match proposals (accept / decline with a reason) and brokers' follow-up list."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import Length, Optional

from matchmaker.auth.current import current_actor
from matchmaker.listings.forms import choices
from matchmaker.services.errors import ServiceError
from matchmaker.services.proposals import DECLINE_REASONS, decide_proposal, pursue_proposal, pursued_proposals
from matchmaker.web import abort_for, runtime

bp = Blueprint("matches", __name__, url_prefix="/matches")


class DecisionForm(FlaskForm):
    """Accept, or decline with a reason from the fixed list and free text."""

    decision = HiddenField()
    reason = SelectField(
        "原因", choices=choices([("", "— 请选择原因 —"), *DECLINE_REASONS.items()]), validate_choice=False
    )
    note = TextAreaField("补充说明", validators=[Optional(), Length(max=500)])


class PursueForm(FlaskForm):
    """Mark or unmark a proposal."""

    pursued = HiddenField()


def _back() -> Response:
    target = request.form.get("next") or request.referrer or url_for("main.index")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("main.index")
    return redirect(target)


@bp.post("/<int:proposal_id>/decide")
@login_required
def decide(proposal_id: int) -> Response:
    """Accept or decline a proposal for one's own listing."""
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        decide_proposal(
            runtime(),
            current_actor(),
            proposal_id,
            form.decision.data or "",
            form.reason.data or "",
            form.note.data or "",
        )
    except ServiceError as exc:
        abort_for(exc)
        flash(str(exc), "danger")
    else:
        flash(
            "已接受该推荐，技术经理人将跟进对接" if form.decision.data == "accept" else "已记录不感兴趣的原因",
            "success",
        )
    return _back()


@bp.post("/<int:proposal_id>/pursue")
@login_required
def pursue(proposal_id: int) -> Response:
    """A broker marks (or unmarks) a proposal as worth pursuing."""
    form = PursueForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        pursue_proposal(runtime(), current_actor(), proposal_id, form.pursued.data != "0")
    except ServiceError as exc:
        abort_for(exc)
        flash(str(exc), "danger")
    else:
        flash("已加入跟进列表" if form.pursued.data != "0" else "已移出跟进列表", "success")
    return _back()


@bp.get("/pursued")
@login_required
def pursued() -> str:
    """The broker's proposals worth pursuing (403 for roles that do not pursue)."""
    try:
        with runtime().session_factory() as session:
            views = pursued_proposals(session, current_actor())
            return render_template("matches/pursued.html", views=views)
    except ServiceError as exc:
        abort_for(exc)
        raise
