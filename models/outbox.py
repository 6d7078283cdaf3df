"""Index outbox: changes the search index must mirror, written with the change itself."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, UTCDateTime, utcnow


class IndexOutbox(Base):
    """One pending index operation for a listing."""

    __tablename__ = "index_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[int] = mapped_column(Integer)
    operation: Mapped[str] = mapped_column(String(8))
    version: Mapped[int] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


def enqueue(session: Session, entity: str, entity_id: int, operation: str, version: int) -> None:
    """Add an outbox row to the caller's transaction."""
    session.add(IndexOutbox(entity=entity, entity_id=entity_id, operation=operation, version=version))
