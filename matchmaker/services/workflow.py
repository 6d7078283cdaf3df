"""Needs and achievements through their review workflow: post, edit, submit, review, close.

``draft → pending_review → published`` (or back to ``draft`` with the reviewer's comment), and
``closed`` by the owner at any time. Every function checks the policy, commits, writes the audit
trail and the outbox in the same transaction, then applies the outbox to the index (a failing
index never loses the change: ``matchmaker index sync`` catches up).
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from matchmaker.policy import Actor, Facts, Verb, allowed, can_see, is_published, region_prefix
from matchmaker.runtime import Runtime
from matchmaker.services.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from matchmaker.services.indexing import sync_index
from matchmaker.services.listings import LISTING_MODELS
from matchmaker.services.matching import match_listings
from models import Achievement, Need, Organization, Region, User, enqueue, record_audit
from models.enums import ListingKind, ListingStatus, OutboxOperation

log = logging.getLogger(__name__)

KIND_LABELS: dict[str, str] = {ListingKind.NEED: "需求", ListingKind.ACHIEVEMENT: "成果"}
Listing = Need | Achievement


def actor_for(user: User | None) -> Actor:
    """The policy's view of a user row (None or disabled: no role)."""
    if user is None or not user.is_active:
        return Actor(username=user.username if user else "anonymous", role=None)
    return Actor(user.username, user.role, user.organization_id, user.jurisdiction_code)


def listing_facts(listing: Listing) -> Facts:
    """Owner, region and publication of a listing, for the policy."""
    return Facts((listing.organization_id,), (listing.region_code,), is_published(listing.status))


def kind_of(listing: Listing) -> str:
    """``need`` or ``achievement``."""
    return ListingKind.NEED if isinstance(listing, Need) else ListingKind.ACHIEVEMENT


def _model(kind: str) -> type[Need] | type[Achievement]:
    try:
        return LISTING_MODELS[kind]
    except KeyError:
        raise NotFoundError(f"未知的类型：{kind}") from None


def load_listing(session: Session, actor: Actor, kind: str, listing_id: int, verb: str = Verb.VIEW) -> Listing:
    """The listing if ``actor`` may see it and do ``verb``.

    Raises NotFoundError when it does not exist or is invisible to the actor (no leak of drafts),
    PermissionDeniedError when visible but ``verb`` is not granted.
    """
    listing: Listing | None = session.get(_model(kind), listing_id)  # type: ignore[assignment]
    label = KIND_LABELS.get(kind, kind)
    if listing is None:
        raise NotFoundError(f"没有编号为 {listing_id} 的{label}")
    facts = listing_facts(listing)
    if not can_see(actor, kind, facts):
        raise NotFoundError(f"没有编号为 {listing_id} 的{label}")
    if verb != Verb.VIEW and not allowed(actor, kind, verb, facts):
        raise PermissionDeniedError(f"您没有权限对该{label}执行此操作")
    return listing


def _check_region(session: Session, values: dict[str, Any]) -> None:
    code = values.get("region_code")
    if code and session.get(Region, code) is None:
        raise ValidationError({"region_code": f"行政区划代码 {code} 不存在"})


def _after_commit(runtime: Runtime) -> None:
    """Apply the outbox now when configured; a failure leaves the work in the outbox."""
    if not runtime.config.INDEX_SYNC_INLINE:
        return
    try:
        sync_index(runtime)
    except Exception:  # the change is committed; `matchmaker index sync` retries
        log.exception("index sync after commit failed; the outbox keeps the work")


def _record(session: Session, actor: Actor, listing: Listing, action: str, before: dict[str, Any] | None) -> None:
    session.flush()
    kind = kind_of(listing)
    record_audit(session, actor.username, f"{kind}.{action}", kind, listing.id, before, listing.snapshot())
    enqueue(session, kind, listing.id, OutboxOperation.UPSERT, listing.version)


@dataclass(frozen=True)
class ListingRef:
    """What a caller needs after a change: the kind, id, status and version."""

    kind: str
    id: int
    status: str
    version: int


def _ref(listing: Listing) -> ListingRef:
    return ListingRef(kind_of(listing), listing.id, listing.status, listing.version)


