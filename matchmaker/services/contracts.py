"""Technology contracts through registration (技术合同登记): submit, register, reject, revoke, amend.

``submitted → registered`` (a 16-digit number: year, registering office's region code, a
sequence per office and year) or ``rejected`` with a reason; ``registered → revoked`` with a
reason. Contracts of 5,000,000 yuan or more need two different bureau reviewers: the first
``register`` records the first review, the second registers. A registered contract is never
edited: an amendment is a new contract carrying the same registration number and the next
amendment number, and when it is registered the original points to it (``superseded_by_id``).
Callers commit; every change is audited in the same transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import false, func, or_, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from matchmaker.policy import POLICY, Actor, Facts, Obj, Rule, Verb, allowed, can_see, region_prefix
from matchmaker.services.contract_input import ContractInput
from matchmaker.services.deals import load_deal, mark_registered, mark_unregistered
from matchmaker.services.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from models import Contract, Deal, Organization, Region, RegistrationSequence, User, record_audit
from models.base import CHINA_TZ, utcnow
from models.db import begin_write
from models.enums import ContractStatus, DealStage, Role

REASON_MAX = 2000
SEQUENCE_MAX = 999_999


def lock_row(session: Session, contract: Contract) -> None:
    """Reload ``contract`` under a row lock (PostgreSQL ``SELECT … FOR UPDATE``; SQLite's writer
    transaction from ``begin_write`` already serialises), so that revoking and amending the same
    contract never pass each other's checks."""
    if session.connection().dialect.name != "sqlite":
        session.flush()  # refresh would drop the session's own unflushed changes of the row
        session.refresh(contract, with_for_update=True)


def contract_facts(session: Session, contract: Contract) -> Facts:
    """Buyer and seller organisations, the seller's region (where it is registered), submitter and broker."""
    usernames = [contract.submitted_by]
    if contract.deal_id is not None:
        deal = session.get(Deal, contract.deal_id)
        broker = session.get(User, deal.broker_id) if deal else None
        if broker is not None:
            usernames.append(broker.username)
    return Facts(
        (contract.buyer_organization_id, contract.seller_organization_id),
        (contract.seller_region_code,),
        usernames=tuple(usernames),
    )


def load_contract(session: Session, actor: Actor, contract_id: int, verb: str = Verb.VIEW) -> Contract:
    """The contract if ``actor`` may see it and do ``verb`` (invisible contracts are not found)."""
    contract = session.get(Contract, contract_id)
    if contract is None:
        raise NotFoundError(f"没有编号为 {contract_id} 的技术合同")
    facts = contract_facts(session, contract)
    if not can_see(actor, Obj.CONTRACT, facts):
        raise NotFoundError(f"没有编号为 {contract_id} 的技术合同")
    if verb != Verb.VIEW and not allowed(actor, Obj.CONTRACT, verb, facts):
        raise PermissionDeniedError("您没有权限对该技术合同执行此操作")
    return contract


def _check_regions(session: Session, data: ContractInput) -> None:
    errors = {
        name: f"行政区划代码 {code} 不存在"
        for name, code in (
            ("buyer_region_code", data.buyer_region_code),
            ("seller_region_code", data.seller_region_code),
        )
        if session.get(Region, code) is None
    }
    if errors:
        raise ValidationError(errors)


def _organization_id(session: Session, name: str) -> int | None:
    return session.scalar(select(Organization.id).where(Organization.name == name))


def _linked_deal(session: Session, actor: Actor, deal_id: int | None) -> Deal | None:
    if deal_id is None:
        return None
    try:
        deal = load_deal(session, actor, deal_id)
    except NotFoundError:
        raise ValidationError({"deal_id": f"对接项目 {deal_id} 不存在"}) from None
    if deal.stage != DealStage.SIGNED:
        raise ConflictError("对接项目须处于“已签约”阶段才能提交合同登记", "deal_id")
    waiting = select(Contract.id).where(
        Contract.deal_id == deal.id, Contract.status == ContractStatus.SUBMITTED, Contract.amends_id.is_(None)
    )
    if session.scalar(waiting) is not None:
        raise ConflictError("该对接项目已有待登记的合同，请勿重复提交", "deal_id")
    return deal


