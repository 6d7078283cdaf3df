"""One migration check for every database: head matches the models, down to base and back up."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from models import metadata
from models.migrate import current_revision, downgrade, head_revision, upgrade


def assert_migrations_round_trip(engine: Engine) -> None:
    """The migrated schema equals the models; downgrade to base and upgrade again both work."""
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    downgrade(engine, "base")
    assert current_revision(engine) is None
    upgrade(engine)
    assert current_revision(engine) == head_revision()
