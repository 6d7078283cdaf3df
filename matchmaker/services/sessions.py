"""Login sessions and API tokens kept server-side, so that logging out or disabling ends them."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import AuthSession, User, hash_token, record_audit
from models.base import utcnow

SESSION_KINDS = ("web", "api")


def open_session(session: Session, user: User, kind: str, hours: int) -> str:
    """Start a session for ``user``; returns the secret token (only its hash is stored). Does not commit."""
    if kind not in SESSION_KINDS:
        raise ValueError(f"unknown session kind {kind!r}")
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        AuthSession(
            token_hash=hash_token(token),
            user_id=user.id,
            kind=kind,
            created_at=now,
            expires_at=now + dt.timedelta(hours=hours),
        )
    )
    record_audit(session, user.username, f"auth.login.{kind}", "user", user.id)
    return token


def user_for_token(session: Session, token: str, kind: str) -> User | None:
    """The active user of a live session or token, or None."""
    if not token:
        return None
    row = session.scalar(
        select(AuthSession).where(AuthSession.token_hash == hash_token(token), AuthSession.kind == kind)
    )
    if row is None or not row.is_live(utcnow()):
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    return user


def revoke_session(session: Session, token: str) -> None:
    """End one session or token (logout). Does not commit."""
    row = session.scalar(select(AuthSession).where(AuthSession.token_hash == hash_token(token)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        user = session.get(User, row.user_id)
        record_audit(session, user.username if user else "?", f"auth.logout.{row.kind}", "user", row.user_id)


def revoke_user_sessions(session: Session, user_id: int) -> None:
    """End every session and token of a user (disabled, password reset). Does not commit.

    A changed role needs no revocation: the loader reads the user row on every request.
    """
    session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
