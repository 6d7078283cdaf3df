"""Technology contracts (技术合同) and their registration (技术合同登记), with exact money."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Money, TimestampMixin, UTCDateTime
from models.enums import ContractStatus

# Contracts of this total (yuan) or more need a second bureau reviewer before registration.
SECOND_REVIEW_THRESHOLD = Decimal("5000000.00")
# An original contract (not an amendment) of a deal that waits for registration.
OPEN_SUBMISSION = "status = 'submitted' AND amends_id IS NULL AND deal_id IS NOT NULL"


class Contract(TimestampMixin, Base):
    """A contract submitted for registration; an amendment is a new row pointing at the one it corrects."""

    __tablename__ = "contracts"
    __table_args__ = (
        UniqueConstraint("registration_number", "amendment_no", name="registration_number"),
        CheckConstraint("tech_transaction_amount <= total_amount", name="tech_amount_within_total"),
        CheckConstraint("tech_transaction_amount >= 0", name="tech_amount_not_negative"),
        CheckConstraint("valid_to IS NULL OR valid_from IS NULL OR valid_from <= valid_to", name="validity_order"),
        # A deal has at most one contract waiting for registration (a double submit cannot count twice).
        Index(
            "uq_contracts_deal_submitted",
            "deal_id",
            unique=True,
            sqlite_where=text(OPEN_SUBMISSION),
            postgresql_where=text(OPEN_SUBMISSION),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_number: Mapped[str | None] = mapped_column(String(16), default=None, index=True)
    amendment_no: Mapped[int] = mapped_column(Integer, default=0)
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"), default=None, index=True)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"), default=None)
    project_name: Mapped[str] = mapped_column(String(200))
    contract_type: Mapped[str] = mapped_column(String(32), index=True)
    tech_field: Mapped[str] = mapped_column(String(32), index=True)
    ip_type: Mapped[str] = mapped_column(String(32))
    buyer_name: Mapped[str] = mapped_column(String(200))
    buyer_region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    buyer_nature: Mapped[str] = mapped_column(String(32))
    buyer_organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), default=None)
    seller_name: Mapped[str] = mapped_column(String(200))
    seller_region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    seller_nature: Mapped[str] = mapped_column(String(32))
    seller_organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), default=None)
    total_amount: Mapped[Decimal] = mapped_column(Money)
    tech_transaction_amount: Mapped[Decimal] = mapped_column(Money)
    signed_on: Mapped[dt.date] = mapped_column(Date)
    valid_from: Mapped[dt.date | None] = mapped_column(Date, default=None)
    valid_to: Mapped[dt.date | None] = mapped_column(Date, default=None)
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id", ondelete="SET NULL"), default=None, index=True)
    status: Mapped[str] = mapped_column(String(16), default=ContractStatus.SUBMITTED, index=True)
    submitted_by: Mapped[str] = mapped_column(String(64))
    # The registering office (登记机构): the region code of the bureau that registers it.
    office_code: Mapped[str | None] = mapped_column(String(6), default=None)
    first_review_by: Mapped[str] = mapped_column(String(64), default="")
    first_review_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    registered_by: Mapped[str] = mapped_column(String(64), default="")
    registered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None, index=True)
    rejection_reason: Mapped[str] = mapped_column(Text, default="")
    revoked_by: Mapped[str] = mapped_column(String(64), default="")
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    revocation_reason: Mapped[str] = mapped_column(Text, default="")
    amendment_reason: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @property
    def needs_second_review(self) -> bool:
        """True for contracts of 5,000,000 yuan or more."""
        return self.total_amount >= SECOND_REVIEW_THRESHOLD

    def snapshot(self) -> dict[str, Any]:
        """Audit snapshot: every field, money as exact strings, dates as ISO strings."""
        out: dict[str, Any] = {}
        for column in self.__table__.columns:
            value = getattr(self, column.key)
            if isinstance(value, Decimal):
                value = f"{value:.2f}"
            elif isinstance(value, dt.date | dt.datetime):
                value = value.isoformat()
            out[column.key] = value
        out.pop("created_at", None)
        out.pop("updated_at", None)
        return out


class RegistrationSequence(Base):
    """The last registration number handed out per registering office and year."""

    __tablename__ = "registration_sequences"

    office_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class RegionTarget(TimestampMixin, Base):
    """A yearly target of a county (or city) for one metric, e.g. 技术合同成交额."""

    __tablename__ = "region_targets"
    __table_args__ = (UniqueConstraint("region_code", "year", "metric", name="region_year_metric"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    year: Mapped[int] = mapped_column(Integer)
    metric: Mapped[str] = mapped_column(String(32))
    # Amounts in yuan for money metrics, counts otherwise; stored exactly either way.
    target: Mapped[Decimal] = mapped_column(Money)
    set_by: Mapped[str] = mapped_column(String(64), default="")
