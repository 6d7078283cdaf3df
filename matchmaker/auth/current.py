"""The current user: a snapshot per request, looked up by a server-side session token."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_login import AnonymousUserMixin, UserMixin, current_user
from werkzeug.wrappers import Response

from matchmaker.policy import Actor
from matchmaker.services.sessions import user_for_token
from models import User
from models.enums import Role

ROLE_LABELS: dict[str, str] = {
    Role.ENTERPRISE: "企业用户",
    Role.RESEARCH: "高校/科研院所",
    Role.BROKER: "技术经理人",
    Role.BUREAU: "科技局",
    Role.ADMIN: "系统管理员",
}


@dataclass(frozen=True)
class CurrentUser(UserMixin):
    """A user row as it was at the start of this request (so a disabled user is out on the next one).

    ``token`` is the server-side session's secret: Flask-Login keeps it in the signed cookie, and
    logging out revokes it, so a copied cookie stops working.
    """

    id: int
    token: str
    username: str
    display_name: str
    role: str
    organization_id: int | None
    organization_name: str
    jurisdiction_code: str | None

    def get_id(self) -> str:
        """What the session cookie stores: the session token, not the user id."""
        return self.token

    @property
    def actor(self) -> Actor:
        """The policy's view of this user."""
        return Actor(self.username, self.role, self.organization_id, self.jurisdiction_code)

    @property
    def role_label(self) -> str:
        """The role in Chinese."""
        return ROLE_LABELS.get(self.role, self.role)


class AnonymousUser(AnonymousUserMixin):
    """Nobody logged in: no role, no permissions."""

    role = None
    username = "anonymous"

    @property
    def actor(self) -> Actor:
        """The policy's view: no role."""
        return Actor("anonymous", None)


def snapshot(user: User, token: str) -> CurrentUser:
    """A CurrentUser from a user row and its session token."""
    return CurrentUser(
        user.id,
        token,
        user.username,
        user.display_name,
        user.role,
        user.organization_id,
        user.organization.name if user.organization_id and user.organization else "",
        user.jurisdiction_code,
    )


def load_user(token: str) -> CurrentUser | None:
    """Flask-Login user loader: the active user of a live web session."""
    runtime = current_app.extensions["matchmaker"]
    with runtime.session_factory() as session:
        user = user_for_token(session, token, "web")
        return None if user is None else snapshot(user, token)


def no_store_when_logged_in(response: Response) -> Response:
    """Pages of a logged-in user are never kept by the browser (Back after logout shows nothing)."""
    if current_user.is_authenticated:
        response.headers["Cache-Control"] = "no-store"
    return response


def current_actor() -> Actor:
    """The policy's view of whoever makes this request."""
    actor: Actor = current_user.actor
    return actor
