"""one submitted contract per deal

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 03:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

OPEN_SUBMISSION = "status = 'submitted' AND amends_id IS NULL AND deal_id IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.create_index(
            "uq_contracts_deal_submitted",
            ["deal_id"],
            unique=True,
            sqlite_where=sa.text(OPEN_SUBMISSION),
            postgresql_where=sa.text(OPEN_SUBMISSION),
        )


def downgrade() -> None:
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.drop_index("uq_contracts_deal_submitted")
