"""Region statistics against sums computed independently in Python, on SQLite and on PostgreSQL.

One dataset: listings, proposals and deals in several stages across 怀仁市 (140681) and 朔城区
(140602) of 朔州市, 小店区 (140105) of 太原市 and 朝阳区 (110105) of Beijing; contracts
registered, rejected, revoked, pending and amended, with awkward amounts (0.01, 9,999,999.99),
registered exactly on and just outside the bounds of the first quarter of 2026 (China time).
The expected figures come from iterating every row in Python, never from the service's queries.
"""

from __future__ import annotations

import datetime as dt
import statistics as pystats
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from sqlalchemy import select

from matchmaker.policy import Actor, region_prefix
from matchmaker.runtime import Runtime
from matchmaker.services.accounts import create_user
from matchmaker.services.contract_input import parse_contract
from matchmaker.services.contracts import amend_contract, register_contract, reject_contract, revoke_contract
from matchmaker.services.contracts import submit_contract as submit_service
from matchmaker.services.deals import DealInput, move_deal, open_deal
from matchmaker.services.errors import PermissionDeniedError, ValidationError
from matchmaker.services.statistics import RegionStats, region_statistics, set_target
from models import Achievement, AuditEvent, Contract, Deal, MatchProposal, Need, RegionTarget
from models.enums import ContractType, DealStage, ListingStatus
from tests.factories import contract_body

CST = dt.timezone(dt.timedelta(hours=8))
Q1 = (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
HUAIREN, SHUOCHENG, XIAODIAN, CHAOYANG = "140681", "140602", "140105", "110105"
BROKER = Actor("broker1", "broker")
ADMIN = Actor("admin1", "admin")
# Two reviewers per registering office: contracts of 5,000,000 yuan or more need both.
OFFICES = {
    "1406": (Actor("sz1", "bureau", jurisdiction_code="140600"), Actor("sz2", "bureau", jurisdiction_code="140600")),
    "1401": (Actor("ty1", "bureau", jurisdiction_code="140100"), Actor("ty2", "bureau", jurisdiction_code="140100")),
    "11": (Actor("bj1", "bureau", jurisdiction_code="110000"), Actor("bj2", "bureau", jurisdiction_code="110000")),
}
COUNTY_BUREAU = Actor("hr1", "bureau", jurisdiction_code=HUAIREN)


def at(day: str, time: str = "12:00:00") -> dt.datetime:
    """An aware datetime from a China-time date and time."""
    return dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=CST)


@dataclass
class Dataset:
    """Ids of what was built, by name."""

    ids: dict[str, int] = field(default_factory=dict)


def _office(region_code: str) -> tuple[Actor, Actor]:
    return next(v for k, v in OFFICES.items() if region_code.startswith(k))


def _register(session: Any, contract_id: int, when: dt.datetime) -> None:
    contract = session.get(Contract, contract_id)
    first, second = _office(contract.seller_region_code)
    register_contract(session, first, contract_id)
    if contract.status != "registered":
        register_contract(session, second, contract_id)
    contract.registered_at = when


