"""Home page: the platform's figures and, once logged in, the user's work at a glance."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import func, select

from matchmaker.policy import region_prefix
from matchmaker.web import runtime
from models import Achievement, MatchProposal, Need
from models.enums import ListingStatus, Role

bp = Blueprint("main", __name__)


def _figures() -> dict[str, Any]:
    with runtime().session_factory() as session:
        published = ListingStatus.PUBLISHED
        figures: dict[str, Any] = {
            "needs": session.scalar(select(func.count()).select_from(Need).where(Need.status == published)) or 0,
            "achievements": session.scalar(
                select(func.count()).select_from(Achievement).where(Achievement.status == published)
            )
            or 0,
            "proposals": session.scalar(
                select(func.count())
                .select_from(MatchProposal)
                .join(Need, Need.id == MatchProposal.need_id)
                .join(Achievement, Achievement.id == MatchProposal.achievement_id)
                .where(Need.status == published, Achievement.status == published)
            )
            or 0,
        }
        by_industry = session.execute(
            select(Need.industry, func.count())
            .where(Need.status == published, Need.industry != "")
            .group_by(Need.industry)
            .order_by(func.count().desc())
        ).all()
        figures["needs_by_industry"] = [{"name": name, "value": count} for name, count in by_industry]
        if current_user.is_authenticated:
            figures["mine"] = _mine(session)
    return figures


def _mine(session: Any) -> dict[str, int]:
    role = current_user.role
    if role in (Role.ENTERPRISE, Role.RESEARCH):
        model = Need if role == Role.ENTERPRISE else Achievement
        rows = session.execute(
            select(model.status, func.count())
            .where(model.organization_id == current_user.organization_id)
            .group_by(model.status)
        ).all()
        return {status: count for status, count in rows}
    if role == Role.BUREAU:
        prefix = region_prefix(current_user.jurisdiction_code or "")
        pending = 0
        for model in (Need, Achievement):
            pending += (
                session.scalar(
                    select(func.count())
                    .select_from(model)
                    .where(
                        model.status == ListingStatus.PENDING_REVIEW,
                        model.region_code.startswith(prefix, autoescape=True),
                    )
                )
                or 0
            )
        return {"pending_review": pending}
    return {}


@bp.get("/")
def index() -> str:
    """Figures for everyone; the user's own work once logged in."""
    return render_template("main/index.html", figures=_figures())