def create_listing(runtime: Runtime, actor: Actor, kind: str, values: dict[str, Any]) -> ListingRef:
    """Post a new draft for the actor's organisation (parsed ``values``, see listing_input)."""
    model = _model(kind)
    if not allowed(actor, kind, Verb.CREATE):
        raise PermissionDeniedError(f"您没有权限发布{KIND_LABELS[kind]}")
    if actor.organization_id is None:
        raise ValidationError({"organization": "您的账户未关联单位，请联系管理员"})
    with runtime.session_factory() as session:
        _check_region(session, values)
        listing = model(external_id=f"web-{uuid.uuid4().hex[:12]}", status=ListingStatus.DRAFT, **values)
        listing.organization_id = actor.organization_id
        if not listing.region_code and listing.organization_id:
            org = session.get(Organization, listing.organization_id)
            listing.region_code = org.region_code if org else None
        session.add(listing)
        _record(session, actor, listing, "create", None)
        session.commit()
        ref = _ref(listing)
    _after_commit(runtime)
    return ref


def update_listing(
    runtime: Runtime,
    actor: Actor,
    kind: str,
    listing_id: int,
    values: dict[str, Any],
    expected_version: int | None = None,
) -> ListingRef:
    """Change fields of an own draft or published listing; a published one goes back to review.

    Raises ConflictError when the listing is under review or closed, or when
    ``expected_version`` is stale (someone else saved in between).
    """
    with runtime.session_factory() as session:
        listing = load_listing(session, actor, kind, listing_id, Verb.EDIT)
        if expected_version is not None and listing.version != expected_version:
            raise ConflictError("该条目已被他人修改，请刷新后重试", "version")
        if listing.status not in (ListingStatus.DRAFT, ListingStatus.PUBLISHED):
            raise ConflictError(f"当前状态（{listing.status}）不能修改", "status")
        _check_region(session, values)
        changed = {k: v for k, v in values.items() if getattr(listing, k) != v}
        if not changed:
            return _ref(listing)
        before = listing.snapshot()
        for name, value in changed.items():
            setattr(listing, name, value)
        if listing.status == ListingStatus.PUBLISHED:
            listing.status = ListingStatus.PENDING_REVIEW  # changed content is reviewed again
        _record(session, actor, listing, "update", before)
        session.commit()
        ref = _ref(listing)
    _after_commit(runtime)
    return ref


def _transition(
    runtime: Runtime,
    actor: Actor,
    kind: str,
    listing_id: int,
    verb: str,
    sources: tuple[str, ...],
    target: str,
    comment: str | None = None,
) -> tuple[ListingRef, str]:
    with runtime.session_factory() as session:
        listing = load_listing(session, actor, kind, listing_id, verb)
        if listing.status not in sources:
            raise ConflictError(f"当前状态（{listing.status}）不能执行该操作", "status")
        before = listing.snapshot()
        listing.status = target
        if comment is not None:
            listing.review_comment = comment
        _record(session, actor, listing, verb if target != ListingStatus.DRAFT else "return", before)
        session.commit()
        ref = _ref(listing)
        external_id = listing.external_id
    _after_commit(runtime)
    return ref, external_id


def submit_listing(runtime: Runtime, actor: Actor, kind: str, listing_id: int) -> ListingRef:
    """Send an own draft to the bureau's review queue."""
    ref, _ = _transition(
        runtime, actor, kind, listing_id, Verb.SUBMIT, (ListingStatus.DRAFT,), ListingStatus.PENDING_REVIEW
    )
    return ref


def close_listing(runtime: Runtime, actor: Actor, kind: str, listing_id: int) -> ListingRef:
    """Close an own listing (it leaves search and matching)."""
    sources = (ListingStatus.DRAFT, ListingStatus.PENDING_REVIEW, ListingStatus.PUBLISHED, ListingStatus.EXPIRED)
    ref, _ = _transition(runtime, actor, kind, listing_id, Verb.CLOSE, sources, ListingStatus.CLOSED)
    return ref


REVIEW_DECISIONS = ("publish", "return")


def review_listing(
    runtime: Runtime, actor: Actor, kind: str, listing_id: int, decision: str, comment: str = ""
) -> ListingRef:
    """Publish a listing under review, or return it to its owner with a comment (required).

    A published listing is matched at once, so its proposals are waiting for its owner.
    """
    comment = (comment or "").strip()
    if decision not in REVIEW_DECISIONS:
        raise ValidationError({"decision": "审核结论只能是 publish（通过发布）或 return（退回修改）"})
    if decision == "return" and not comment:
        raise ValidationError({"comment": "退回时必须填写审核意见"})
    if len(comment) > 1000:
        raise ValidationError({"comment": "审核意见不超过 1000 字"})
    target = ListingStatus.PUBLISHED if decision == "publish" else ListingStatus.DRAFT
    ref, external_id = _transition(
        runtime, actor, kind, listing_id, Verb.REVIEW, (ListingStatus.PENDING_REVIEW,), target, comment
    )
    if target == ListingStatus.PUBLISHED:
        _match_quietly(runtime, kind, external_id, actor)
    return ref