def submit_contract(session: Session, actor: Actor, data: ContractInput) -> Contract:
    """Record a signed contract for registration (status ``submitted``)."""
    if not allowed(actor, Obj.CONTRACT, Verb.CREATE):
        raise PermissionDeniedError("您没有权限提交技术合同登记")
    begin_write(session)  # the one-waiting-contract-per-deal check and the insert in one writer
    _check_regions(session, data)
    _linked_deal(session, actor, data.deal_id)
    contract = Contract(
        **data.values(),
        buyer_organization_id=_organization_id(session, data.buyer_name),
        seller_organization_id=_organization_id(session, data.seller_name),
        status=ContractStatus.SUBMITTED,
        submitted_by=actor.username,
    )
    if actor.role in (Role.ENTERPRISE, Role.RESEARCH) and actor.organization_id not in (
        contract.buyer_organization_id,
        contract.seller_organization_id,
    ):
        raise ValidationError({"buyer_name": "您所在单位须为合同的买方或卖方"})
    session.add(contract)
    session.flush()
    record_audit(session, actor.username, "contract.submit", "contract", contract.id, None, contract.snapshot())
    return contract


def next_registration_number(session: Session, office_code: str, year: int) -> str:
    """Take the next number of ``office_code`` in ``year`` inside the caller's transaction (no gaps on rollback)."""
    dialect = session.connection().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    upsert = (
        insert(RegistrationSequence)
        .values(office_code=office_code, year=year, last_value=1)
        .on_conflict_do_update(
            index_elements=["office_code", "year"], set_={"last_value": RegistrationSequence.last_value + 1}
        )
        .returning(RegistrationSequence.last_value)
    )
    value = int(session.execute(upsert).scalar_one())
    if value > SEQUENCE_MAX:
        raise ConflictError(f"登记机构 {office_code} 在 {year} 年的登记编号已用尽")
    return f"{year:04d}{office_code}{value:06d}"


def _expect(contract: Contract, status: str, expected_version: int | None) -> None:
    if expected_version is not None and contract.version != expected_version:
        raise ConflictError("该技术合同已被他人修改，请刷新后重试", "version")
    if contract.status != status:
        raise ConflictError(f"当前状态（{contract.status}）不能执行此操作", "status")


def _reason(reason: str, field: str = "reason") -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationError({field: "请填写原因"})
    if len(text) > REASON_MAX:
        raise ValidationError({field: f"原因不超过 {REASON_MAX} 字"})
    return text


def register_contract(
    session: Session, actor: Actor, contract_id: int, expected_version: int | None = None
) -> Contract:
    """Register a submitted contract (or record the first of two reviews for large ones)."""
    begin_write(session)
    contract = load_contract(session, actor, contract_id, Verb.REGISTER)
    _expect(contract, ContractStatus.SUBMITTED, expected_version)
    if not actor.jurisdiction_code:
        raise PermissionDeniedError("您的账户没有登记机构（管辖区域），不能登记合同")
    original = _current_original(session, contract)
    before = contract.snapshot()
    now = utcnow()
    year = now.astimezone(CHINA_TZ).year  # the registration year as the bureau sees it
    if contract.needs_second_review and not contract.first_review_by:
        contract.first_review_by, contract.first_review_at = actor.username, now
        record_audit(
            session, actor.username, "contract.first_review", "contract", contract.id, before, contract.snapshot()
        )
        return contract
    if contract.needs_second_review and contract.first_review_by == actor.username:
        raise ConflictError("500 万元及以上的合同须由另一位科技局人员复核登记", "status")
    if contract.amends_id is None:
        contract.registration_number = next_registration_number(session, actor.jurisdiction_code, year)
    contract.status = ContractStatus.REGISTERED
    # An amendment stays with the office whose code its registration number carries.
    contract.office_code = (original.office_code if original else None) or actor.jurisdiction_code
    contract.registered_by, contract.registered_at = actor.username, now
    record_audit(session, actor.username, "contract.register", "contract", contract.id, before, contract.snapshot())
    if original is not None:
        original_before = original.snapshot()
        original.superseded_by_id = contract.id
        record_audit(
            session,
            actor.username,
            "contract.superseded",
            "contract",
            original.id,
            original_before,
            original.snapshot(),
        )
    if contract.deal_id is not None:
        deal = session.get(Deal, contract.deal_id)
        if deal is not None:
            mark_registered(session, deal, actor.username, contract.registration_number or "")
    return contract


