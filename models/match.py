"""Match proposals: a ranked, explained candidate pairing of a need and an achievement."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, TimestampMixin
from models.enums import ProposalStatus


class MatchProposal(TimestampMixin, Base):
    """One need–achievement pair proposed by the engine, with its explanation."""

    __tablename__ = "match_proposals"
    __table_args__ = (UniqueConstraint("need_id", "achievement_id", name="need_achievement"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    achievement_id: Mapped[int] = mapped_column(ForeignKey("achievements.id", ondelete="CASCADE"), index=True)
    score: Mapped[float] = mapped_column(Float)
    components: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    shared_terms: Mapped[list[str]] = mapped_column(JSON, default=list)
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    engine_version: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=ProposalStatus.PROPOSED)
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    # Each side decides for itself: the enterprise on its need, the research side on its achievement.
    need_decision: Mapped[str] = mapped_column(String(16), default=ProposalStatus.PROPOSED)
    need_reason: Mapped[str] = mapped_column(String(32), default="")
    need_note: Mapped[str] = mapped_column(Text, default="")
    achievement_decision: Mapped[str] = mapped_column(String(16), default=ProposalStatus.PROPOSED)
    achievement_reason: Mapped[str] = mapped_column(String(32), default="")
    achievement_note: Mapped[str] = mapped_column(Text, default="")
    # A technology manager marks proposals worth pursuing.
    pursued: Mapped[bool] = mapped_column(Boolean, default=False)
    pursued_by: Mapped[str] = mapped_column(String(64), default="")
    # Optimistic lock: two sides deciding at once must not overwrite each other.
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
