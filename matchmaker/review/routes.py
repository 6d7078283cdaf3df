"""The bureau's review queue: publish a listing or return it with a comment."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField, TextAreaField
from wtforms.validators import AnyOf, Length, Optional

from matchmaker.auth.current import current_actor
from matchmaker.policy import Facts, Verb, allowed
from matchmaker.services import workflow
from matchmaker.services.errors import ServiceError
from matchmaker.web import abort_for, page_arg, runtime

bp = Blueprint("review", __name__, url_prefix="/review")


class ReviewForm(FlaskForm):
    """Decision and comment (a comment is required to return a listing)."""

    decision = HiddenField(validators=[AnyOf(workflow.REVIEW_DECISIONS, message="未知的审核结论")])
    comment = TextAreaField("审核意见", validators=[Optional(), Length(max=1000)])


def _may_review() -> None:
    """403 unless the policy lets the user review listings of their own jurisdiction."""
    actor = current_actor()
    facts = Facts(region_codes=(actor.jurisdiction_code,))
    if not any(allowed(actor, kind, Verb.REVIEW, facts) for kind in workflow.KIND_LABELS):
        abort(403)


@bp.get("/")
@login_required
def queue() -> str:
    """Needs and achievements waiting for review in the bureau's jurisdiction."""
    _may_review()
    actor = current_actor()
    query = workflow.ListingQuery(scope="review")
    with runtime().session_factory() as session:
        needs = workflow.list_listings(session, actor, "need", query, page_arg(), per_page=50)
        achievements = workflow.list_listings(session, actor, "achievement", query, page_arg(), per_page=50)
        return render_template("review/queue.html", needs=needs, achievements=achievements, form=ReviewForm())


@bp.post("/<kind>/<int:listing_id>")
@login_required
def decide(kind: str, listing_id: int) -> Response:
    """Publish or return one listing."""
    if kind not in workflow.KIND_LABELS:
        abort(404)
    _may_review()
    form = ReviewForm()
    if not form.validate_on_submit():
        abort(400, "；".join(e for errors in form.errors.values() for e in errors) or None)
    try:
        workflow.review_listing(
            runtime(), current_actor(), kind, listing_id, form.decision.data or "", form.comment.data or ""
        )
    except ServiceError as exc:
        abort_for(exc)
        flash(str(exc), "danger")
        return redirect(request.referrer or url_for("review.queue"))
    label = workflow.KIND_LABELS[kind]
    flash(f"{label}已发布并完成匹配" if form.decision.data == "publish" else f"{label}已退回修改", "success")
    return redirect(url_for("review.queue"))