def build(runtime: Runtime) -> Dataset:
    """The whole dataset; every timestamp that statistics read is set explicitly."""
    data = Dataset()
    ids = data.ids
    with runtime.session_factory() as s:
        for actor in [BROKER, ADMIN, COUNTY_BUREAU, *[a for pair in OFFICES.values() for a in pair]]:
            create_user(
                s, username=actor.username, password="a-long-password", role=str(actor.role),
                jurisdiction_code=actor.jurisdiction_code,
            )  # fmt: skip
        listings: list[tuple[type[Need] | type[Achievement], str, str, str, dt.datetime]] = [
            (Need, "nA1", HUAIREN, ListingStatus.PUBLISHED, at("2026-01-05")),
            (Need, "nA2", HUAIREN, ListingStatus.PUBLISHED, at("2025-12-20")),
            (Need, "nA3", HUAIREN, ListingStatus.DRAFT, at("2026-02-01")),
            (Need, "nB1", SHUOCHENG, ListingStatus.PENDING_REVIEW, at("2026-03-31", "23:00:00")),
            (Need, "nB2", SHUOCHENG, ListingStatus.PUBLISHED, at("2026-02-02", "08:30:00")),  # closed below
            (Need, "nC1", XIAODIAN, ListingStatus.PUBLISHED, at("2026-01-10")),
            (Need, "nX", CHAOYANG, ListingStatus.PUBLISHED, at("2026-01-10")),
            (Achievement, "aA1", HUAIREN, ListingStatus.PUBLISHED, at("2026-01-01", "00:00:00")),
            (Achievement, "aB1", SHUOCHENG, ListingStatus.PUBLISHED, at("2026-04-01", "00:00:00")),
            (Achievement, "aC1", XIAODIAN, ListingStatus.PUBLISHED, at("2026-03-03")),
            (Achievement, "aC2", XIAODIAN, ListingStatus.DRAFT, at("2026-03-04")),
        ]
        for model, ext, region, status, created in listings:
            row = model(external_id=ext, title=ext, region_code=region, status=status, created_at=created)
            s.add(row)
            s.flush()
            ids[ext] = row.id
        for name, need, achievement, created in [
            ("p1", "nA1", "aA1", at("2026-01-07")),
            ("p2", "nA1", "aC1", at("2026-01-20")),
            ("p3", "nA2", "aA1", at("2026-01-03", "18:00:00")),
            ("p4", "nB2", "aC1", at("2026-02-05")),
            ("p5", "nC1", "aA1", at("2026-01-11")),
            ("p6", "nB1", "aA1", at("2026-04-02")),
            ("p7", "nX", "aA1", at("2026-01-15")),
        ]:
            proposal = MatchProposal(
                need_id=ids[need], achievement_id=ids[achievement], score=0.5, engine_version="t", created_at=created
            )
            s.add(proposal)
            s.flush()
            ids[name] = proposal.id
        s.commit()
        path = [DealStage.RECOMMENDED, DealStage.CONTACTED, DealStage.NEGOTIATING, DealStage.SIGNED]
        for name, source, created, stage in [
            ("d1", {"proposal_id": ids["p1"]}, at("2026-01-08"), DealStage.SIGNED),
            ("d2", {"proposal_id": ids["p4"]}, at("2026-02-06"), DealStage.SIGNED),
            ("d3", {"need_id": ids["nA2"]}, at("2026-01-10"), DealStage.SIGNED),
            ("d4", {"proposal_id": ids["p5"]}, at("2026-01-12"), DealStage.CONTACTED),
            ("d5", {"proposal_id": ids["p3"]}, at("2026-01-04"), DealStage.NEGOTIATING),
            ("d6", {"proposal_id": ids["p2"]}, at("2026-01-21"), DealStage.CLOSED),
            ("d7", {"need_id": ids["nA1"]}, at("2026-04-03"), DealStage.RECOMMENDED),
        ]:
            deal = open_deal(s, BROKER, DealInput(**source))
            for step in [DealStage.CLOSED] if stage == DealStage.CLOSED else path[1 : path.index(stage) + 1]:
                move_deal(s, BROKER, deal.id, step, "企业暂停" if step == DealStage.CLOSED else "")
            deal.created_at = created
            ids[name] = deal.id
        s.get(Need, ids["nB2"]).status = ListingStatus.CLOSED  # after its deal was opened while published
        s.commit()

        def submit(
            name: str, seller: str, buyer: str, ctype: str, tfield: str, total: str, tech: str, **kw: Any
        ) -> int:
            body = contract_body(
                seller_region_code=seller, buyer_region_code=buyer, contract_type=ctype, tech_field=tfield,
                total_amount=total, tech_transaction_amount=tech, signed_on="2025-12-01", **kw,
            )  # fmt: skip
            ids[name] = submit_service(s, BROKER, parse_contract(body, today=dt.date(2026, 1, 1))).id
            return ids[name]

        def amend(name: str, original: str, when: dt.datetime | None, **changes: str) -> int:
            old = s.get(Contract, ids[original])
            base = {
                "seller_region_code": old.seller_region_code, "buyer_region_code": old.buyer_region_code,
                "contract_type": old.contract_type, "tech_field": old.tech_field, "signed_on": "2025-12-01",
                "tech_transaction_amount": changes["total_amount"],
            }  # fmt: skip
            body = contract_body(**{**base, **changes})
            ids[name] = amend_contract(s, BROKER, ids[original], parse_contract(body), "金额更正").id
            if when is not None:
                _register(s, ids[name], when)
            return ids[name]

        T, DC, SV, LI, CO = "transfer", "development_commissioned", "service", "license", "consulting"
        _register(s, submit("c1", HUAIREN, SHUOCHENG, T, "新材料", "0.01", "0.01"), at("2026-01-01", "00:00:00"))
        c2 = submit("c2", HUAIREN, HUAIREN, DC, "电子信息", "9999999.99", "9999999.99")
        _register(s, c2, at("2026-03-31", "23:59:59.999999"))
        c3 = submit("c3", SHUOCHENG, XIAODIAN, SV, "资源与环境", "1234.56", "1000.00", deal_id=str(ids["d2"]))
        _register(s, c3, at("2026-02-10", "15:00:00"))
        _register(s, submit("c4", XIAODIAN, HUAIREN, LI, "新材料", "500000.00", "333333.33"), at("2026-02-11"))
        _register(s, submit("c5", CHAOYANG, SHUOCHENG, CO, "电子信息", "88888.88", "0"), at("2026-03-01"))
        reject_contract(s, OFFICES["1406"][0], submit("c6", HUAIREN, SHUOCHENG, T, "新材料", "777.77", "777.77"), "否")
        _register(s, submit("c7", SHUOCHENG, HUAIREN, T, "新能源与节能", "100000.00", "50000.00"), at("2026-02-01"))
        revoke_contract(s, OFFICES["1406"][0], ids["c7"], "合同已解除")
        c8 = submit("c8", HUAIREN, XIAODIAN, CO, "新材料", "1000.00", "800.00", deal_id=str(ids["d3"]))
        _register(s, c8, at("2026-01-15", "09:00:00"))
        amend("c8a", "c8", at("2026-04-05"), total_amount="2000.50", tech_transaction_amount="1500.25")
        _register(s, submit("c9", SHUOCHENG, SHUOCHENG, SV, "电子信息", "300.00", "300.00"), at("2026-02-20"))
        amend(
            "c9a", "c9", at("2026-02-25"), total_amount="10.10", tech_transaction_amount="5.05", tech_field="高技术服务"
        )
        c10 = submit("c10", HUAIREN, SHUOCHENG, T, "新材料", "4444.44", "4444.44", deal_id=str(ids["d1"]))
        _register(s, c10, at("2026-03-10", "18:00:00"))
        reject_contract(s, OFFICES["1406"][0], amend("c10a", "c10", None, total_amount="1.00"), "无依据")
        _register(s, submit("c11", HUAIREN, HUAIREN, T, "新材料", "0.03", "0.03"), at("2025-12-31", "23:59:59.999999"))
        _register(s, submit("c12", HUAIREN, HUAIREN, T, "新材料", "0.05", "0.05"), at("2026-04-01", "00:00:00"))
        submit("c13", HUAIREN, HUAIREN, T, "新材料", "3.00", "3.00")
        _register(s, submit("c14", SHUOCHENG, HUAIREN, LI, "新材料", "600.00", "600.00"), at("2026-01-20"))
        revoke_contract(s, OFFICES["1406"][0], amend("c14a", "c14", at("2026-01-25"), total_amount="650.00"), "撤销")
        s.commit()
    return data


