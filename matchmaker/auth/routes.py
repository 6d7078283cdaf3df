"""Login and logout. Failed logins are rate-limited per address and per user name."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from matchmaker.auth.current import snapshot
from matchmaker.auth.forms import LoginForm
from matchmaker.auth.limits import limit_failed_logins
from matchmaker.runtime import Runtime
from matchmaker.services.accounts import authenticate
from matchmaker.services.sessions import open_session, revoke_session

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _safe_next(target: str | None) -> str | None:
    """Only same-site relative paths are followed after login."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@limit_failed_logins
def login() -> Response | str | tuple[str, int]:
    """Show the login form; on success start a server-side session."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        runtime: Runtime = current_app.extensions["matchmaker"]
        with runtime.session_factory() as session:
            user = authenticate(session, runtime.config, form.username.data or "", form.password.data or "")
            if user is not None:
                token = open_session(session, user, "web", runtime.config.LOGIN_SESSION_HOURS)
                session.commit()
                login_user(snapshot(user, token))
                flash(f"欢迎，{user.display_name}", "success")
                return redirect(_safe_next(request.args.get("next")) or url_for("main.index"))
        g.login_failed = True
        flash("用户名或密码错误，或账户已停用", "danger")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> Response:
    """End the server-side session, so the old cookie no longer works anywhere."""
    runtime: Runtime = current_app.extensions["matchmaker"]
    with runtime.session_factory() as session:
        revoke_session(session, current_user.token)
        session.commit()
    logout_user()
    flash("您已安全退出", "info")
    return redirect(url_for("auth.login"))
