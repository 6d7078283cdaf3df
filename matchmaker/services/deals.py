"""Deals (对接项目): opened by a broker from a proposal or by hand, moved stage by stage.

``recommended → contacted → negotiating → signed → registered``, or ``closed`` with a reason from
any open stage. ``registered`` is reached only when the bureau registers the deal's contract.
Every step is a DealEvent (who, when, note) and an audit event, in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import false, func, or_, select, true
from sqlalchemy.orm import Session, selectinload

from matchmaker.policy import POLICY, Actor, Facts, Obj, Rule, Verb, allowed, can_see, region_prefix
from matchmaker.services.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from matchmaker.services.proposals import load_proposal
from matchmaker.services.workflow import KIND_LABELS, load_listing
from models import Achievement, Deal, DealEvent, MatchProposal, Need, User, record_audit
from models.base import utcnow
from models.db import begin_write
from models.enums import DEAL_STAGE_LABELS, DealStage, ListingKind, ProposalStatus, Role

# The stages a broker may move a deal to from each stage (``registered`` comes from registration).
TRANSITIONS: dict[str, frozenset[str]] = {
    DealStage.RECOMMENDED: frozenset({DealStage.CONTACTED, DealStage.CLOSED}),
    DealStage.CONTACTED: frozenset({DealStage.NEGOTIATING, DealStage.CLOSED}),
    DealStage.NEGOTIATING: frozenset({DealStage.SIGNED, DealStage.CLOSED}),
    DealStage.SIGNED: frozenset({DealStage.CLOSED}),
    DealStage.REGISTERED: frozenset(),
    DealStage.CLOSED: frozenset(),
}
OPEN_STAGES = (DealStage.RECOMMENDED, DealStage.CONTACTED, DealStage.NEGOTIATING, DealStage.SIGNED)
NOTE_MAX = 2000


def deal_facts(deal: Deal, broker_username: str) -> Facts:
    """Parties (need and achievement owners), county and broker of a deal, for the policy."""
    need_org = deal.need.organization_id if deal.need is not None else None
    achievement_org = deal.achievement.organization_id if deal.achievement is not None else None
    return Facts((need_org, achievement_org), (deal.region_code,), usernames=(broker_username,))


def _broker_username(session: Session, deal: Deal) -> str:
    user = session.get(User, deal.broker_id)
    return user.username if user else ""


def load_deal(session: Session, actor: Actor, deal_id: int, verb: str = Verb.VIEW) -> Deal:
    """The deal if ``actor`` may see it and do ``verb`` (invisible deals are not found)."""
    deal = session.get(Deal, deal_id)
    if deal is None:
        raise NotFoundError(f"没有编号为 {deal_id} 的对接项目")
    facts = deal_facts(deal, _broker_username(session, deal))
    if not can_see(actor, Obj.DEAL, facts):
        raise NotFoundError(f"没有编号为 {deal_id} 的对接项目")
    if verb != Verb.VIEW and not allowed(actor, Obj.DEAL, verb, facts):
        raise PermissionDeniedError("您没有权限操作该对接项目")
    return deal


@dataclass(frozen=True)
class DealInput:
    """What opening a deal needs: a proposal, or a need and/or an achievement, and a title."""

    proposal_id: int | None = None
    need_id: int | None = None
    achievement_id: int | None = None
    title: str = ""
    region_code: str | None = None
    note: str = ""


def _broker(session: Session, actor: Actor) -> User:
    user = session.scalar(select(User).where(User.username == actor.username))
    if user is None or user.role != Role.BROKER:
        raise PermissionDeniedError("只有技术经理人可以创建对接项目")
    return user


def _visible_proposal(session: Session, actor: Actor, proposal_id: int | None) -> MatchProposal | None:
    """The proposal a deal is opened from: visible to the actor, not declined, without a deal yet."""
    if proposal_id is None:
        return None
    try:
        proposal = load_proposal(session, actor, proposal_id).proposal
    except NotFoundError:
        raise ValidationError({"proposal_id": f"匹配推荐 {proposal_id} 不存在"}) from None
    if proposal.status == ProposalStatus.DECLINED:
        raise ConflictError("该匹配推荐已被拒绝，不能建立对接项目", "proposal_id")
    if session.scalar(select(Deal.id).where(Deal.proposal_id == proposal.id)) is not None:
        raise ConflictError("该匹配推荐已经创建过对接项目", "proposal_id")
    return proposal


def _visible_listing(session: Session, actor: Actor, kind: str, listing_id: int | None) -> Need | Achievement | None:
    """A need or achievement the actor may see (a draft of someone else's is "not found")."""
    if listing_id is None:
        return None
    try:
        listing = load_listing(session, actor, kind, listing_id)
    except NotFoundError:
        raise ValidationError({f"{kind}_id": f"{KIND_LABELS[kind]} {listing_id} 不存在"}) from None
    assert isinstance(listing, Need | Achievement)
    return listing


def open_deal(session: Session, actor: Actor, data: DealInput) -> Deal:
    """Open a deal in stage ``recommended``; from a proposal it takes the proposal's pair and marks it converted."""
    if not allowed(actor, Obj.DEAL, Verb.CREATE):
        raise PermissionDeniedError("只有技术经理人可以创建对接项目")
    begin_write(session)  # one deal per proposal: the check and the insert in one writer on SQLite
    broker = _broker(session, actor)
    proposal = _visible_proposal(session, actor, data.proposal_id)
    need_id = proposal.need_id if proposal else data.need_id
    achievement_id = proposal.achievement_id if proposal else data.achievement_id
    need = _visible_listing(session, actor, ListingKind.NEED, need_id)
    achievement = _visible_listing(session, actor, ListingKind.ACHIEVEMENT, achievement_id)
    if need is None and achievement is None:
        raise ValidationError({"need_id": "请选择匹配推荐，或至少选择一项需求或成果"})
    title = (data.title or "").strip() or " × ".join(x.title for x in (need, achievement) if x is not None)[:200]
    if len(title) > 200:
        raise ValidationError({"title": "项目名称不超过 200 字"})
    if len(data.note) > NOTE_MAX:
        raise ValidationError({"note": f"备注不超过 {NOTE_MAX} 字"})
    region = (
        data.region_code or (need.region_code if need else None) or (achievement.region_code if achievement else None)
    )
    deal = Deal(
        title=title,
        need_id=need.id if need else None,
        achievement_id=achievement.id if achievement else None,
        proposal_id=proposal.id if proposal else None,
        broker_id=broker.id,
        region_code=region,
        stage=DealStage.RECOMMENDED,
        stage_since=utcnow(),
    )
    session.add(deal)
    session.flush()
    deal.events.append(DealEvent(actor=actor.username, from_stage=None, to_stage=DealStage.RECOMMENDED, note=data.note))
    record_audit(session, actor.username, "deal.open", "deal", deal.id, None, deal.snapshot())
    if proposal is not None:
        before = {"status": proposal.status}
        proposal.status = ProposalStatus.CONVERTED
        record_audit(
            session, actor.username, "proposal.convert", "proposal", proposal.id, before, {"status": proposal.status}
        )
    return deal


def move_deal(
    session: Session, actor: Actor, deal_id: int, stage: str, note: str = "", expected_version: int | None = None
) -> Deal:
    """Move a deal to ``stage`` if the transition is legal; closing needs a reason (the note)."""
    deal = load_deal(session, actor, deal_id, Verb.STAGE)
    if expected_version is not None and deal.version != expected_version:
        raise ConflictError("该对接项目已被他人修改，请刷新后重试", "version")
    if not stage:
        raise ValidationError({"stage": "请选择要转到的阶段"})
    if stage not in TRANSITIONS:
        raise ValidationError({"stage": f"未知的阶段：{stage}"})
    if stage == DealStage.REGISTERED:
        raise ConflictError("“已登记”由科技局登记合同时自动设置", "stage")
    if stage not in TRANSITIONS[deal.stage]:
        raise ConflictError(f"不能从“{DEAL_STAGE_LABELS[deal.stage]}”转到“{DEAL_STAGE_LABELS[stage]}”", "stage")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": f"备注不超过 {NOTE_MAX} 字"})
    if stage == DealStage.CLOSED and not note:
        raise ValidationError({"note": "关闭对接项目需要填写原因"})
    _set_stage(session, deal, stage, actor.username, note)
    return deal


def _set_stage(session: Session, deal: Deal, stage: str, actor: str, note: str) -> None:
    before = deal.snapshot()
    deal.events.append(DealEvent(actor=actor, from_stage=deal.stage, to_stage=stage, note=note))
    deal.stage = stage
    deal.stage_since = utcnow()
    if stage == DealStage.CLOSED:
        deal.close_reason = note
    record_audit(session, actor, "deal.stage", "deal", deal.id, before, deal.snapshot())


def mark_registered(session: Session, deal: Deal, actor: str, registration_number: str) -> None:
    """Called by contract registration: a signed (or earlier, open) deal becomes ``registered``."""
    if deal.stage in (DealStage.REGISTERED, DealStage.CLOSED):
        return
    _set_stage(session, deal, DealStage.REGISTERED, actor, f"合同已登记，登记编号 {registration_number}")


def mark_unregistered(session: Session, deal: Deal, actor: str, registration_number: str, reason: str) -> None:
    """Called when the deal's registered contract is revoked: the deal is ``signed`` again, so a
    corrected contract can be submitted; the event keeps the number and the reason."""
    if deal.stage != DealStage.REGISTERED:
        return
    note = f"合同登记已撤销（登记编号 {registration_number}）：{reason}"[:NOTE_MAX]
    _set_stage(session, deal, DealStage.SIGNED, actor, note)


# ---------------------------------------------------------------- lists (for the API and the views)


def visible_deals_clause(actor: Actor) -> Any:
    """A WHERE clause selecting exactly the deals ``actor`` may see, read from the policy's VIEW cell.

    SELF: the actor is the deal's broker; PARTY: the actor's organisation owns the need or the
    achievement; JURISDICTION: the deal's region lies in the actor's jurisdiction; ALWAYS: every deal.
    Any other cell (or none) sees nothing.
    """
    rule = POLICY.get((actor.role or "", Obj.DEAL, Verb.VIEW))
    if rule is Rule.ALWAYS:
        return true()
    if rule is Rule.SELF:
        return Deal.broker_id.in_(select(User.id).where(User.username == actor.username))
    if rule is Rule.PARTY and actor.organization_id is not None:
        return or_(
            Deal.need_id.in_(select(Need.id).where(Need.organization_id == actor.organization_id)),
            Deal.achievement_id.in_(select(Achievement.id).where(Achievement.organization_id == actor.organization_id)),
        )
    if rule is Rule.JURISDICTION and actor.jurisdiction_code:
        return Deal.region_code.startswith(region_prefix(actor.jurisdiction_code), autoescape=True)
    return false()


def list_deals(
    session: Session, actor: Actor, stage: str | None = None, page: int = 1, per_page: int = 20
) -> tuple[list[Deal], int]:
    """The deals ``actor`` may see (optionally of one ``stage``), most recently changed first, and their total."""
    if not allowed(actor, Obj.DEAL, Verb.LIST):
        raise PermissionDeniedError("您没有权限查看对接项目")
    if stage is not None and stage not in TRANSITIONS:
        raise ValidationError({"stage": f"未知的阶段：{stage}"})
    stmt = select(Deal).where(visible_deals_clause(actor))
    if stage is not None:
        stmt = stmt.where(Deal.stage == stage)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page = max(1, page)
    rows = session.scalars(
        stmt.options(selectinload(Deal.events))
        .order_by(Deal.updated_at.desc(), Deal.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return list(rows), total


def broker_usernames(session: Session, deals: list[Deal]) -> dict[int, str]:
    """The user name of each deal's broker, by user id (one query)."""
    ids = {deal.broker_id for deal in deals}
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.username).where(User.id.in_(ids)))
    return {user_id: username for user_id, username in rows}
