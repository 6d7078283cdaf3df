"""Technology needs (技术需求) posted by enterprises."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Money, TimestampMixin
from models.enums import ListingStatus
from models.organization import Organization


class Need(TimestampMixin, Base):
    """A technology need or technical problem of an enterprise."""

    __tablename__ = "needs"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    problem: Mapped[str] = mapped_column(Text, default="")
    key_technology: Mapped[str] = mapped_column(Text, default="")
    expected_target: Mapped[str] = mapped_column(Text, default="")
    indicators: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    tech_field: Mapped[str] = mapped_column(String(64), default="")
    industry: Mapped[str] = mapped_column(String(64), default="")
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), default=None)
    region_text: Mapped[str] = mapped_column(String(200), default="")
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True, default=None)
    budget: Mapped[Decimal | None] = mapped_column(Money, default=None)
    solution_modes: Mapped[list[str]] = mapped_column(JSON, default=list)
    valid_until: Mapped[dt.date | None] = mapped_column(Date, default=None)
    contact: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default=ListingStatus.DRAFT, index=True)
    review_comment: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    organization: Mapped[Organization | None] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @property
    def description(self) -> str:
        """The three parts of 需求概述 joined, for display and embedding."""
        return "\n".join(p for p in (self.problem, self.key_technology, self.expected_target) if p)

    def snapshot(self) -> dict[str, Any]:
        """Plain-data view of the row for audit events."""
        return {
            "external_id": self.external_id,
            "title": self.title,
            "status": self.status,
            "keywords": list(self.keywords or []),
            "region_code": self.region_code,
            "budget": None if self.budget is None else str(self.budget),
            "version": self.version,
        }
