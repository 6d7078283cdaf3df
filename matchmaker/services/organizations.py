"""Organisations: match by name or create, with audit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaker.importing.fields import normalise_org_name as normalise_name
from models import Organization, record_audit


def org_snapshot(org: Organization) -> dict[str, Any]:
    """Plain-data view for audit events."""
    return {
        "name": org.name,
        "kind": org.kind,
        "credit_code": org.credit_code,
        "region_code": org.region_code,
        "is_high_tech": org.is_high_tech,
        "is_tech_sme": org.is_tech_sme,
    }


def find_organization(session: Session, name: str) -> Organization | None:
    """The organisation called ``name`` (normalised), or None."""
    return session.scalar(select(Organization).where(Organization.name == normalise_name(name)))


def get_or_create_organization(
    session: Session, name: str, kind: str, region_code: str | None, region_text: str, actor: str
) -> tuple[Organization, bool]:
    """Match an organisation by name or create it; returns (organisation, created)."""
    org = find_organization(session, name)
    if org is not None:
        return org, False
    org = Organization(name=normalise_name(name), kind=kind, region_code=region_code, region_text=region_text)
    session.add(org)
    session.flush()
    record_audit(session, actor, "organization.create", "organization", org.id, None, org_snapshot(org))
    return org, True


def save_organization(
    session: Session, values: dict[str, Any], region_code: str | None, actor: str, present: set[str] | None = None
) -> tuple[Organization, str]:
    """Insert or update an organisation by name; returns it and ``created|updated|unchanged``.

    On update only the fields whose column the file has (``present``) change.
    """
    org = find_organization(session, values["name"])
    wanted = {
        "kind": values["kind"],
        "region_code": region_code,
        "region_text": values.get("region", ""),
        "is_high_tech": bool(values.get("is_high_tech")),
        "is_tech_sme": bool(values.get("is_tech_sme")),
    }
    if values.get("credit_code"):
        wanted["credit_code"] = values["credit_code"]
    if org is None:
        org = Organization(name=normalise_name(values["name"]), **wanted)
        session.add(org)
        session.flush()
        record_audit(session, actor, "organization.create", "organization", org.id, None, org_snapshot(org))
        return org, "created"
    sources = {"region_code": "region", "region_text": "region"}
    if present is not None:
        wanted = {k: v for k, v in wanted.items() if sources.get(k, k) in present}
    changed = {k: v for k, v in wanted.items() if getattr(org, k) != v}
    if not changed:
        return org, "unchanged"
    before = org_snapshot(org)
    for k, v in changed.items():
        setattr(org, k, v)
    session.flush()
    record_audit(session, actor, "organization.update", "organization", org.id, before, org_snapshot(org))
    return org, "updated"