# ---------------------------------------------------------------- the independent oracle


def _local(ts: dt.datetime) -> dt.date:
    return ts.astimezone(CST).date()


def _days(earlier: dt.datetime, later: dt.datetime) -> Decimal:
    delta = later - earlier
    return Decimal(delta.days) + Decimal(delta.seconds * 1_000_000 + delta.microseconds) / Decimal(86_400_000_000)


def _median(values: list[Decimal]) -> Decimal | None:
    return pystats.median(values).quantize(Decimal("0.1"), ROUND_HALF_UP) if values else None


def expected(runtime: Runtime, code: str, first: dt.date, last: dt.date) -> dict[str, Any]:
    """Every figure recomputed by iterating all rows in Python."""
    prefix = region_prefix(code)

    def inside(region: str | None) -> bool:
        return region is not None and region.startswith(prefix)

    def during(ts: dt.datetime | None) -> bool:
        return ts is not None and first <= _local(ts) <= last

    with runtime.session_factory() as s:
        needs = {n.id: n for n in s.scalars(select(Need))}
        achievements = list(s.scalars(select(Achievement)))
        proposals = list(s.scalars(select(MatchProposal)))
        deals = {d.id: d for d in s.scalars(select(Deal))}
        contracts = list(s.scalars(select(Contract)))
    originals = {c.registration_number: c for c in contracts if c.amendment_no == 0 and c.registered_at}
    current = [
        c
        for c in contracts
        if c.status == "registered"
        and c.superseded_by_id is None
        and during(originals[c.registration_number].registered_at)
    ]

    def posted(rows: Any) -> int:
        return sum(1 for r in rows if inside(r.region_code) and r.status != "draft" and during(r.created_at))

    out: dict[str, Any] = {
        "needs": posted(needs.values()),
        "achievements": posted(achievements),
        "proposals": sum(1 for p in proposals if inside(needs[p.need_id].region_code) and during(p.created_at)),
    }
    opened = [d for d in deals.values() if inside(d.region_code) and during(d.created_at)]
    out["deals"] = len(opened)
    out["stages"] = {stage: sum(1 for d in opened if d.stage == stage) for stage in DealStage}
    out["deals_from_proposals"] = sum(1 for d in opened if d.proposal_id is not None)
    out["deal_contracts"] = sum(
        1 for c in current if c.deal_id and deals[c.deal_id].proposal_id and inside(deals[c.deal_id].region_code)
    )
    for side in ("seller", "buyer"):
        mine = [c for c in current if inside(getattr(c, f"{side}_region_code"))]
        total = sum((c.total_amount for c in mine), Decimal(0))
        out[side] = (len(mine), total, sum((c.tech_transaction_amount for c in mine), Decimal(0)))
        for attr in ("contract_type", "tech_field"):
            groups: dict[str, tuple[int, Decimal, Decimal]] = {}
            for c in mine:
                n, t, x = groups.get(getattr(c, attr), (0, Decimal(0), Decimal(0)))
                groups[getattr(c, attr)] = (n + 1, t + c.total_amount, x + c.tech_transaction_amount)
            out[f"{side}_{attr}"] = groups
    firsts: dict[int, dt.datetime] = {}
    for p in proposals:
        firsts[p.need_id] = min(firsts.get(p.need_id, p.created_at), p.created_at)
    out["to_first_proposal"] = [
        _days(needs[n].created_at, t) for n, t in firsts.items() if inside(needs[n].region_code) and during(t)
    ]
    out["to_contract"] = [
        _days(needs[deals[c.deal_id].need_id].created_at, originals[c.registration_number].registered_at)
        for c in current
        if c.deal_id and deals[c.deal_id].need_id and inside(needs[deals[c.deal_id].need_id].region_code)
    ]
    return out


