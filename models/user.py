"""Users of the platform."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, TimestampMixin
from models.organization import Organization


class User(TimestampMixin, Base):
    """A login with a role, an organisation and (for bureau staff) a jurisdiction."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), default=None)
    jurisdiction_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), default=None)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    organization: Mapped[Organization | None] = relationship(Organization, lazy="joined")

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"
