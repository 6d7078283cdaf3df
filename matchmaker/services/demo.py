"""Load the demo data set: organisations, achievements, needs and one account per role."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from matchmaker.runtime import Runtime
from matchmaker.services.demo_chain import ChainReport, load_chain
from matchmaker.services.imports import ImportReport, import_file
from matchmaker.services.indexing import rebuild, sync_index
from matchmaker.services.matching import match_listings
from matchmaker.services.organizations import get_or_create_organization
from models import Achievement, Need, Organization, User, enqueue, record_audit
from models.enums import ListingKind, ListingStatus, OutboxOperation, Role

DEMO_PASSWORD = "demo-password"
DEMO_PACKAGE = "matchmaker.resources.demo"


@dataclass(frozen=True)
class DemoAccount:
    """A demo login."""

    username: str
    role: str
    display_name: str
    organization: str | None = None
    jurisdiction: str | None = None


DEMO_ACCOUNTS = (
    DemoAccount("enterprise", Role.ENTERPRISE, "企业用户（演示）"),
    DemoAccount("enterprise2", Role.ENTERPRISE, "企业用户二（演示）"),
    DemoAccount("research", Role.RESEARCH, "高校科研人员（演示）", "太原理工大学"),
    DemoAccount("broker", Role.BROKER, "技术经理人（演示）", "山西省技术市场服务中心"),
    DemoAccount("bureau", Role.BUREAU, "科技局工作人员（演示）", "朔州市科学技术局", "140600"),
    DemoAccount("admin", Role.ADMIN, "系统管理员（演示）"),
)


@dataclass
class DemoReport:
    """What ``demo`` loaded."""

    imports: list[ImportReport] = field(default_factory=list)
    accounts: list[DemoAccount] = field(default_factory=list)
    indexed: int = 0
    pending_review: int = 0
    proposals: int = 0
    chain: ChainReport | None = None


def demo_file(name: str) -> Path:
    """Path of a demo data file shipped in the package."""
    return Path(str(resources.files(DEMO_PACKAGE).joinpath(name)))


def _enterprise_names(runtime: Runtime) -> list[str]:
    with runtime.session_factory() as session:
        rows = session.execute(
            select(Organization.name)
            .join(Need, Need.organization_id == Organization.id)
            .group_by(Organization.name)
            .order_by(Organization.name)
        ).all()
    return [r[0] for r in rows]


def create_demo_accounts(runtime: Runtime, actor: str = "demo") -> list[DemoAccount]:
    """Create (or reset) one account per role with the demo password."""
    enterprises = _enterprise_names(runtime)
    accounts: list[DemoAccount] = []
    with runtime.session_factory() as session:
        for i, account in enumerate(DEMO_ACCOUNTS):
            org_name = account.organization
            if account.role == Role.ENTERPRISE and enterprises:
                org_name = enterprises[min(i, len(enterprises) - 1)]
            org_id = None
            if org_name:
                kind = {"research": "university", "broker": "agency", "bureau": "bureau"}.get(
                    account.role, "enterprise"
                )
                org, _ = get_or_create_organization(session, org_name, kind, account.jurisdiction, "", actor)
                org_id = org.id
            user = session.scalar(select(User).where(User.username == account.username))
            if user is None:
                user = User(username=account.username, password_hash="", display_name="", role="")
                session.add(user)
            user.password_hash = generate_password_hash(DEMO_PASSWORD)
            user.display_name = account.display_name
            user.role = account.role
            user.organization_id = org_id
            user.jurisdiction_code = account.jurisdiction
            user.is_active = True
            user.is_demo = True
            session.flush()
            record_audit(
                session,
                actor,
                "user.demo_reset",
                "user",
                user.id,
                None,
                {"username": user.username, "role": user.role},
            )
            accounts.append(
                DemoAccount(
                    account.username,
                    account.role,
                    account.display_name,
                    org_name,
                    account.jurisdiction,
                )
            )
        session.commit()
    return accounts


def load_demo(
    runtime: Runtime,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
    chain: bool = True,
) -> DemoReport:
    """Import the demo files, create the demo accounts, rebuild the index, store proposals, then
    (unless ``chain`` is False) the register of past contracts, this year's targets and the broker's deals."""
    report = DemoReport()
    for kind, name in (
        ("organization", "organizations.jsonl"),
        ("achievement", "achievements.jsonl"),
        ("need", "needs.jsonl"),
    ):
        report.imports.append(import_file(runtime, kind, demo_file(name), actor="demo", sync=False))
    report.accounts = create_demo_accounts(runtime)
    report.indexed = rebuild(runtime, progress=progress, on_total=on_total).upserted
    report.pending_review = stage_review_queue(runtime)
    report.proposals = match_published_needs(runtime)
    report.chain = load_chain(runtime) if chain else None
    return report


def demo_accounts_present(runtime: Runtime) -> list[str]:
    """User names of the active demo accounts in the database, in role order."""
    names = [a.username for a in DEMO_ACCOUNTS]
    with runtime.session_factory() as session:
        found = set(session.scalars(select(User.username).where(User.is_demo.is_(True), User.is_active.is_(True))))
    return [n for n in names if n in found]


REVIEW_QUEUE_SIZE = 3


def stage_review_queue(runtime: Runtime, jurisdiction_prefix: str = "1406", size: int = REVIEW_QUEUE_SIZE) -> int:
    """Put a few needs of the demo bureau's jurisdiction under review, so its queue is not empty.

    Idempotent: only tops the queue up to ``size``, so running the demo again does not grow it.
    """
    with runtime.session_factory() as session:
        waiting = session.scalar(
            select(func.count())
            .select_from(Need)
            .where(Need.region_code.startswith(jurisdiction_prefix), Need.status == ListingStatus.PENDING_REVIEW)
        )
        size = max(0, size - (waiting or 0))
        demo_orgs = {u.organization_id for u in session.scalars(select(User).where(User.is_demo.is_(True)))}
        needs = session.scalars(
            select(Need)
            .where(Need.region_code.startswith(jurisdiction_prefix), Need.status == ListingStatus.PUBLISHED)
            .order_by(Need.external_id.desc())
        ).all()
        staged = [n for n in needs if n.organization_id not in demo_orgs][:size]
        for need in staged:
            before = need.snapshot()
            need.status = ListingStatus.PENDING_REVIEW
            session.flush()
            record_audit(session, "demo", "need.submit", ListingKind.NEED, need.id, before, need.snapshot())
            enqueue(session, ListingKind.NEED, need.id, OutboxOperation.UPSERT, need.version)
        session.commit()
    sync_index(runtime)
    return len(staged)


def match_published_needs(runtime: Runtime, top: int = 10) -> int:
    """Store proposals for every published need, so every demo account has explained matches to see."""
    with runtime.session_factory() as session:
        ids = list(session.scalars(select(Need.external_id).where(Need.status == ListingStatus.PUBLISHED)))
        has_achievements = session.scalar(select(Achievement.id).limit(1)) is not None
    if not ids or not has_achievements:
        return 0
    results = match_listings(runtime, ListingKind.NEED, ids, top=top, actor="demo")
    return sum(len(r.results) for r in results)
