"""Administration of organisations: list with counts, create, edit (credit code checked, renames re-indexed).

Every change checks the policy, validates naming the field that is wrong, writes the audit trail
with before/after snapshots and commits.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from matchmaker.importing.fields import norm, normalise_org_name
from matchmaker.policy import Actor, Obj, Verb
from matchmaker.runtime import Runtime
from matchmaker.services.admin import clean_text, commit_unique, require_admin
from matchmaker.services.errors import ConflictError, NotFoundError, ValidationError
from matchmaker.services.indexing import sync_index
from matchmaker.services.organizations import org_snapshot
from matchmaker.services.workflow import Page
from models import Achievement, Need, Organization, Region, User, enqueue, is_valid_credit_code, record_audit
from models.enums import ListingKind, OrganizationKind, OutboxOperation

log = logging.getLogger(__name__)

ORG_NAME_MAX = 200

ORG_KIND_LABELS: dict[str, str] = {
    OrganizationKind.ENTERPRISE: "企业",
    OrganizationKind.UNIVERSITY: "高校",
    OrganizationKind.INSTITUTE: "科研院所",
    OrganizationKind.BUREAU: "科技局",
    OrganizationKind.AGENCY: "服务机构",
}


@dataclass(frozen=True)
class OrganizationQuery:
    """Filters of the organisation list (None: no filter)."""

    kind: str | None = None
    q: str | None = None


@dataclass(frozen=True)
class OrganizationRow:
    """One organisation with the number of its users, needs and achievements."""

    id: int
    name: str
    kind: str
    credit_code: str | None
    region_code: str | None
    region_text: str | None
    is_high_tech: bool
    is_tech_sme: bool
    users: int = 0
    needs: int = 0
    achievements: int = 0


def _counts(session: Session, model: Any, org_ids: list[int]) -> dict[int, int]:
    rows = session.execute(
        select(model.organization_id, func.count())
        .where(model.organization_id.in_(org_ids))
        .group_by(model.organization_id)
    )
    return {org_id: count for org_id, count in rows}


def _org_row(org: Organization, users: int = 0, needs: int = 0, achievements: int = 0) -> OrganizationRow:
    return OrganizationRow(
        org.id,
        org.name,
        org.kind,
        org.credit_code,
        org.region_code,
        org.region_text,
        org.is_high_tech,
        org.is_tech_sme,
        users,
        needs,
        achievements,
    )


def list_organizations(
    session: Session, actor: Actor, query: OrganizationQuery, page: int = 1, per_page: int = 20
) -> Page:
    """Organisations matching ``query`` (text in name or credit code), by name, paged, with counts."""
    require_admin(actor, Obj.ORGANIZATION, Verb.LIST)
    stmt = select(Organization)
    if query.kind:
        stmt = stmt.where(Organization.kind == query.kind)
    if query.q:
        stmt = stmt.where(
            or_(
                Organization.name.contains(query.q, autoescape=True),
                Organization.credit_code.contains(query.q.upper(), autoescape=True),
            )
        )
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page = max(1, page)
    orgs = list(
        session.scalars(stmt.order_by(Organization.name, Organization.id).offset((page - 1) * per_page).limit(per_page))
    )
    ids = [o.id for o in orgs]
    users, needs, achievements = (_counts(session, m, ids) for m in (User, Need, Achievement))
    rows = [_org_row(o, users.get(o.id, 0), needs.get(o.id, 0), achievements.get(o.id, 0)) for o in orgs]
    return Page(rows, total, page, per_page)


def get_organization(session: Session, actor: Actor, org_id: int) -> OrganizationRow:
    """One organisation for the edit page."""
    require_admin(actor, Obj.ORGANIZATION, Verb.VIEW)
    org = session.get(Organization, org_id)
    if org is None:
        raise NotFoundError(f"没有编号为 {org_id} 的单位")
    return _org_row(org)


def _org_values(session: Session, values: dict[str, Any], org_id: int | None) -> dict[str, Any]:
    """Validated, normalised organisation fields; raises ValidationError or ConflictError."""
    errors: dict[str, str] = {}
    name = normalise_org_name(clean_text(values.get("name")))
    if not name:
        errors["name"] = "单位名称不能为空"
    elif len(name) > ORG_NAME_MAX:
        errors["name"] = f"单位名称最多 {ORG_NAME_MAX} 字"
    kind = clean_text(values.get("kind"))
    if kind not in ORG_KIND_LABELS:
        errors["kind"] = "请选择单位类型"
    code = re.sub(r"\s+", "", norm(values.get("credit_code") or "")).upper() or None
    if code and not is_valid_credit_code(code):
        errors["credit_code"] = "统一社会信用代码无效（应为 18 位且校验位正确）"
    region = clean_text(values.get("region_code")) or None
    if region and session.get(Region, region) is None:
        errors["region_code"] = f"行政区划代码 {region} 不存在"
    if errors:
        raise ValidationError(errors)
    clash = session.scalar(select(Organization.id).where(Organization.name == name, Organization.id != org_id))
    if clash is not None:
        raise ConflictError(f"已有名为“{name}”的单位", "name")
    if code:
        clash = session.scalar(
            select(Organization.id).where(Organization.credit_code == code, Organization.id != org_id)
        )
        if clash is not None:
            raise ConflictError(f"统一社会信用代码 {code} 已被其他单位使用", "credit_code")
    return {
        "name": name,
        "kind": kind,
        "credit_code": code,
        "region_code": region,
        "is_high_tech": bool(values.get("is_high_tech")),
        "is_tech_sme": bool(values.get("is_tech_sme")),
    }


def create_organization(runtime: Runtime, actor: Actor, values: dict[str, Any]) -> int:
    """Create an organisation from form values; returns its id."""
    require_admin(actor, Obj.ORGANIZATION, Verb.CREATE)
    with runtime.session_factory() as session:
        wanted = _org_values(session, values, None)
        org = Organization(**wanted)
        if wanted["region_code"]:
            org.region_text = runtime.region_resolver().full_name(wanted["region_code"])
        session.add(org)
        session.flush()
        record_audit(session, actor.username, "organization.create", "organization", org.id, None, org_snapshot(org))
        org_id = org.id
        commit_unique(session, "name", "单位名称或统一社会信用代码已存在")
    return org_id


def update_organization(runtime: Runtime, actor: Actor, org_id: int, values: dict[str, Any]) -> bool:
    """Change an organisation; returns whether anything changed. A rename re-indexes its listings."""
    require_admin(actor, Obj.ORGANIZATION, Verb.MANAGE)
    with runtime.session_factory() as session:
        org = session.get(Organization, org_id)
        if org is None:
            raise NotFoundError(f"没有编号为 {org_id} 的单位")
        wanted = _org_values(session, values, org.id)
        changed = {k: v for k, v in wanted.items() if getattr(org, k) != v}
        if not changed:
            return False
        before = org_snapshot(org)
        for k, v in changed.items():
            setattr(org, k, v)
        if "region_code" in changed:
            org.region_text = runtime.region_resolver().full_name(org.region_code) if org.region_code else None
        renamed = "name" in changed
        if renamed:
            for kind, model in ((ListingKind.NEED, Need), (ListingKind.ACHIEVEMENT, Achievement)):
                for listing_id, version in session.execute(
                    select(model.id, model.version).where(model.organization_id == org.id)
                ):
                    enqueue(session, kind, listing_id, OutboxOperation.UPSERT, version)
        session.flush()
        record_audit(session, actor.username, "organization.update", "organization", org.id, before, org_snapshot(org))
        commit_unique(session, "name", "单位名称或统一社会信用代码已存在")
    if renamed and runtime.config.INDEX_SYNC_INLINE:
        try:
            sync_index(runtime)
        except Exception:  # the change is committed; `matchmaker index sync` retries
            log.exception("index sync after renaming organisation %s failed; the outbox keeps the work", org_id)
    return True