def check(runtime: Runtime, code: str, first: dt.date, last: dt.date) -> RegionStats:
    """Assert that the service's figures equal the oracle's, and return them."""
    with runtime.session_factory() as s:
        stats = region_statistics(s, code, first, last)
    want = expected(runtime, code, first, last)
    assert (stats.needs_posted, stats.achievements_posted) == (want["needs"], want["achievements"])
    assert (stats.proposals_created, stats.deals_opened) == (want["proposals"], want["deals"])
    assert stats.deals_by_stage == want["stages"]
    assert (stats.funnel.proposals, stats.funnel.deals, stats.funnel.contracts) == (
        want["proposals"], want["deals_from_proposals"], want["deal_contracts"],
    )  # fmt: skip
    for side in (stats.seller, stats.buyer):
        summary = side.summary
        assert (summary.count, summary.total_amount, summary.tech_transaction_amount) == want[side.side]
        for attr, groups in (("contract_type", side.by_type), ("tech_field", side.by_field)):
            got = {g.key: (g.count, g.total_amount, g.tech_transaction_amount) for g in groups if g.count}
            assert got == want[f"{side.side}_{attr}"]
            assert all(g.total_amount == 0 for g in groups if not g.count)
        assert {g.key for g in side.by_type} >= set(ContractType)  # every type listed, zeros included
        for value in (summary.total_amount, summary.tech_transaction_amount):
            assert isinstance(value, Decimal) and value.as_tuple().exponent == -2
    assert stats.to_first_proposal.samples == len(want["to_first_proposal"])
    assert stats.to_first_proposal.median_days == _median(want["to_first_proposal"])
    assert stats.to_contract.samples == len(want["to_contract"])
    assert stats.to_contract.median_days == _median(want["to_contract"])
    return stats


