"""Deals (对接项目): a broker's work from a match to a signed, registered contract."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.achievement import Achievement
from models.base import Base, TimestampMixin, UTCDateTime, utcnow
from models.enums import DealStage
from models.need import Need


class Deal(TimestampMixin, Base):
    """A need–achievement pairing a broker is turning into a contract."""

    __tablename__ = "deals"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    need_id: Mapped[int | None] = mapped_column(ForeignKey("needs.id", ondelete="SET NULL"), default=None, index=True)
    achievement_id: Mapped[int | None] = mapped_column(
        ForeignKey("achievements.id", ondelete="SET NULL"), default=None, index=True
    )
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("match_proposals.id", ondelete="SET NULL"), default=None, unique=True
    )
    broker_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The county the deal counts for (the need's region, else the broker's choice).
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), default=None, index=True)
    stage: Mapped[str] = mapped_column(String(16), default=DealStage.RECOMMENDED, index=True)
    stage_since: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    close_reason: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    need: Mapped[Need | None] = relationship(Need)
    achievement: Mapped[Achievement | None] = relationship(Achievement)
    events: Mapped[list[DealEvent]] = relationship(
        back_populates="deal", order_by="DealEvent.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    def snapshot(self) -> dict[str, Any]:
        """Audit snapshot."""
        return {
            "title": self.title,
            "need_id": self.need_id,
            "achievement_id": self.achievement_id,
            "proposal_id": self.proposal_id,
            "broker_id": self.broker_id,
            "region_code": self.region_code,
            "stage": self.stage,
            "close_reason": self.close_reason,
        }


class DealEvent(Base):
    """One step of a deal: who moved it, when, from which stage to which, and a note."""

    __tablename__ = "deal_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    from_stage: Mapped[str | None] = mapped_column(String(16), default=None)
    to_stage: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")

    deal: Mapped[Deal] = relationship(back_populates="events")
