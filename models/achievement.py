"""Technology achievements (科技成果) published by universities, institutes and enterprises."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Money, TimestampMixin
from models.enums import ListingStatus
from models.organization import Organization


class Achievement(TimestampMixin, Base):
    """A patent, process, product or variety offered for transfer or cooperation."""

    __tablename__ = "achievements"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    tech_field: Mapped[str] = mapped_column(String(64), default="")
    industries: Mapped[list[str]] = mapped_column(JSON, default=list)
    maturity: Mapped[str] = mapped_column(String(64), default="")
    trl: Mapped[int | None] = mapped_column(Integer, default=None)
    ip_type: Mapped[str] = mapped_column(String(64), default="")
    ip_number: Mapped[str] = mapped_column(String(64), default="")
    ip_status: Mapped[str] = mapped_column(String(64), default="")
    cooperation_modes: Mapped[list[str]] = mapped_column(JSON, default=list)
    price: Mapped[Decimal | None] = mapped_column(Money, default=None)
    price_negotiable: Mapped[bool] = mapped_column(Boolean, default=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True, default=None)
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), default=None)
    region_text: Mapped[str] = mapped_column(String(200), default="")
    contact: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default=ListingStatus.DRAFT, index=True)
    review_comment: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    organization: Mapped[Organization | None] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @property
    def description(self) -> str:
        """The summary, for display and embedding."""
        return self.summary

    def snapshot(self) -> dict[str, Any]:
        """Plain-data view of the row for audit events."""
        return {
            "external_id": self.external_id,
            "title": self.title,
            "status": self.status,
            "keywords": list(self.keywords or []),
            "region_code": self.region_code,
            "price": None if self.price is None else str(self.price),
            "version": self.version,
        }