ROLL_UP = [
    (HUAIREN, *Q1),
    (SHUOCHENG, *Q1),
    ("140600", *Q1),
    ("140100", *Q1),
    ("140000", *Q1),
    ("110000", *Q1),
    (HUAIREN, dt.date(2026, 1, 1), dt.date(2026, 1, 1)),  # one day: the lower bound only
    (HUAIREN, dt.date(2026, 3, 31), dt.date(2026, 4, 1)),  # the upper bound and the day after
    ("140000", dt.date(2025, 1, 1), dt.date(2026, 12, 31)),
]


# ---------------------------------------------------------------- tests


@pytest.fixture
def dataset_runtime(runtime: Runtime) -> Runtime:
    """The SQLite runtime with the dataset loaded."""
    build(runtime)
    return runtime


@pytest.mark.parametrize(("code", "first", "last"), ROLL_UP)
def test_statistics_equal_independent_sums(dataset_runtime: Runtime, code: str, first: dt.date, last: dt.date) -> None:
    check(dataset_runtime, code, first, last)


def test_county_figures_by_hand(dataset_runtime: Runtime) -> None:
    stats = check(dataset_runtime, HUAIREN, *Q1)
    # c1 0.01 (first instant) + c2 9,999,999.99 (last instant) + c8 as amended 2,000.50 + c10 4,444.44
    # (its rejected amendment ignored); c6 rejected, c11/c12 outside, c13 pending are not counted.
    assert stats.seller.summary.count == 4
    assert stats.seller.summary.total_amount == Decimal("10006444.94")
    assert stats.seller.summary.tech_transaction_amount == Decimal("10005944.69")
    # Bought by 怀仁市: c2 and c4; c7 and the amended c14 were revoked.
    assert (stats.buyer.summary.count, stats.buyer.summary.total_amount) == (2, Decimal("10499999.99"))
    transfer = next(g for g in stats.seller.by_type if g.key == "transfer")
    assert (transfer.count, transfer.total_amount) == (2, Decimal("4444.45"))
    assert (stats.needs_posted, stats.achievements_posted) == (1, 1)  # nA3 is a draft, nA2 from 2025
    assert stats.deals_by_stage[DealStage.REGISTERED] == 2 and stats.deals_by_stage[DealStage.CLOSED] == 1
    assert stats.to_first_proposal.median_days == Decimal("8.1")  # nA1: 2 days, nA2: 14.25 days → 8.125


def test_city_is_the_sum_of_its_counties_and_the_province_of_its_cities(dataset_runtime: Runtime) -> None:
    with dataset_runtime.session_factory() as s:
        by = {code: region_statistics(s, code, *Q1) for code in (HUAIREN, SHUOCHENG, "140600", "140100", "140000")}
    for parent, children in (("140600", (HUAIREN, SHUOCHENG)), ("140000", ("140600", "140100"))):
        for side in ("seller", "buyer"):
            total = sum((getattr(by[c], side).summary.total_amount for c in children), Decimal(0))
            assert getattr(by[parent], side).summary.total_amount == total
            assert getattr(by[parent], side).summary.count == sum(getattr(by[c], side).summary.count for c in children)
        assert by[parent].deals_opened == sum(by[c].deals_opened for c in children)
    assert by["140000"].seller.summary.total_amount == Decimal("10507689.60")  # everything but Beijing's c5
    assert by["140600"].seller.summary.total_amount == Decimal("10007689.60")  # + c3 1,234.56 + c9 as amended 10.10


