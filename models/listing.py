"""Columns shared by needs and achievements (the two kinds of listing)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from models.base import TimestampMixin
from models.enums import ListingStatus
from models.organization import Organization


class ListingMixin(TimestampMixin):
    """External id, title, keywords, field, region, organisation, contact, review status, version."""

    # Ids of deleted listings must never come back: they are the index documents' ids.
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    tech_field: Mapped[str] = mapped_column(String(64), default="")
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), default=None)
    region_text: Mapped[str] = mapped_column(String(200), default="")
    contact: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default=ListingStatus.DRAFT, index=True)
    review_comment: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    @declared_attr
    def organization_id(cls) -> Mapped[int | None]:
        """Owning organisation."""
        return mapped_column(ForeignKey("organizations.id"), index=True, default=None)

    @declared_attr
    def organization(cls) -> Mapped[Organization | None]:
        """The owning organisation, loaded with the listing."""
        return relationship(Organization, lazy="joined")

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        """The version column is the optimistic-locking counter and the index's external version."""
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]

    def snapshot(self) -> dict[str, Any]:
        """Plain-data view of the row for audit events."""
        return {
            "external_id": self.external_id,
            "title": self.title,
            "status": self.status,
            "keywords": list(self.keywords or []),
            "region_code": self.region_code,
            "version": self.version,
        }
