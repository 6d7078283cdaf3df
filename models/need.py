"""Technology needs (技术需求) posted by enterprises."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Money
from models.listing import ListingMixin


class Need(ListingMixin, Base):
    """A technology need or technical problem of an enterprise."""

    __tablename__ = "needs"

    problem: Mapped[str] = mapped_column(Text, default="")
    key_technology: Mapped[str] = mapped_column(Text, default="")
    expected_target: Mapped[str] = mapped_column(Text, default="")
    indicators: Mapped[str] = mapped_column(Text, default="")
    industry: Mapped[str] = mapped_column(String(64), default="")
    budget: Mapped[Decimal | None] = mapped_column(Money, default=None)
    solution_modes: Mapped[list[str]] = mapped_column(JSON, default=list)
    valid_until: Mapped[dt.date | None] = mapped_column(Date, default=None)

    @property
    def description(self) -> str:
        """The three parts of 需求概述 joined, for display and embedding."""
        return "\n".join(p for p in (self.problem, self.key_technology, self.expected_target) if p)

    def snapshot(self) -> dict[str, Any]:
        """Plain-data view of the row for audit events."""
        return {**super().snapshot(), "budget": None if self.budget is None else str(self.budget)}
