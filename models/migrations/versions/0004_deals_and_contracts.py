"""deals, contracts, registration sequences and region targets

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 10:50:49.310484
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registration_sequences",
        sa.Column("office_code", sa.String(length=6), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("office_code", "year", name=op.f("pk_registration_sequences")),
    )
    op.create_table(
        "region_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=32), nullable=False),
        sa.Column("target", sa.BigInteger(), nullable=False),
        sa.Column("set_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["region_code"], ["regions.code"], name=op.f("fk_region_targets_region_code_regions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_region_targets")),
        sa.UniqueConstraint("region_code", "year", "metric", name="region_year_metric"),
    )
    op.create_table(
        "deals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=True),
        sa.Column("achievement_id", sa.Integer(), nullable=True),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.Column("broker_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=True),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("stage_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("close_reason", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["achievement_id"],
            ["achievements.id"],
            name=op.f("fk_deals_achievement_id_achievements"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["broker_id"], ["users.id"], name=op.f("fk_deals_broker_id_users")),
        sa.ForeignKeyConstraint(["need_id"], ["needs.id"], name=op.f("fk_deals_need_id_needs"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["match_proposals.id"],
            name=op.f("fk_deals_proposal_id_match_proposals"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["region_code"], ["regions.code"], name=op.f("fk_deals_region_code_regions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deals")),
        sa.UniqueConstraint("proposal_id", name=op.f("uq_deals_proposal_id")),
    )
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deals_achievement_id"), ["achievement_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_deals_broker_id"), ["broker_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_deals_need_id"), ["need_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_deals_region_code"), ["region_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_deals_stage"), ["stage"], unique=False)

    op.create_table(
        "contracts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_number", sa.String(length=16), nullable=True),
        sa.Column("amendment_no", sa.Integer(), nullable=False),
        sa.Column("amends_id", sa.Integer(), nullable=True),
        sa.Column("superseded_by_id", sa.Integer(), nullable=True),
        sa.Column("project_name", sa.String(length=200), nullable=False),
        sa.Column("contract_type", sa.String(length=32), nullable=False),
        sa.Column("tech_field", sa.String(length=32), nullable=False),
        sa.Column("ip_type", sa.String(length=32), nullable=False),
        sa.Column("buyer_name", sa.String(length=200), nullable=False),
        sa.Column("buyer_region_code", sa.String(length=6), nullable=False),
        sa.Column("buyer_nature", sa.String(length=32), nullable=False),
        sa.Column("buyer_organization_id", sa.Integer(), nullable=True),
        sa.Column("seller_name", sa.String(length=200), nullable=False),
        sa.Column("seller_region_code", sa.String(length=6), nullable=False),
        sa.Column("seller_nature", sa.String(length=32), nullable=False),
        sa.Column("seller_organization_id", sa.Integer(), nullable=True),
        sa.Column("total_amount", sa.BigInteger(), nullable=False),
        sa.Column("tech_transaction_amount", sa.BigInteger(), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("deal_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("submitted_by", sa.String(length=64), nullable=False),
        sa.Column("office_code", sa.String(length=6), nullable=True),
        sa.Column("first_review_by", sa.String(length=64), nullable=False),
        sa.Column("first_review_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("registered_by", sa.String(length=64), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rejection_reason", sa.Text(), nullable=False),
        sa.Column("revoked_by", sa.String(length=64), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revocation_reason", sa.Text(), nullable=False),
        sa.Column("amendment_reason", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "tech_transaction_amount <= total_amount", name=op.f("ck_contracts_tech_amount_within_total")
        ),
        sa.CheckConstraint("tech_transaction_amount >= 0", name=op.f("ck_contracts_tech_amount_not_negative")),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_from IS NULL OR valid_from <= valid_to", name=op.f("ck_contracts_validity_order")
        ),
        sa.ForeignKeyConstraint(["amends_id"], ["contracts.id"], name=op.f("fk_contracts_amends_id_contracts")),
        sa.ForeignKeyConstraint(
            ["buyer_organization_id"],
            ["organizations.id"],
            name=op.f("fk_contracts_buyer_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["buyer_region_code"], ["regions.code"], name=op.f("fk_contracts_buyer_region_code_regions")
        ),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deals.id"], name=op.f("fk_contracts_deal_id_deals"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["seller_organization_id"],
            ["organizations.id"],
            name=op.f("fk_contracts_seller_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["seller_region_code"], ["regions.code"], name=op.f("fk_contracts_seller_region_code_regions")
        ),
        sa.ForeignKeyConstraint(
            ["superseded_by_id"], ["contracts.id"], name=op.f("fk_contracts_superseded_by_id_contracts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contracts")),
        sa.UniqueConstraint("registration_number", "amendment_no", name="registration_number"),
    )
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contracts_amends_id"), ["amends_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contracts_buyer_region_code"), ["buyer_region_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_contracts_contract_type"), ["contract_type"], unique=False)
        batch_op.create_index(batch_op.f("ix_contracts_deal_id"), ["deal_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contracts_registered_at"), ["registered_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_contracts_registration_number"), ["registration_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_contracts_seller_region_code"), ["seller_region_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_contracts_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_contracts_tech_field"), ["tech_field"], unique=False)

    op.create_table(
        "deal_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("from_stage", sa.String(length=16), nullable=True),
        sa.Column("to_stage", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deals.id"], name=op.f("fk_deal_events_deal_id_deals"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deal_events")),
    )
    with op.batch_alter_table("deal_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deal_events_deal_id"), ["deal_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("deal_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deal_events_deal_id"))

    op.drop_table("deal_events")
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contracts_tech_field"))
        batch_op.drop_index(batch_op.f("ix_contracts_status"))
        batch_op.drop_index(batch_op.f("ix_contracts_seller_region_code"))
        batch_op.drop_index(batch_op.f("ix_contracts_registration_number"))
        batch_op.drop_index(batch_op.f("ix_contracts_registered_at"))
        batch_op.drop_index(batch_op.f("ix_contracts_deal_id"))
        batch_op.drop_index(batch_op.f("ix_contracts_contract_type"))
        batch_op.drop_index(batch_op.f("ix_contracts_buyer_region_code"))
        batch_op.drop_index(batch_op.f("ix_contracts_amends_id"))

    op.drop_table("contracts")
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deals_stage"))
        batch_op.drop_index(batch_op.f("ix_deals_region_code"))
        batch_op.drop_index(batch_op.f("ix_deals_need_id"))
        batch_op.drop_index(batch_op.f("ix_deals_broker_id"))
        batch_op.drop_index(batch_op.f("ix_deals_achievement_id"))

    op.drop_table("deals")
    op.drop_table("region_targets")
    op.drop_table("registration_sequences")
