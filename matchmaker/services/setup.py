"""Database set-up: migrate to the latest revision and seed the regions."""

from __future__ import annotations

from dataclasses import dataclass

from matchmaker.runtime import Runtime
from matchmaker.services.errors import ServiceError
from models.migrate import current_revision, head_revision, upgrade
from models.region_data import seed_regions


@dataclass
class InitReport:
    """What ``init`` did."""

    before: str | None
    after: str
    regions_added: int


def init_database(runtime: Runtime) -> InitReport:
    """Create the database or upgrade it to the latest migration, then seed regions."""
    before = current_revision(runtime.engine)
    upgrade(runtime.engine)
    with runtime.session_factory() as session:
        added = seed_regions(session)
        session.commit()
    return InitReport(before, head_revision(), added)


def ensure_database(runtime: Runtime) -> None:
    """Raise a clear error when the database is missing or behind the code."""
    current = current_revision(runtime.engine)
    if current != head_revision():
        raise ServiceError(f"数据库版本为 {current or '空'}，需要 {head_revision()}：请先运行 `matchmaker init`")
