"""Needs and achievements in the browser: lists, detail with explained matches, post, edit, submit, close.

Both kinds follow the same workflow, so one set of views serves two blueprints; each view
parses the request, calls a service and renders.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from indexer.types import SearchFilters
from matchmaker.auth.current import current_actor
from matchmaker.listings.forms import AchievementForm, ActionForm, ListingForm, NeedForm, choices
from matchmaker.policy import Obj, Verb, allowed
from matchmaker.services import workflow
from matchmaker.services.errors import ServiceError, ValidationError
from matchmaker.services.listing_input import parse_listing_input
from matchmaker.services.proposals import filtered_matches, proposal_facts, proposals_for_listing, refresh_matches
from matchmaker.web import (
    abort_for,
    filter_choices,
    filters_from_args,
    listing_query,
    page_arg,
    region_choices,
    runtime,
)
from models.enums import ListingKind

FORMS: dict[str, type[ListingForm]] = {ListingKind.NEED: NeedForm, ListingKind.ACHIEVEMENT: AchievementForm}


def _form_errors(form: ListingForm, exc: ValidationError) -> None:
    for name, message in exc.errors.items():
        field = form._fields.get(name)
        if field is not None:
            field.errors = [*list(field.errors), message]
        else:
            flash(f"{name}：{message}", "danger")


def _form_values(kind: str, form: ListingForm) -> dict[str, Any]:
    data = form.input_data()
    if kind == ListingKind.ACHIEVEMENT:
        data["price_negotiable"] = not (data.get("price") or "").strip()
    return parse_listing_input(kind, data, amounts_in_wan=True)


def _fill_form(form: ListingForm, listing: Any) -> None:
    for name, field in form._fields.items():
        if name in ("csrf_token",):
            continue
        value = getattr(listing, name, None)
        if name == "keywords":
            field.data = "、".join(value or [])
        elif name in ("budget", "price"):
            field.data = "" if value is None else f"{(value / 10000).normalize():f}"
        elif name == "trl":
            field.data = "" if value is None else str(value)
        elif name == "version":
            field.data = str(listing.version)
        elif value is not None:
            field.data = value


def make_blueprint(kind: str) -> Blueprint:
    """The blueprint of one listing kind (``needs`` or ``achievements``)."""
    name = f"{kind}s"
    bp = Blueprint(name, __name__, url_prefix=f"/{name}")
    label = workflow.KIND_LABELS[kind]

    def render_list(scope: str, title: str) -> str:
        try:
            with runtime().session_factory() as session:
                page = workflow.list_listings(session, current_actor(), kind, listing_query(scope), page_arg())
                return render_template(
                    "listings/list.html",
                    kind=kind,
                    label=label,
                    title=title,
                    scope=scope,
                    page=page,
                    **filter_choices(),
                )
        except ServiceError as exc:
            abort_for(exc)
            abort(400, str(exc))

    @bp.get("/mine")
    @login_required
    def mine() -> str:
        """The organisation's own listings in every status."""
        return render_list("mine", f"我的{label}")

    @bp.get("/")
    @login_required
    def published() -> str:
        """Every published listing, with filters."""
        return render_list("published", f"{label}大厅")

    @bp.get("/overview")
    @login_required
    def overview() -> str:
        """Bureau staff: listings of their jurisdiction in every status; admin: all."""
        return render_list("all", f"全部{label}")

    @bp.route("/new", methods=["GET", "POST"])
    @login_required
    def create() -> Response | str:
        """Post a new listing as a draft."""
        if not allowed(current_actor(), kind, Verb.CREATE):
            abort(403)
        form = FORMS[kind]()
        form.region_code.choices = choices([("", "— 默认为本单位所在地 —"), *region_choices()])
        if form.validate_on_submit():
            try:
                ref = workflow.create_listing(runtime(), current_actor(), kind, _form_values(kind, form))
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                flash(f"{label}已保存为草稿；确认无误后请提交审核", "success")
                return redirect(url_for(f"{name}.detail", listing_id=ref.id))
        return render_template("listings/form.html", form=form, kind=kind, label=label, listing=None)

    @bp.get("/<int:listing_id>")
    @login_required
    def detail(listing_id: int) -> str:
        """One listing; its explained matches when the viewer may see them."""
        actor = current_actor()
        try:
            with runtime().session_factory() as session:
                listing = workflow.load_listing(session, actor, kind, listing_id)
                facts = workflow.listing_facts(listing)
                proposals = []
                if allowed(actor, kind, Verb.MATCHES, facts):
                    proposals = proposals_for_listing(session, actor, kind, listing_id)
                can = {
                    verb: allowed(actor, kind, verb, facts)
                    for verb in (Verb.EDIT, Verb.SUBMIT, Verb.CLOSE, Verb.REVIEW, Verb.MATCHES)
                }
                live, live_error = None, None
                filters = filters_from_args()
                if can[Verb.MATCHES] and filters != SearchFilters() and listing.status == "published":
                    try:
                        live = filtered_matches(runtime(), actor, kind, listing_id, filters)
                    except ServiceError as exc:
                        live_error = str(exc)
                decide = {
                    v.proposal.id: {
                        "decide": allowed(actor, Obj.PROPOSAL, Verb.DECIDE, proposal_facts(v.need, v.achievement)),
                        "pursue": allowed(actor, Obj.PROPOSAL, Verb.PURSUE, proposal_facts(v.need, v.achievement)),
                    }
                    for v in proposals
                }
                return render_template(
                    "listings/detail.html",
                    kind=kind,
                    label=label,
                    listing=listing,
                    proposals=proposals,
                    can=can,
                    decide=decide,
                    action_form=ActionForm(),
                    live=live,
                    live_error=live_error,
                    **filter_choices(),
                )
        except ServiceError as exc:
            abort_for(exc)
            raise

    @bp.route("/<int:listing_id>/edit", methods=["GET", "POST"])
    @login_required
    def edit(listing_id: int) -> Response | str:
        """Edit an own listing; a published one goes back to review."""
        actor = current_actor()
        try:
            with runtime().session_factory() as session:
                listing = workflow.load_listing(session, actor, kind, listing_id, Verb.EDIT)
        except ServiceError as exc:
            abort_for(exc)
            raise
        form = FORMS[kind]()
        form.region_code.choices = choices([("", "— 默认为本单位所在地 —"), *region_choices()])
        if request.method == "GET":
            _fill_form(form, listing)
        elif form.validate_on_submit():
            version = (
                int(form.version.data)
                if (form.version.data or "").isascii() and (form.version.data or "").isdigit()
                else None
            )
            try:
                workflow.update_listing(runtime(), actor, kind, listing_id, _form_values(kind, form), version)
            except ValidationError as exc:
                _form_errors(form, exc)
            except ServiceError as exc:
                abort_for(exc)
                flash(str(exc), "danger")
            else:
                flash("已保存", "success")
                return redirect(url_for(f"{name}.detail", listing_id=listing_id))
        return render_template("listings/form.html", form=form, kind=kind, label=label, listing=listing)

    def transition(listing_id: int, action: Any, message: str) -> Response:
        if not ActionForm().validate_on_submit():
            abort(400)
        try:
            action(runtime(), current_actor(), kind, listing_id)
        except ServiceError as exc:
            abort_for(exc)
            flash(str(exc), "danger")
        else:
            flash(message, "success")
        return redirect(url_for(f"{name}.detail", listing_id=listing_id))

    @bp.post("/<int:listing_id>/submit")
    @login_required
    def submit(listing_id: int) -> Response:
        """Send a draft to the bureau for review."""
        return transition(listing_id, workflow.submit_listing, "已提交科技局审核")

    @bp.post("/<int:listing_id>/close")
    @login_required
    def close(listing_id: int) -> Response:
        """Close an own listing."""
        return transition(listing_id, workflow.close_listing, f"{label}已关闭，不再参与匹配")

    @bp.post("/<int:listing_id>/matches/refresh")
    @login_required
    def refresh(listing_id: int) -> Response:
        """Run the matching engine for this listing now."""
        if not ActionForm().validate_on_submit():
            abort(400)
        try:
            count = refresh_matches(runtime(), current_actor(), kind, listing_id)
        except ServiceError as exc:
            abort_for(exc)
            flash(str(exc), "danger")
        else:
            flash(f"已重新匹配，得到 {count} 条推荐", "success")
        return redirect(url_for(f"{name}.detail", listing_id=listing_id) + "#matches")

    return bp


needs_bp = make_blueprint(ListingKind.NEED)
achievements_bp = make_blueprint(ListingKind.ACHIEVEMENT)