def _match_quietly(runtime: Runtime, kind: str, external_id: str, actor: Actor) -> None:
    try:
        match_listings(runtime, kind, [external_id], top=10, actor=actor.username)
    except Exception:  # publishing succeeded; proposals can be refreshed from the listing page
        log.exception("matching after publication failed for %s %s", kind, external_id)


@dataclass
class Page:
    """One page of a list, with what a pager needs."""

    items: list[Any]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """Number of pages (at least 1)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        """True when a previous page exists."""
        return self.page > 1

    @property
    def has_next(self) -> bool:
        """True when a next page exists."""
        return self.page < self.pages


@dataclass(frozen=True)
class ListingQuery:
    """Filters of a listing list; ``scope`` is mine, published, review or all."""

    scope: str = "published"
    status: str | None = None
    region_code: str | None = None
    tech_field: str | None = None
    industry: str | None = None
    maturity: str | None = None
    mode: str | None = None
    q: str | None = None


SCOPES = ("mine", "published", "review", "all")


def list_listings(
    session: Session, actor: Actor, kind: str, query: ListingQuery, page: int = 1, per_page: int = 20
) -> Page:
    """Listings the actor may see in ``query.scope``, newest first, filtered and paged.

    ``mine``: the actor's organisation, any status. ``published``: everything published.
    ``review``: bureau staff's queue of listings under review in their jurisdiction.
    ``all``: every status, for whoever may OVERSEE (limited to the actor's jurisdiction, if any).
    """
    model = _model(kind)
    if query.scope not in SCOPES:
        raise ValidationError({"scope": f"未知的范围：{query.scope}"})
    if not allowed(actor, kind, Verb.LIST):
        raise PermissionDeniedError("您没有权限查看该列表")
    stmt = select(model)
    if query.scope == "mine":
        if actor.organization_id is None:
            return Page([], 0, page, per_page)
        stmt = stmt.where(model.organization_id == actor.organization_id)
    elif query.scope == "published":
        stmt = stmt.where(model.status == ListingStatus.PUBLISHED)
    elif query.scope == "review":
        if not allowed(actor, kind, Verb.REVIEW, Facts(region_codes=(actor.jurisdiction_code,))):
            raise PermissionDeniedError("只有科技局用户可以审核")
        stmt = stmt.where(
            model.status == ListingStatus.PENDING_REVIEW,
            model.region_code.startswith(region_prefix(actor.jurisdiction_code or ""), autoescape=True),
        )
    else:
        if not allowed(actor, kind, Verb.OVERSEE):
            raise PermissionDeniedError("您没有权限查看全部条目")
        if actor.jurisdiction_code:
            stmt = stmt.where(model.region_code.startswith(region_prefix(actor.jurisdiction_code), autoescape=True))
    stmt = _filtered(stmt, model, query)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page = max(1, page)
    rows = session.scalars(
        stmt.order_by(model.updated_at.desc(), model.id.desc()).offset((page - 1) * per_page).limit(per_page)
    )
    return Page(list(rows.unique()), total, page, per_page)


def _json_has(column: Any, value: str) -> Any:
    """A JSON list column containing ``value`` (its serialised form, on SQLite and PostgreSQL)."""
    return cast(column, String).contains(json.dumps(value), autoescape=True)


def _filtered(stmt: Any, model: type[Need] | type[Achievement], query: ListingQuery) -> Any:
    if query.status:
        stmt = stmt.where(model.status == query.status)
    if query.region_code:
        stmt = stmt.where(model.region_code.startswith(region_prefix(query.region_code), autoescape=True))
    if query.tech_field:
        stmt = stmt.where(model.tech_field == query.tech_field)
    if query.q:
        stmt = stmt.where(model.title.contains(query.q, autoescape=True))
    if model is Need:
        if query.industry:
            stmt = stmt.where(Need.industry == query.industry)
        if query.mode:
            stmt = stmt.where(_json_has(Need.solution_modes, query.mode))
    else:
        if query.industry:
            stmt = stmt.where(_json_has(Achievement.industries, query.industry))
        if query.maturity:
            stmt = stmt.where(Achievement.maturity == query.maturity)
        if query.mode:
            stmt = stmt.where(_json_has(Achievement.cooperation_modes, query.mode))
    return stmt
