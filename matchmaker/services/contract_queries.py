"""Read-only contract queries for the pages: the registration queue, amendment chains, form prefills.

Nothing here changes or commits anything; visibility always comes from the policy through
``visible_contracts_clause`` and ``load_deal``, so a page never shows what the actor may not see.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from matchmaker.policy import Actor, Facts, Obj, Verb, allowed
from matchmaker.services.contract_input import FIELDS
from matchmaker.services.contracts import load_contract, visible_contracts_clause
from matchmaker.services.deals import load_deal
from matchmaker.services.errors import ConflictError, NotFoundError, PermissionDeniedError
from matchmaker.services.workflow import Page
from models import AuditEvent, Contract, Deal, Organization
from models.enums import IP_TYPE_LABELS, ContractStatus, OrganizationKind, PartyNature

# 买方/卖方性质 from the kind of organisation a deal's need or achievement belongs to.
NATURE_BY_KIND: dict[str, str] = {
    OrganizationKind.ENTERPRISE: PartyNature.ENTERPRISE,
    OrganizationKind.UNIVERSITY: PartyNature.UNIVERSITY,
    OrganizationKind.INSTITUTE: PartyNature.INSTITUTE,
    OrganizationKind.BUREAU: PartyNature.GOVERNMENT,
    OrganizationKind.AGENCY: PartyNature.GOVERNMENT,
}
MONEY_FIELDS = ("total_amount", "tech_transaction_amount")
DATE_FIELDS = ("signed_on", "valid_from", "valid_to")


def may_register_here(actor: Actor) -> bool:
    """Whether the policy lets ``actor`` register contracts of their own jurisdiction (the queue's guard)."""
    return allowed(actor, Obj.CONTRACT, Verb.REGISTER, Facts(region_codes=(actor.jurisdiction_code,)))


def registration_queue(session: Session, actor: Actor, page: int = 1, per_page: int = 50) -> Page:
    """Submitted contracts the actor may register, oldest first (first come, first registered)."""
    if not may_register_here(actor):
        raise PermissionDeniedError("只有科技局人员可以查看合同登记队列")
    stmt = select(Contract).where(visible_contracts_clause(actor), Contract.status == ContractStatus.SUBMITTED)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page = max(1, page)
    rows = session.scalars(
        stmt.order_by(Contract.created_at, Contract.id).offset((page - 1) * per_page).limit(per_page)
    )
    return Page(list(rows), total, page, per_page)


def amendment_chain(session: Session, actor: Actor, contract: Contract) -> list[Contract]:
    """The original and every amendment of ``contract`` the actor may see, in amendment order.

    An amendment carries its original's registration number, so the chain is every contract with
    that number (and, before registration, the contract and the one it amends).
    """
    related = [Contract.id == contract.id]
    if contract.registration_number:
        related.append(Contract.registration_number == contract.registration_number)
    if contract.amends_id is not None:
        related.append(Contract.id == contract.amends_id)
    stmt = (
        select(Contract)
        .where(or_(*related), visible_contracts_clause(actor))
        .order_by(Contract.amendment_no, Contract.id)
    )
    return list(session.scalars(stmt))


# What each audit action of a contract means on its page (登记记录).
HISTORY_LABELS: dict[str, str] = {
    "contract.submit": "提交登记",
    "contract.amend": "提交变更",
    "contract.import": "由历史登记台账导入",
    "contract.first_review": "初审通过",
    "contract.register": "登记",
    "contract.reject": "不予登记",
    "contract.revoke": "撤销登记",
    "contract.superseded": "被变更取代",
}


@dataclass(frozen=True)
class HistoryEntry:
    """One change of a contract as the page shows it: what, who, when and the detail that goes with it."""

    label: str
    actor: str
    at: dt.datetime
    detail: str


def _history_detail(action: str, after: dict[str, Any]) -> str:
    if action == "contract.register":
        return f"登记编号 {after.get('registration_number') or ''}"
    if action == "contract.reject":
        return str(after.get("rejection_reason") or "")
    if action == "contract.revoke":
        return str(after.get("revocation_reason") or "")
    if action == "contract.amend":
        return str(after.get("amendment_reason") or "")
    return ""


def contract_history(session: Session, contract: Contract) -> list[HistoryEntry]:
    """Every recorded change of ``contract``, oldest first, read from the audit trail (the caller has
    checked that the actor may see the contract)."""
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == "contract", AuditEvent.object_id == str(contract.id))
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    return [
        HistoryEntry(HISTORY_LABELS.get(e.action, e.action), e.actor, e.at, _history_detail(e.action, e.after or {}))
        for e in events
    ]