def test_amendments_count_once_with_the_amended_figures(dataset_runtime: Runtime) -> None:
    with dataset_runtime.session_factory() as s:
        stats = region_statistics(s, SHUOCHENG, *Q1)
        april = region_statistics(s, HUAIREN, dt.date(2026, 4, 1), dt.date(2026, 4, 30))
    fields = {g.key: (g.count, g.total_amount) for g in stats.seller.by_field if g.count}
    assert fields == {"资源与环境": (1, Decimal("1234.56")), "高技术服务": (1, Decimal("10.10"))}  # c9 moved field
    # c8's amendment, registered in April, stays in the quarter of the original registration.
    assert (april.seller.summary.count, april.seller.summary.total_amount) == (1, Decimal("0.05"))


def test_tables_have_chinese_headers_and_exact_values(dataset_runtime: Runtime) -> None:
    with dataset_runtime.session_factory() as s:
        stats = region_statistics(s, HUAIREN, *Q1)
    tables = stats.tables()
    rows = tables["技术输出（按合同类型）"]
    assert rows[-1] == {
        "合同类型": "合计", "合同数（项）": 4, "合同成交额（元）": Decimal("10006444.94"),
        "技术交易额（元）": Decimal("10005944.69"),
    }  # fmt: skip
    assert [r["环节"] for r in tables["转化漏斗"]] == ["匹配推荐", "由推荐建立的对接项目", "由推荐促成的登记合同"]
    assert {"指标": "技术输出合同成交额（元）", "数值": Decimal("10006444.94")} in tables["概况"]
    assert all(set(r) == set(rows[0]) for r in rows) and len(tables) == 9


def test_targets_show_the_progress_of_the_calendar_year(dataset_runtime: Runtime) -> None:
    with dataset_runtime.session_factory() as s:
        set_target(s, COUNTY_BUREAU, HUAIREN, 2026, "tech_contract_amount", Decimal("20000000.00"))
        set_target(s, OFFICES["1406"][0], HUAIREN, 2026, "contract_count", Decimal(10))
        set_target(s, ADMIN, HUAIREN, 2025, "contract_count", Decimal(4))
        s.commit()
    with dataset_runtime.session_factory() as s:
        stats = region_statistics(s, HUAIREN, *Q1)
        spanning = region_statistics(s, HUAIREN, dt.date(2025, 12, 1), dt.date(2026, 1, 31))
    rows = {(t.year, t.metric): t for t in stats.targets}
    assert set(rows) == {(2026, "contract_count"), (2026, "tech_contract_amount")}
    amount = rows[(2026, "tech_contract_amount")]
    assert amount.actual == Decimal("10006444.99")  # the quarter plus c12 on 1 April
    assert amount.progress == Decimal("0.5003")
    assert (rows[(2026, "contract_count")].actual, rows[(2026, "contract_count")].progress) == (5, Decimal("0.5"))
    assert [(t.year, t.actual) for t in spanning.targets if t.metric == "contract_count"] == [(2025, 1), (2026, 5)]
    assert stats.target_rows()[0] == {
        "年度": 2026, "指标": "技术合同登记数（项）", "目标值": 10, "完成值": 5, "完成率": Decimal("0.5"),
    }  # fmt: skip


def test_set_target_upserts_with_an_audit_event(runtime: Runtime) -> None:
    build_users_only(runtime)
    with runtime.session_factory() as s:
        first = set_target(s, COUNTY_BUREAU, HUAIREN, 2026, "tech_contract_amount", Decimal("0.01"))
        second = set_target(s, ADMIN, HUAIREN, 2026, "tech_contract_amount", Decimal("9999999.99"))
        s.commit()
        assert first.id == second.id and second.target == Decimal("9999999.99") and second.set_by == "admin1"
        assert s.scalar(select(RegionTarget.target)) == Decimal("9999999.99")
        events = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "region_target.set").order_by(AuditEvent.id)
        ).all()
        assert (events[0].before, events[0].after["target"]) == (None, "0.01")
        assert events[1].before["target"] == "0.01" and events[1].after["target"] == "9999999.99"


