"""Match proposals as people see them: list, refresh, accept or decline with a reason, pursue."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from indexer.backends.base import SearchBackendError
from indexer.types import SearchFilters
from matchmaker.matching import MatchResult
from matchmaker.policy import Actor, Facts, Obj, Verb, allowed, is_published
from matchmaker.runtime import Runtime
from matchmaker.services.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from matchmaker.services.matching import find_matches, match_listings, query_document
from matchmaker.services.search import SearchUnavailableError
from matchmaker.services.workflow import KIND_LABELS, load_listing
from models import Achievement, MatchProposal, Need, record_audit
from models.enums import ListingKind, ListingStatus, ProposalStatus, Role

# Why a side declines a proposal (a fixed list, so brokers can learn from it, plus free text).
DECLINE_REASONS: dict[str, str] = {
    "direction": "技术方向不符",
    "maturity": "成熟度不够",
    "price": "价格或预算不合适",
    "region": "地域距离太远",
    "capacity": "对方能力或条件不足",
    "solved": "需求已解决或已有合作方",
    "ip": "知识产权不清晰",
    "other": "其他",
}
DECISIONS = ("accept", "decline")


@dataclass
class ProposalView:
    """A proposal with both listings, seen from one side."""

    proposal: MatchProposal
    need: Need
    achievement: Achievement

    def other(self, kind: str) -> Need | Achievement:
        """The listing on the other side of ``kind``."""
        return self.achievement if kind == ListingKind.NEED else self.need


def proposal_facts(need: Need, achievement: Achievement) -> Facts:
    """Both owners and both regions; published only when both listings are."""
    return Facts(
        (need.organization_id, achievement.organization_id),
        (need.region_code, achievement.region_code),
        is_published(need.status) and is_published(achievement.status),
    )


def _visible_other(actor: Actor, other: Need | Achievement) -> bool:
    return is_published(other.status) or (
        actor.organization_id is not None and other.organization_id == actor.organization_id
    )


def proposals_for_listing(session: Session, actor: Actor, kind: str, listing_id: int) -> list[ProposalView]:
    """Proposals of one listing, best first; only counterparts the actor may see are shown."""
    listing = load_listing(session, actor, kind, listing_id, Verb.MATCHES)
    column = MatchProposal.need_id if kind == ListingKind.NEED else MatchProposal.achievement_id
    proposals = session.scalars(select(MatchProposal).where(column == listing.id).order_by(MatchProposal.score.desc()))
    out: list[ProposalView] = []
    for p in proposals:
        need = listing if kind == ListingKind.NEED else session.get(Need, p.need_id)
        ach = listing if kind == ListingKind.ACHIEVEMENT else session.get(Achievement, p.achievement_id)
        assert isinstance(need, Need) and isinstance(ach, Achievement)
        view = ProposalView(p, need, ach)
        if _visible_other(actor, view.other(kind)):
            out.append(view)
    return out


def refresh_matches(runtime: Runtime, actor: Actor, kind: str, listing_id: int, top: int = 10) -> int:
    """Run the matching engine for a published listing now; returns the number of proposals."""
    if not 1 <= top <= 50:
        raise ValidationError({"top": "top 应为 1–50 的整数"})
    with runtime.session_factory() as session:
        listing = load_listing(session, actor, kind, listing_id, Verb.MATCHES)
        if listing.status != ListingStatus.PUBLISHED:
            raise ConflictError(f"只有已发布的{KIND_LABELS[kind]}参与匹配", "status")
        external_id = listing.external_id
    try:
        results = match_listings(runtime, kind, [external_id], top=top, actor=actor.username)
    except SearchBackendError as exc:
        raise SearchUnavailableError("检索服务暂时不可用，请稍后再试；已保存的推荐仍可查看") from exc
    return len(results[0].results)


def filtered_matches(
    runtime: Runtime, actor: Actor, kind: str, listing_id: int, filters: SearchFilters, top: int = 10
) -> list[MatchResult]:
    """Live matches of a published listing restricted by ``filters`` (region, field, maturity, mode).

    Nothing is stored: brokers explore "the same need, only achievements from this city" without
    changing the proposals the owner decides on. Raises SearchUnavailableError when the index is down.
    """
    with runtime.session_factory() as session:
        listing = load_listing(session, actor, kind, listing_id, Verb.MATCHES)
        if listing.status != ListingStatus.PUBLISHED:
            raise ConflictError(f"只有已发布的{KIND_LABELS[kind]}参与匹配", "status")
        try:
            return find_matches(runtime, query_document(runtime, listing), top, filters)
        except SearchBackendError as exc:
            raise SearchUnavailableError("检索服务暂时不可用，请稍后再试；已保存的推荐仍可查看") from exc


def load_proposal(session: Session, actor: Actor, proposal_id: int, verb: str = Verb.VIEW) -> ProposalView:
    """The proposal if the actor may see it and do ``verb`` (404 when invisible, 403 otherwise)."""
    proposal = session.get(MatchProposal, proposal_id)
    if proposal is None:
        raise NotFoundError(f"没有编号为 {proposal_id} 的匹配推荐")
    need = session.get(Need, proposal.need_id)
    ach = session.get(Achievement, proposal.achievement_id)
    assert need is not None and ach is not None
    facts = proposal_facts(need, ach)
    if not allowed(actor, Obj.PROPOSAL, Verb.VIEW, facts):
        raise NotFoundError(f"没有编号为 {proposal_id} 的匹配推荐")
    if verb != Verb.VIEW and not allowed(actor, Obj.PROPOSAL, verb, facts):
        raise PermissionDeniedError("您没有权限对该匹配推荐执行此操作")
    return ProposalView(proposal, need, ach)


def _overall(proposal: MatchProposal) -> str:
    sides = (proposal.need_decision, proposal.achievement_decision)
    if ProposalStatus.DECLINED in sides:
        return ProposalStatus.DECLINED
    if ProposalStatus.ACCEPTED in sides:
        return ProposalStatus.ACCEPTED
    return ProposalStatus.PROPOSED


def decide_proposal(
    runtime: Runtime, actor: Actor, proposal_id: int, decision: str, reason: str = "", note: str = ""
) -> MatchProposal:
    """Accept or decline a proposal for the actor's own listing; declining needs a listed reason.

    Enterprises decide the need side, universities and institutes the achievement side, each only
    for its own organisation's listing and only while both listings are published. Two sides
    deciding at once never overwrite each other: the second gets a ConflictError and retries.
    """
    note = (note or "").strip()
    if decision not in DECISIONS:
        raise ValidationError({"decision": "只能是 accept（接受）或 decline（不感兴趣）"})
    if decision == "decline" and reason not in DECLINE_REASONS:
        raise ValidationError({"reason": f"请选择原因：{'、'.join(DECLINE_REASONS.values())}"})
    if decision == "decline" and reason == "other" and not note:
        raise ValidationError({"note": "原因为“其他”时请填写说明"})
    if len(note) > 500:
        raise ValidationError({"note": "说明不超过 500 字"})
    with runtime.session_factory() as session:
        view = load_proposal(session, actor, proposal_id, Verb.DECIDE)
        p = view.proposal
        side = "need" if actor.role == Role.ENTERPRISE else "achievement"
        before: dict[str, Any] = {"status": p.status, f"{side}_decision": getattr(p, f"{side}_decision")}
        if p.status == ProposalStatus.CONVERTED:
            raise ConflictError("该推荐已转为对接项目，不能再更改", "status")
        value = ProposalStatus.ACCEPTED if decision == "accept" else ProposalStatus.DECLINED
        setattr(p, f"{side}_decision", value)
        setattr(p, f"{side}_reason", reason if decision == "decline" else "")
        setattr(p, f"{side}_note", note)
        p.status = _overall(p)
        p.decline_reason = (
            "；".join(
                f"{DECLINE_REASONS.get(r, r)}{('：' + n) if n else ''}"
                for d, r, n in (
                    (p.need_decision, p.need_reason, p.need_note),
                    (p.achievement_decision, p.achievement_reason, p.achievement_note),
                )
                if d == ProposalStatus.DECLINED
            )
            or ""
        )
        after = {"status": p.status, f"{side}_decision": value, "reason": reason, "note": note}
        record_audit(session, actor.username, f"proposal.{decision}", "proposal", p.id, before, after)
        _commit_or_conflict(session)
        return p


def _commit_or_conflict(session: Session) -> None:
    """Commit; a concurrent change of the same proposal (stale version) becomes a ConflictError."""
    try:
        session.commit()
    except StaleDataError:
        session.rollback()
        raise ConflictError("该推荐刚被他人更新，请刷新后重试", "version") from None


def pursue_proposal(runtime: Runtime, actor: Actor, proposal_id: int, pursued: bool = True) -> MatchProposal:
    """A technology manager marks (or unmarks) a proposal as worth pursuing."""
    with runtime.session_factory() as session:
        view = load_proposal(session, actor, proposal_id, Verb.PURSUE)
        p = view.proposal
        if p.pursued and p.pursued_by and p.pursued_by != actor.username:
            raise ConflictError(f"该推荐已由技术经理人 {p.pursued_by} 跟进", "pursued")
        if p.pursued != pursued:
            before = {"pursued": p.pursued, "pursued_by": p.pursued_by}
            p.pursued = pursued
            p.pursued_by = actor.username if pursued else ""
            record_audit(session, actor.username, "proposal.pursue", "proposal", p.id, before, {"pursued": pursued})
            _commit_or_conflict(session)
        return p


def pursued_proposals(session: Session, actor: Actor, limit: int = 100) -> list[ProposalView]:
    """Proposals the actor marked as worth pursuing, best first."""
    if not allowed(actor, Obj.PROPOSAL, Verb.PURSUE, Facts(published=True)):
        raise PermissionDeniedError("只有技术经理人可以查看跟进列表")
    rows = session.scalars(
        select(MatchProposal)
        .where(MatchProposal.pursued.is_(True), MatchProposal.pursued_by == actor.username)
        .order_by(MatchProposal.score.desc())
        .limit(limit)
    )
    out = []
    for p in rows:
        need, ach = session.get(Need, p.need_id), session.get(Achievement, p.achievement_id)
        # A listing closed or back under review since it was marked is no longer shown.
        if need is not None and ach is not None and allowed(actor, Obj.PROPOSAL, Verb.VIEW, proposal_facts(need, ach)):
            out.append(ProposalView(p, need, ach))
    return out
