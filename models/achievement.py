"""Technology achievements (科技成果) published by universities, institutes and enterprises."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Money
from models.listing import ListingMixin


class Achievement(ListingMixin, Base):
    """A patent, process, product or variety offered for transfer or cooperation."""

    __tablename__ = "achievements"

    summary: Mapped[str] = mapped_column(Text, default="")
    industries: Mapped[list[str]] = mapped_column(JSON, default=list)
    maturity: Mapped[str] = mapped_column(String(64), default="")
    trl: Mapped[int | None] = mapped_column(Integer, default=None)
    ip_type: Mapped[str] = mapped_column(String(64), default="")
    ip_number: Mapped[str] = mapped_column(String(64), default="")
    ip_status: Mapped[str] = mapped_column(String(64), default="")
    cooperation_modes: Mapped[list[str]] = mapped_column(JSON, default=list)
    price: Mapped[Decimal | None] = mapped_column(Money, default=None)
    price_negotiable: Mapped[bool] = mapped_column(Boolean, default=True)

    @property
    def description(self) -> str:
        """The summary, for display and embedding."""
        return self.summary

    def snapshot(self) -> dict[str, Any]:
        """Plain-data view of the row for audit events."""
        return {**super().snapshot(), "price": None if self.price is None else str(self.price)}