@pytest.mark.parametrize(
    ("actor", "region"),
    [
        (COUNTY_BUREAU, SHUOCHENG),  # a county bureau outside its county
        (COUNTY_BUREAU, "140600"),  # … or for its city
        (OFFICES["1401"][0], HUAIREN),  # another city's bureau
        (BROKER, HUAIREN),
        (Actor("enterprise1", "enterprise", organization_id=1), HUAIREN),
        (Actor("gone", None), HUAIREN),  # disabled
    ],
)
def test_set_target_is_refused_outside_the_jurisdiction(runtime: Runtime, actor: Actor, region: str) -> None:
    with runtime.session_factory() as s, pytest.raises(PermissionDeniedError):
        set_target(s, actor, region, 2026, "contract_count", Decimal(3))


@pytest.mark.parametrize(
    ("region", "year", "metric", "target", "field_name"),
    [
        ("999999", 2026, "contract_count", Decimal(3), "region_code"),
        (HUAIREN, 1999, "contract_count", Decimal(3), "year"),
        (HUAIREN, 2026, "patents", Decimal(3), "metric"),
        (HUAIREN, 2026, "tech_contract_amount", Decimal("0.001"), "target"),
        (HUAIREN, 2026, "tech_contract_amount", Decimal(0), "target"),
        (HUAIREN, 2026, "tech_contract_amount", Decimal("NaN"), "target"),
        (HUAIREN, 2026, "contract_count", Decimal("2.5"), "target"),
        (HUAIREN, 2026, "contract_count", 2.0, "target"),  # floats are refused
    ],
)
def test_set_target_validates(
    runtime: Runtime, region: str, year: int, metric: str, target: Any, field_name: str
) -> None:
    with runtime.session_factory() as s, pytest.raises(ValidationError) as info:
        set_target(s, ADMIN, region, year, metric, target)
    assert field_name in info.value.errors


def test_statistics_refuse_unknown_regions_and_reversed_periods(runtime: Runtime) -> None:
    with runtime.session_factory() as s:
        with pytest.raises(ValidationError):
            region_statistics(s, "999999", *Q1)
        with pytest.raises(ValidationError):
            region_statistics(s, HUAIREN, Q1[1], Q1[0])
        empty = region_statistics(s, HUAIREN, *Q1)
    assert empty.seller.summary.total_amount == Decimal("0.00") and empty.to_contract.median_days is None
    assert empty.funnel.to_rows()[1]["转化率"] is None


def build_users_only(runtime: Runtime) -> None:
    """Only the accounts (for the target tests that need no other data)."""
    with runtime.session_factory() as s:
        for actor in (ADMIN, COUNTY_BUREAU):
            create_user(
                s, username=actor.username, password="a-long-password", role=str(actor.role),
                jurisdiction_code=actor.jurisdiction_code,
            )  # fmt: skip
        s.commit()


@pytest.mark.postgres
def test_statistics_are_exact_on_postgresql(pg_runtime: Runtime) -> None:
    build(pg_runtime)
    for code, first, last in ROLL_UP:
        check(pg_runtime, code, first, last)
    with pg_runtime.session_factory() as s:
        set_target(s, COUNTY_BUREAU, HUAIREN, 2026, "tech_contract_amount", Decimal("20000000.00"))
        set_target(s, COUNTY_BUREAU, HUAIREN, 2026, "tech_contract_amount", Decimal("30000000.00"))
        s.commit()
        stats = region_statistics(s, HUAIREN, *Q1)
        province = region_statistics(s, "140000", *Q1)
    assert stats.seller.summary.total_amount == Decimal("10006444.94")
    assert stats.seller.summary.tech_transaction_amount == Decimal("10005944.69")
    assert province.seller.summary.total_amount == Decimal("10507689.60")
    assert [(t.target, t.actual, t.progress) for t in stats.targets] == [
        (Decimal("30000000.00"), Decimal("10006444.99"), Decimal("0.3335"))
    ]


def test_periods_at_the_ends_of_the_calendar_are_refused(runtime: Runtime) -> None:
    with runtime.session_factory() as session, pytest.raises(ValidationError, match="2000"):
        region_statistics(session, "140600", dt.date(1, 1, 1), dt.date(2026, 1, 1))
    with runtime.session_factory() as session, pytest.raises(ValidationError, match="2100"):
        region_statistics(session, "140600", dt.date(2026, 1, 1), dt.date(9999, 12, 31))