def _current_original(session: Session, contract: Contract) -> Contract | None:
    """The registered, current record an amendment corrects (None for an original contract).

    Raises ConflictError when the original was revoked or superseded after the amendment was
    submitted: registering it then would bring a revoked contract back into the statistics.
    """
    if contract.amends_id is None:
        return None
    original = session.get(Contract, contract.amends_id)
    assert original is not None
    lock_row(session, original)  # a revocation of the original running now finishes first
    if original.status != ContractStatus.REGISTERED or original.superseded_by_id is not None:
        raise ConflictError("原合同已撤销登记或已被其他变更取代，该变更不能登记", "status")
    return original


def reject_contract(
    session: Session, actor: Actor, contract_id: int, reason: str, expected_version: int | None = None
) -> Contract:
    """Refuse to register a submitted contract (不予登记), with the reason."""
    contract = load_contract(session, actor, contract_id, Verb.REJECT)
    _expect(contract, ContractStatus.SUBMITTED, expected_version)
    text = _reason(reason)  # validated before anything changes
    before = contract.snapshot()
    contract.status = ContractStatus.REJECTED
    contract.rejection_reason = text
    record_audit(session, actor.username, "contract.reject", "contract", contract.id, before, contract.snapshot())
    return contract


def revoke_contract(
    session: Session, actor: Actor, contract_id: int, reason: str, expected_version: int | None = None
) -> Contract:
    """Revoke a registered contract (撤销登记), with the reason; its number stays taken."""
    begin_write(session)
    contract = load_contract(session, actor, contract_id, Verb.REVOKE)
    lock_row(session, contract)  # an amendment submitted meanwhile waits, then sees the revocation
    _expect(contract, ContractStatus.REGISTERED, expected_version)
    if contract.superseded_by_id is not None:
        raise ConflictError("该合同已被登记的变更取代，请撤销最新的变更", "status")
    text = _reason(reason)
    before = contract.snapshot()
    contract.status = ContractStatus.REVOKED
    contract.revoked_by, contract.revoked_at = actor.username, utcnow()
    contract.revocation_reason = text
    record_audit(session, actor.username, "contract.revoke", "contract", contract.id, before, contract.snapshot())
    _reject_pending_amendments(session, actor, contract, text)
    _release_deal(session, actor, contract, text)
    return contract


def _reject_pending_amendments(session: Session, actor: Actor, contract: Contract, reason: str) -> None:
    """Amendments still waiting for registration of a revoked contract are refused with the reason."""
    pending = session.scalars(
        select(Contract).where(Contract.amends_id == contract.id, Contract.status == ContractStatus.SUBMITTED)
    )
    for amendment in pending:
        before = amendment.snapshot()
        amendment.status = ContractStatus.REJECTED
        amendment.rejection_reason = f"原合同已撤销登记：{reason}"[:REASON_MAX]
        record_audit(session, actor.username, "contract.reject", "contract", amendment.id, before, amendment.snapshot())


def _release_deal(session: Session, actor: Actor, contract: Contract, reason: str) -> None:
    """The deal of a revoked contract is signed again unless another registration of it still stands."""
    if contract.deal_id is None:
        return
    deal = session.get(Deal, contract.deal_id)
    standing = select(Contract.id).where(
        Contract.deal_id == contract.deal_id,
        Contract.status == ContractStatus.REGISTERED,
        Contract.superseded_by_id.is_(None),
        Contract.id != contract.id,
    )
    if deal is not None and session.scalar(standing) is None:
        mark_unregistered(session, deal, actor.username, contract.registration_number or "", reason)


