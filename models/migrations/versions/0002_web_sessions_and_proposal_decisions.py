"""web sessions and proposal decisions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 02:02:36.097338
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "auth_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_auth_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_auth_sessions_token_hash")),
    )
    with op.batch_alter_table("auth_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auth_sessions_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("match_proposals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("need_decision", sa.String(length=16), nullable=False, server_default="proposed"))
        batch_op.add_column(sa.Column("need_reason", sa.String(length=32), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("need_note", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(
            sa.Column("achievement_decision", sa.String(length=16), nullable=False, server_default="proposed")
        )
        batch_op.add_column(sa.Column("achievement_reason", sa.String(length=32), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("achievement_note", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("pursued", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("pursued_by", sa.String(length=64), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("match_proposals", schema=None) as batch_op:
        batch_op.drop_column("pursued_by")
        batch_op.drop_column("pursued")
        batch_op.drop_column("achievement_note")
        batch_op.drop_column("achievement_reason")
        batch_op.drop_column("achievement_decision")
        batch_op.drop_column("need_note")
        batch_op.drop_column("need_reason")
        batch_op.drop_column("need_decision")

    with op.batch_alter_table("auth_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_sessions_user_id"))

    op.drop_table("auth_sessions")
