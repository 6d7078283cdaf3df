"""one submitted contract per deal

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 03:10:00
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

OPEN_SUBMISSION = "status = 'submitted' AND amends_id IS NULL AND deal_id IS NOT NULL"
DUPLICATE_REASON = "同一对接项目重复提交的合同（系统升级时不予登记，保留最早提交的一份）"

contracts = sa.table(
    "contracts",
    sa.column("id", sa.Integer),
    sa.column("deal_id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("amends_id", sa.Integer),
    sa.column("rejection_reason", sa.Text),
    sa.column("version", sa.Integer),
)
audit_events = sa.table(
    "audit_events",
    sa.column("actor", sa.String),
    sa.column("action", sa.String),
    sa.column("object_type", sa.String),
    sa.column("object_id", sa.String),
    sa.column("before", sa.JSON),
    sa.column("after", sa.JSON),
    sa.column("at", sa.DateTime(timezone=True)),
)


def _reject_duplicate_submissions() -> None:
    """Before the index: of several submitted originals of one deal (double submits the old rules
    let through) the earliest stays; the others are refused with a reason and an audit event."""
    bind = op.get_bind()
    waiting = bind.execute(
        sa.select(contracts.c.id, contracts.c.deal_id, contracts.c.version)
        .where(sa.text(OPEN_SUBMISSION))
        .order_by(contracts.c.deal_id, contracts.c.id)
    ).all()
    kept: set[int] = set()
    now = dt.datetime.now(dt.UTC)
    for contract_id, deal_id, version in waiting:
        if deal_id not in kept:
            kept.add(deal_id)
            continue
        bind.execute(
            contracts.update()
            .where(contracts.c.id == contract_id)
            .values(status="rejected", rejection_reason=DUPLICATE_REASON, version=version + 1)
        )
        bind.execute(
            audit_events.insert().values(
                actor="migration-0005",
                action="contract.reject",
                object_type="contract",
                object_id=str(contract_id),
                before={"status": "submitted"},
                after={"status": "rejected", "rejection_reason": DUPLICATE_REASON},
                at=now,
            )
        )


def upgrade() -> None:
    _reject_duplicate_submissions()
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
