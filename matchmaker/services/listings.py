"""Create and update needs and achievements; every change writes an audit event and the outbox."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Achievement, Need, Organization, enqueue, record_audit
from models.enums import ListingKind, ListingStatus, OutboxOperation

LISTING_MODELS: dict[str, type[Need] | type[Achievement]] = {
    ListingKind.NEED: Need,
    ListingKind.ACHIEVEMENT: Achievement,
}
NEED_FIELDS = (
    "title",
    "problem",
    "key_technology",
    "expected_target",
    "indicators",
    "keywords",
    "tech_field",
    "industry",
    "budget",
    "solution_modes",
    "valid_until",
    "contact",
)
ACHIEVEMENT_FIELDS = (
    "title",
    "summary",
    "keywords",
    "tech_field",
    "industries",
    "maturity",
    "trl",
    "ip_type",
    "ip_number",
    "ip_status",
    "cooperation_modes",
    "price",
    "price_negotiable",
    "contact",
)
# Import columns a stored field comes from (default: the column of the same name). A re-import
# only updates fields whose column the file has, so a partial file never wipes the rest.
FIELD_SOURCES: dict[str, tuple[str, ...]] = {
    "industries": ("industry",),
    "trl": ("trl", "maturity"),
    "price_negotiable": ("price",),
    "contact": ("contact", "contact_phone"),
    "region_code": ("region",),
    "region_text": ("region",),
    "organization_id": ("organization",),
}


def field_supplied(name: str, present: set[str] | None) -> bool:
    """True when the import file has a column feeding the field ``name`` (always when unknown)."""
    return present is None or any(c in present for c in FIELD_SOURCES.get(name, (name,)))


FIELDS: dict[str, tuple[str, ...]] = {ListingKind.NEED: NEED_FIELDS, ListingKind.ACHIEVEMENT: ACHIEVEMENT_FIELDS}


def find_listing(session: Session, kind: str, external_id: str) -> Need | Achievement | None:
    """The listing of ``kind`` with ``external_id``, or None."""
    model = LISTING_MODELS[kind]
    return cast(Need | Achievement | None, session.scalar(select(model).where(model.external_id == external_id)))


def save_listing(
    session: Session,
    kind: str,
    values: dict[str, Any],
    organization: Organization | None,
    region_code: str | None,
    status: str | None,
    actor: str,
    present: set[str] | None = None,
) -> tuple[Need | Achievement, str]:
    """Insert or update by external id; returns the listing and ``created|updated|unchanged``.

    New listings get ``status`` (default published). On update only the fields the file supplies
    (``present``, import column names) change, and the status only when ``status`` is given.
    Writes the audit event and the outbox row in the caller's transaction; does not commit.
    """
    model = LISTING_MODELS[kind]
    listing = find_listing(session, kind, values["external_id"])
    wanted: dict[str, Any] = {name: values.get(name) for name in FIELDS[kind]}
    wanted.update(
        organization_id=organization.id if organization else None,
        region_code=region_code,
        region_text=values.get("region", ""),
        status=status or ListingStatus.PUBLISHED,
    )
    for name in ("problem", "key_technology", "expected_target", "indicators", "summary"):
        if name in wanted and wanted[name] is None:
            wanted[name] = ""
    if listing is None:
        listing = model(external_id=values["external_id"], **wanted)
        listing.organization = organization
        session.add(listing)
        session.flush()
        record_audit(session, actor, f"{kind}.create", kind, listing.id, None, listing.snapshot())
        enqueue(session, kind, listing.id, OutboxOperation.UPSERT, listing.version)
        return listing, "created"
    if status is None:
        wanted.pop("status")
    wanted = {k: v for k, v in wanted.items() if k == "status" or field_supplied(k, present)}
    changed = {k: v for k, v in wanted.items() if getattr(listing, k) != v}
    if not changed:
        return listing, "unchanged"
    before = listing.snapshot()
    for name, value in changed.items():
        setattr(listing, name, value)
    if "organization_id" in changed:
        listing.organization = organization
    session.flush()
    after = listing.snapshot()
    after["changed_fields"] = sorted(changed)
    record_audit(session, actor, f"{kind}.update", kind, listing.id, before, after)
    enqueue(session, kind, listing.id, OutboxOperation.UPSERT, listing.version)
    return listing, "updated"


def delete_listing(session: Session, listing: Need | Achievement, actor: str) -> None:
    """Delete a listing, auditing it and queueing its removal from the index."""
    kind = ListingKind.NEED if isinstance(listing, Need) else ListingKind.ACHIEVEMENT
    record_audit(session, actor, f"{kind}.delete", kind, listing.id, listing.snapshot(), None)
    enqueue(session, kind, listing.id, OutboxOperation.DELETE, listing.version + 1)
    session.delete(listing)
    session.flush()
