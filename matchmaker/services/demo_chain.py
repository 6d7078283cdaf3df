"""Demo data for the chain after matching: a register of past technology contracts, the county
targets of this year and a few deals on the demo broker's board.

The register is generated from the demo organisations and achievements (deterministic for a given
day) and goes in through ``matchmaker import contracts``' own code, so it obeys every registration
rule; its dates run from 1 January of last year to a few days ago, so that the statistics of this
year and of last year both have figures. Everything here is idempotent: a second run adds nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import tempfile
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from matchmaker.policy import Actor
from matchmaker.runtime import Runtime
from matchmaker.services.contract_import import IMPORTER, import_contracts
from matchmaker.services.deals import DealInput, move_deal, open_deal
from matchmaker.services.statistics import set_target
from matchmaker.services.workflow import actor_for
from models import Achievement, Contract, Deal, MatchProposal, Need, Organization, RegionTarget, User
from models.base import CHINA_TZ
from models.enums import TECH_FIELDS, ContractType, DealStage, IpType, ListingStatus, ProposalStatus, Role

DEMO_SEED = 2026
REGISTER_SIZE = 240
LOCAL_SELLERS, LOCAL_BUYERS = 0.3, 0.5  # shares of the demo city's enterprises as sellers and buyers
DEMO_CITY = "140600"  # 朔州市, the demo bureau's jurisdiction
# Yearly targets of the demo city and its counties: (技术合同成交额 in yuan, 技术合同登记数).
TARGETS: dict[str, tuple[Decimal, int]] = {
    "140600": (Decimal("28000000.00"), 40),
    "140602": (Decimal("3000000.00"), 12),
    "140603": (Decimal("2500000.00"), 5),
    "140621": (Decimal("5000000.00"), 12),
    "140622": (Decimal("2000000.00"), 3),
    "140623": (Decimal("10000000.00"), 8),
    "140681": (Decimal("6000000.00"), 8),
}
TYPE_WEIGHTS = {
    ContractType.DEVELOPMENT_COMMISSIONED: 30,
    ContractType.DEVELOPMENT_COOPERATIVE: 10,
    ContractType.TRANSFER: 15,
    ContractType.LICENSE: 5,
    ContractType.CONSULTING: 10,
    ContractType.SERVICE: 30,
}
TYPE_SUFFIX = {
    ContractType.DEVELOPMENT_COMMISSIONED: "委托开发",
    ContractType.DEVELOPMENT_COOPERATIVE: "合作开发",
    ContractType.TRANSFER: "技术转让",
    ContractType.LICENSE: "技术许可",
    ContractType.CONSULTING: "技术咨询",
    ContractType.SERVICE: "技术服务",
}
DEAL_STAGES = (DealStage.RECOMMENDED, DealStage.CONTACTED, DealStage.NEGOTIATING, DealStage.SIGNED)
DEAL_NOTES = {
    DealStage.CONTACTED: "已电话联系双方，约定现场考察",
    DealStage.NEGOTIATING: "双方就许可费和技术服务期限进行磋商",
    DealStage.SIGNED: "合同已签订，待提交技术合同登记",
}


@dataclass(frozen=True)
class ChainReport:
    """What the demo chain added (zeros on a second run)."""

    contracts: int
    targets: int
    deals: int


@dataclass(frozen=True)
class _Party:
    name: str
    nature: str
    region_code: str


def _fen_text(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _amount_fen(rng: random.Random) -> int:
    """A contract total in fen: mostly 50,000–2,000,000 yuan, now and then one above 5,000,000."""
    if rng.random() < 0.03:
        return rng.randrange(500_000_000, 900_000_000)
    return int(rng.lognormvariate(12.6, 0.8) * 100) // 100 * 100 + rng.choice((0, 0, 0, 50, 25))


Seller = tuple["_Party", list[tuple[str, str]]]


def register_rows(
    research: list[Seller], local: list[_Party], buyers: list[_Party], today: dt.date, size: int = REGISTER_SIZE
) -> list[dict[str, str]]:
    """A register of ``size`` contracts registered from 1 January of last year to three days before ``today``.

    ``research`` pairs universities and institutes with their achievements as (title, tech field);
    ``local`` are the demo city's enterprises, ``buyers`` all enterprises. About a third of the
    contracts are sold by local enterprises (the city's 技术输出) and half are bought by them
    (技术吸纳). Numbers run per registering office (the seller's city) and year in registration order.
    """
    rng = random.Random(f"{DEMO_SEED}-{today.isoformat()}")
    first, last = dt.date(today.year - 1, 1, 1), today - dt.timedelta(days=3)
    span = max((last - first).days, 1)
    days = sorted(first + dt.timedelta(days=rng.randrange(span + 1)) for _ in range(size))
    types, weights = list(TYPE_WEIGHTS), list(TYPE_WEIGHTS.values())
    sequence: Counter[tuple[str, int]] = Counter()
    rows: list[dict[str, str]] = []
    for registered_on in days:
        seller, achievements = (rng.choice(local), []) if rng.random() < LOCAL_SELLERS else rng.choice(research)
        pool = local if rng.random() < LOCAL_BUYERS else buyers
        buyer = rng.choice([b for b in pool if b.name != seller.name] or [b for b in buyers if b.name != seller.name])
        kind = rng.choices(types, weights)[0]
        title, field = rng.choice(achievements) if achievements else ("工艺技术", rng.choice(TECH_FIELDS))
        total = _amount_fen(rng)
        tech = total if kind in (ContractType.TRANSFER, ContractType.LICENSE) else total * rng.randint(60, 100) // 100
        signed_on = registered_on - dt.timedelta(days=rng.randint(2, 40))
        office = seller.region_code[:4] + "00"
        sequence[(office, registered_on.year)] += 1
        ip = IpType.INVENTION_PATENT if kind in (ContractType.TRANSFER, ContractType.LICENSE) else IpType.NONE
        rows.append(
            {
                "registration_number": f"{registered_on.year:04d}{office}{sequence[(office, registered_on.year)]:06d}",
                "project_name": f"{title[:60]}{TYPE_SUFFIX[kind]}",
                "contract_type": kind.value,
                "tech_field": field if field in TECH_FIELDS else rng.choice(TECH_FIELDS),
                "ip_type": ip.value,
                "buyer_name": buyer.name,
                "buyer_region_code": buyer.region_code,
                "buyer_nature": buyer.nature,
                "seller_name": seller.name,
                "seller_region_code": seller.region_code,
                "seller_nature": seller.nature,
                "total_amount": _fen_text(total),
                "tech_transaction_amount": _fen_text(tech),
                "signed_on": signed_on.isoformat(),
                "valid_from": signed_on.isoformat(),
                "valid_to": (signed_on + dt.timedelta(days=365 * rng.randint(1, 3))).isoformat(),
                "registered_on": registered_on.isoformat(),
            }
        )
    return rows


def _parties(runtime: Runtime) -> tuple[list[Seller], list[_Party], list[_Party]]:
    """Universities and institutes with their achievements, the demo city's enterprises, all enterprises."""
    with runtime.session_factory() as session:
        orgs = session.scalars(
            select(Organization).where(Organization.region_code.is_not(None)).order_by(Organization.name)
        ).all()
        works: dict[int, list[tuple[str, str]]] = {}
        for org_id, title, field in session.execute(
            select(Achievement.organization_id, Achievement.title, Achievement.tech_field).order_by(Achievement.id)
        ):
            if org_id is not None:
                works.setdefault(org_id, []).append((title, field))
    nature = {"university": "university", "institute": "institute"}
    parties = [(o, _Party(o.name, nature.get(o.kind, "enterprise"), str(o.region_code))) for o in orgs]
    research = [(p, works[o.id]) for o, p in parties if o.kind in nature and works.get(o.id)]
    enterprises = [p for o, p in parties if o.kind == "enterprise"]
    local = [p for p in enterprises if p.region_code.startswith(DEMO_CITY[:4])]
    return research, local, enterprises


def load_register(runtime: Runtime, today: dt.date | None = None) -> int:
    """Import the generated register unless one was imported before; how many contracts it added."""
    today = today or dt.datetime.now(CHINA_TZ).date()
    with runtime.session_factory() as session:
        if session.scalar(select(Contract.id).where(Contract.submitted_by == IMPORTER).limit(1)) is not None:
            return 0
    research, local, buyers = _parties(runtime)
    if not research or len(local) < 2:
        return 0
    rows = register_rows(research, local, buyers, today)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "演示技术合同登记台账.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        report = import_contracts(runtime, path, today=today)
    return int(report.outcomes.get("created", 0))


def set_demo_targets(runtime: Runtime, year: int) -> int:
    """This year's targets of the demo city and its counties (kept when a bureau has set its own)."""
    actor = Actor("demo", Role.ADMIN)
    added = 0
    with runtime.session_factory() as session:
        keys = select(RegionTarget.region_code, RegionTarget.metric).where(RegionTarget.year == year)
        existing = {(region, metric) for region, metric in session.execute(keys)}
        for region, (amount, count) in TARGETS.items():
            for metric, value in (("tech_contract_amount", amount), ("contract_count", Decimal(count))):
                if (region, metric) not in existing:
                    set_target(session, actor, region, year, metric, value)
                    added += 1
        session.commit()
    return added


def open_demo_deals(runtime: Runtime) -> int:
    """Four deals of the demo broker, one per open stage, from the best proposals of needs in the
    demo city that belong to no demo account (the demo accounts' own needs stay free to try)."""
    with runtime.session_factory() as session:
        broker = session.scalar(select(User).where(User.username == "broker", User.role == Role.BROKER))
        if broker is None or session.scalar(select(func.count(Deal.id)).where(Deal.broker_id == broker.id)):
            return 0
        demo_orgs = {u.organization_id for u in session.scalars(select(User).where(User.is_demo.is_(True)))}
        candidates = session.execute(
            select(MatchProposal.id, Need.id, Need.organization_id)
            .join(Need, Need.id == MatchProposal.need_id)
            .join(Achievement, Achievement.id == MatchProposal.achievement_id)
            .where(
                Need.status == ListingStatus.PUBLISHED,
                Achievement.status == ListingStatus.PUBLISHED,
                Need.region_code.startswith(DEMO_CITY[:4]),
                MatchProposal.status == ProposalStatus.PROPOSED,
            )
            .order_by(Need.external_id, MatchProposal.score.desc())
        ).all()
        picked: list[int] = []
        needs: set[int] = set()
        for proposal_id, need_id, org_id in candidates:
            if org_id not in demo_orgs and need_id not in needs:
                picked.append(proposal_id)
                needs.add(need_id)
        actor = actor_for(broker)
        for proposal_id, stage in zip(picked, DEAL_STAGES, strict=False):
            deal = open_deal(session, actor, DealInput(proposal_id=proposal_id, note="演示：由匹配推荐建立"))
            for step in DEAL_STAGES[1 : DEAL_STAGES.index(stage) + 1]:
                move_deal(session, actor, deal.id, step, DEAL_NOTES[step])
        session.commit()
        return min(len(picked), len(DEAL_STAGES))


def load_chain(runtime: Runtime, today: dt.date | None = None) -> ChainReport:
    """The register, this year's targets and the broker's deals (each skipped when already there)."""
    today = today or dt.datetime.now(CHINA_TZ).date()
    return ChainReport(load_register(runtime, today), set_demo_targets(runtime, today.year), open_demo_deals(runtime))
