"""The logged-in user as Flask-Login sees it, loaded fresh from the database on every request."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_login import UserMixin

from models import User


@dataclass(frozen=True)
class CurrentUser(UserMixin):
    """A snapshot of a user row for one request (so a disabled user is out on the next one)."""

    id: int
    username: str
    display_name: str
    role: str
    organization_id: int | None
    jurisdiction_code: str | None

    def get_id(self) -> str:
        """Identifier stored in the session."""
        return str(self.id)


def load_user(user_id: str) -> CurrentUser | None:
    """Flask-Login user loader: active users only."""
    if not user_id.isdigit():
        return None
    runtime = current_app.extensions["matchmaker"]
    with runtime.session_factory() as session:
        user = session.get(User, int(user_id))
        if user is None or not user.is_active:
            return None
        return CurrentUser(
            user.id, user.username, user.display_name, user.role, user.organization_id, user.jurisdiction_code
        )