def amend_contract(session: Session, actor: Actor, contract_id: int, data: ContractInput, reason: str) -> Contract:
    """Submit a correction of a registered, current contract; the original stays as it was."""
    begin_write(session)  # the pending check and the next amendment number in one writer
    original = load_contract(session, actor, contract_id, Verb.AMEND)
    lock_row(session, original)
    _expect(original, ContractStatus.REGISTERED, None)
    if original.superseded_by_id is not None:
        raise ConflictError("该合同已有登记的变更，请对最新的变更进行修改", "status")
    pending = session.scalar(
        select(func.count())
        .select_from(Contract)
        .where(Contract.amends_id == original.id, Contract.status == ContractStatus.SUBMITTED)
    )
    if pending:
        raise ConflictError("该合同已有待登记的变更", "status")
    _check_regions(session, data)
    office = original.office_code or ""
    moved = data.seller_region_code != original.seller_region_code
    if office and moved and not data.seller_region_code.startswith(region_prefix(office)):
        raise ValidationError(
            {"seller_region_code": f"变更不能把卖方移出原登记机构（{office}）的管辖区域；请撤销后重新登记"}
        )
    last = session.scalar(
        select(func.max(Contract.amendment_no)).where(Contract.registration_number == original.registration_number)
    )
    amendment = Contract(
        **{**data.values(), "deal_id": original.deal_id},
        buyer_organization_id=_organization_id(session, data.buyer_name),
        seller_organization_id=_organization_id(session, data.seller_name),
        status=ContractStatus.SUBMITTED,
        submitted_by=actor.username,
        registration_number=original.registration_number,
        amendment_no=int(last or 0) + 1,
        amends_id=original.id,
        amendment_reason=_reason(reason, "amendment_reason"),
    )
    session.add(amendment)
    session.flush()
    record_audit(session, actor.username, "contract.amend", "contract", amendment.id, None, amendment.snapshot())
    return amendment


# ---------------------------------------------------------------- lists (for the API and the views)


def visible_contracts_clause(actor: Actor) -> Any:
    """A WHERE clause selecting exactly the contracts ``actor`` may see, read from the policy's VIEW cell.

    SELF: the actor submitted the contract or brokers its deal; PARTY: the actor's organisation is
    the buyer or the seller; JURISDICTION: the seller's region lies in the actor's jurisdiction;
    ALWAYS: every contract. Any other cell (or none) sees nothing.
    """
    rule = POLICY.get((actor.role or "", Obj.CONTRACT, Verb.VIEW))
    if rule is Rule.ALWAYS:
        return true()
    if rule is Rule.SELF:
        brokered = select(Deal.id).join(User, User.id == Deal.broker_id).where(User.username == actor.username)
        return or_(Contract.submitted_by == actor.username, Contract.deal_id.in_(brokered))
    if rule is Rule.PARTY and actor.organization_id is not None:
        return or_(
            Contract.buyer_organization_id == actor.organization_id,
            Contract.seller_organization_id == actor.organization_id,
        )
    if rule is Rule.JURISDICTION and actor.jurisdiction_code:
        return Contract.seller_region_code.startswith(region_prefix(actor.jurisdiction_code), autoescape=True)
    return false()


def list_contracts(
    session: Session, actor: Actor, status: str | None = None, page: int = 1, per_page: int = 20
) -> tuple[list[Contract], int]:
    """The contracts ``actor`` may see (optionally in one ``status``), most recently changed first, and their total."""
    if not allowed(actor, Obj.CONTRACT, Verb.LIST):
        raise PermissionDeniedError("您没有权限查看技术合同")
    if status is not None and status not in tuple(ContractStatus):
        raise ValidationError({"status": f"未知的状态：{status}"})
    stmt = select(Contract).where(visible_contracts_clause(actor))
    if status is not None:
        stmt = stmt.where(Contract.status == status)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page = max(1, page)
    rows = session.scalars(
        stmt.order_by(Contract.updated_at.desc(), Contract.id.desc()).offset((page - 1) * per_page).limit(per_page)
    )
    return list(rows), total
