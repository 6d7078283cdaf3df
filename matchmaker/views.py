"""Home page with the platform's figures (the full web UI grows in its own blueprints)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from sqlalchemy import func, select

from matchmaker.runtime import Runtime
from models import Achievement, MatchProposal, Need

bp = Blueprint("main", __name__)


@bp.get("/")
def index() -> str:
    """Counts of published listings and proposals."""
    runtime: Runtime = current_app.extensions["matchmaker"]
    with runtime.session_factory() as session:
        figures = {
            "needs": session.scalar(select(func.count()).select_from(Need)) or 0,
            "achievements": session.scalar(select(func.count()).select_from(Achievement)) or 0,
            "proposals": session.scalar(select(func.count()).select_from(MatchProposal)) or 0,
        }
    return render_template("main/index.html", figures=figures)