def visible_deal(session: Session, actor: Actor, deal_id: int | None) -> Deal | None:
    """The contract's deal when the actor may see it (None otherwise)."""
    if deal_id is None:
        return None
    try:
        return load_deal(session, actor, deal_id)
    except NotFoundError:
        return None


def deal_contracts(session: Session, actor: Actor, deal_id: int) -> list[Contract]:
    """The contracts of a deal that ``actor`` may see, amendments included, oldest first."""
    stmt = select(Contract).where(Contract.deal_id == deal_id, visible_contracts_clause(actor)).order_by(Contract.id)
    return list(session.scalars(stmt))


def _party(organization: Organization | None, fallback_region: str | None) -> tuple[str, str, str]:
    if organization is None:
        return "", fallback_region or "", ""
    region = organization.region_code or fallback_region or ""
    return organization.name, region, NATURE_BY_KIND.get(organization.kind, "")


def _ip_type(text: str) -> str:
    """An achievement's IP type (a code or its Chinese label) as a contract's ``ip_type`` code, or ""."""
    value = (text or "").strip()
    if not value or value in IP_TYPE_LABELS:
        return value
    exact = next((code for code, label in IP_TYPE_LABELS.items() if label == value), "")
    # Listings use the short names ("实用新型", "软件著作权") of the registration form's types.
    return exact or next((code for code, label in IP_TYPE_LABELS.items() if value in label), "")


def deal_prefill(session: Session, actor: Actor, deal_id: int) -> dict[str, str]:
    """Form values taken from a deal: project name, buyer (the need's side), seller (the achievement's side).

    Raises NotFoundError when the actor may not see the deal. Whether the deal is signed is left
    to ``submit_contract``, which refuses anything else with its own message.
    """
    deal = load_deal(session, actor, deal_id)
    need, achievement = deal.need, deal.achievement
    buyer = _party(need.organization if need else None, need.region_code if need else None)
    seller = _party(achievement.organization if achievement else None, achievement.region_code if achievement else None)
    return {
        "project_name": deal.title,
        "buyer_name": buyer[0],
        "buyer_region_code": buyer[1],
        "buyer_nature": buyer[2],
        "seller_name": seller[0],
        "seller_region_code": seller[1],
        "seller_nature": seller[2],
        "tech_field": (achievement.tech_field if achievement else "") or "",
        "ip_type": _ip_type(achievement.ip_type if achievement else ""),
        "deal_id": str(deal.id),
    }


def contract_values(contract: Contract) -> dict[str, str]:
    """A contract's fields as form text (amounts as exact yuan with two decimals, dates ISO)."""
    out: dict[str, str] = {}
    for name in FIELDS:
        value: Any = getattr(contract, name)
        if value is None:
            out[name] = ""
        elif name in MONEY_FIELDS:
            out[name] = f"{value:.2f}"
        elif name in DATE_FIELDS:
            out[name] = value.isoformat()
        else:
            out[name] = str(value)
    return out


def load_current(session: Session, actor: Actor, contract_id: int, verb: str, version: int | None) -> Contract:
    """The contract as ``load_contract`` gives it, refused with ConflictError when the page's version is stale."""
    contract = load_contract(session, actor, contract_id, verb)
    if version is not None and contract.version != version:
        raise ConflictError("该技术合同已被他人修改，请刷新后重试", "version")
    return contract
