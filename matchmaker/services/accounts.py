"""Password checks for logins, with the demo-account rule."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from config import Config
from models import User


def authenticate(session: Session, config: Config, username: str, password: str) -> User | None:
    """The active user with these credentials, or None.

    Demo accounts are refused whenever the configuration disallows them (always in production).
    """
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None or not user.is_active:
        return None
    if user.is_demo and not config.DEMO_ACCOUNTS_ALLOWED:
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    return user
