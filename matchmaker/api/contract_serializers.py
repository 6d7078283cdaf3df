"""Deals and technology contracts as JSON (glossary field names; money as strings of yuan with two decimals)."""

from __future__ import annotations

from typing import Any

from matchmaker.api.serializers import iso, money, region_name
from matchmaker.regions import RegionResolver
from matchmaker.services.contract_input import FIELDS as CONTRACT_FIELDS
from models import Contract, Deal, DealEvent
from models.enums import ContractStatus

CONTRACT_MONEY = ("total_amount", "tech_transaction_amount")
CONTRACT_DATES = ("signed_on", "valid_from", "valid_to")


def deal_event_json(event: DealEvent) -> dict[str, Any]:
    """One step of a deal."""
    return {
        "actor": event.actor,
        "at": iso(event.at),
        "from_stage": event.from_stage,
        "to_stage": event.to_stage,
        "note": event.note or "",
    }


def deal_json(deal: Deal, broker: str, resolver: RegionResolver) -> dict[str, Any]:
    """A deal with its stage history (oldest first); ``broker`` is the broker's user name."""
    return {
        "id": deal.id,
        "title": deal.title,
        "need_id": deal.need_id,
        "achievement_id": deal.achievement_id,
        "proposal_id": deal.proposal_id,
        "broker": broker,
        "region_code": deal.region_code,
        "region_name": region_name(resolver, deal.region_code),
        "stage": deal.stage,
        "stage_since": iso(deal.stage_since),
        "close_reason": deal.close_reason or "",
        "version": deal.version,
        "events": [deal_event_json(event) for event in deal.events],
        "created_at": iso(deal.created_at),
        "updated_at": iso(deal.updated_at),
    }


def contract_json(contract: Contract, resolver: RegionResolver) -> dict[str, Any]:
    """A contract with every registration field; ``awaiting_second_review`` after the first of two reviews."""
    data: dict[str, Any] = {
        "id": contract.id,
        "status": contract.status,
        "registration_number": contract.registration_number,
        "amendment_no": contract.amendment_no,
        "amends_id": contract.amends_id,
        "superseded_by_id": contract.superseded_by_id,
        "version": contract.version,
    }
    for name in CONTRACT_FIELDS:
        value = getattr(contract, name)
        if name in CONTRACT_MONEY:
            value = money(value)
        elif name in CONTRACT_DATES:
            value = iso(value)
        data[name] = value
    data.update(
        buyer_region_name=region_name(resolver, contract.buyer_region_code),
        seller_region_name=region_name(resolver, contract.seller_region_code),
        buyer_organization_id=contract.buyer_organization_id,
        seller_organization_id=contract.seller_organization_id,
        needs_second_review=contract.needs_second_review,
        awaiting_second_review=contract.status == ContractStatus.SUBMITTED and bool(contract.first_review_by),
        submitted_by=contract.submitted_by,
        office_code=contract.office_code,
        first_review_by=contract.first_review_by or "",
        first_review_at=iso(contract.first_review_at),
        registered_by=contract.registered_by or "",
        registered_at=iso(contract.registered_at),
        rejection_reason=contract.rejection_reason or "",
        revoked_by=contract.revoked_by or "",
        revoked_at=iso(contract.revoked_at),
        revocation_reason=contract.revocation_reason or "",
        amendment_reason=contract.amendment_reason or "",
        created_at=iso(contract.created_at),
        updated_at=iso(contract.updated_at),
    )
    return data
