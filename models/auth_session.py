"""Server-side login sessions and API tokens: logging out or revoking ends them for real."""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


def hash_token(token: str) -> str:
    """SHA-256 of a session or API token; only the hash is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


class AuthSession(Base):
    """One browser login or one API token; the cookie or bearer token holds the secret."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # "web" or "api"
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)

    def is_live(self, now: dt.datetime) -> bool:
        """True while neither revoked nor expired."""
        return self.revoked_at is None and self.expires_at > now
