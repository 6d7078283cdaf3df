"""proposal version

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 03:27:10.819617
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("match_proposals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("match_proposals", schema=None) as batch_op:
        batch_op.drop_column("version")
