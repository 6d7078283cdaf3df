"""Region statistics (区域统计) of a county, a city or the province over a period, and yearly targets.

Attribution: listings by their region, proposals by their need's region, deals by
``deal.region_code``, contracts by the seller's region (技术输出) and separately by the buyer's
(技术吸纳). Regions roll up by GB/T 2260 prefix (140681 county; 140600 → 1406; 140000 → 14).

The period ``date_from``–``date_to`` is inclusive, in calendar dates of China Standard Time
(UTC+8, the bureau's working day); timestamps are stored in UTC. Only a contract's current record
counts (status ``registered``, not superseded), so an amended contract counts once with its
amended figures, in the period of its first registration (the record with amendment number 0):
registering an amendment never moves a contract to another period. Money is summed as integer fen
in SQL and returned as exact ``Decimal`` yuan. Reading functions never write; ``set_target``
does not commit (the caller does).
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVarTuple

from sqlalchemy import BigInteger, Select, and_, func, select, type_coerce
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from matchmaker.policy import Actor, in_jurisdiction, region_prefix
from matchmaker.services.errors import PermissionDeniedError, ValidationError
from models import Achievement, Contract, Deal, MatchProposal, Need, Region, RegionTarget, record_audit
from models.base import CHINA_TZ, utcnow
from models.enums import CONTRACT_TYPE_LABELS, DEAL_STAGE_LABELS, TECH_FIELDS, ContractStatus, ListingStatus, Role

METRICS: dict[str, str] = {"tech_contract_amount": "技术合同成交额（元）", "contract_count": "技术合同登记数（项）"}
SIDES: dict[str, str] = {"seller": "技术输出", "buyer": "技术吸纳"}
TARGET_MAX = Decimal("9999999999999.99")
Row = dict[str, Any]  # Chinese column header → str, int, Decimal or None
Ts = TypeVarTuple("Ts")


def _yuan(fen: Any) -> Decimal:
    return Decimal(int(fen or 0)).scaleb(-2)


def _ratio(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    return None if not whole else (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), ROUND_HALF_UP)


# Periods are refused outside these years (the ends of the calendar cannot be shifted to UTC).
FIRST_YEAR, LAST_YEAR = 2000, 2100


def local_bounds(date_from: dt.date, date_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The UTC-aware half-open interval [start, end) covering the inclusive local dates."""
    start = dt.datetime.combine(date_from, dt.time(), CHINA_TZ)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(), CHINA_TZ)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


@dataclass(frozen=True)
class ContractGroup:
    """Registered contracts of one type, field or side: count and exact sums in yuan."""

    key: str
    label: str
    count: int = 0
    total_amount: Decimal = Decimal("0.00")
    tech_transaction_amount: Decimal = Decimal("0.00")

    def row(self, header: str) -> Row:
        """One table row under ``header`` (合同类型 or 技术领域)."""
        return {
            header: self.label,
            "合同数（项）": self.count,
            "合同成交额（元）": self.total_amount,
            "技术交易额（元）": self.tech_transaction_amount,
        }


@dataclass(frozen=True)
class ContractSide:
    """Contracts of one side (``seller`` 技术输出 or ``buyer`` 技术吸纳): totals and breakdowns."""

    side: str
    summary: ContractGroup
    by_type: tuple[ContractGroup, ...]
    by_field: tuple[ContractGroup, ...]

    def to_rows(self, by: str = "type") -> list[Row]:
        """Rows by contract type (``by="type"``) or tech field (``"field"``), then 合计."""
        header, groups = ("合同类型", self.by_type) if by == "type" else ("技术领域", self.by_field)
        return [g.row(header) for g in (*groups, self.summary)]


@dataclass(frozen=True)
class Funnel:
    """Proposals → deals opened from proposals → registered contracts of such deals, in the period.

    Deals opened by hand and their contracts are left out of every step. Each step counts what
    happened in the period (proposals created, deals opened, contracts first registered), so a
    deal opened at the end of one period may convert in the next: a rate compares the flows of
    one period, not one cohort, and can exceed 100% over a short period.
    """

    proposals: int
    deals: int
    contracts: int

    def to_rows(self) -> list[Row]:
        """One row per step with the conversion rate from the step before (a fraction, None if 0/0)."""
        steps = [
            ("匹配推荐", self.proposals, None),
            ("由推荐建立的对接项目", self.deals, _ratio(self.deals, self.proposals)),
            ("由推荐促成的登记合同", self.contracts, _ratio(self.contracts, self.deals)),
        ]
        return [{"环节": name, "数量": count, "转化率": rate} for name, count, rate in steps]


@dataclass(frozen=True)
class LeadTime:
    """Median days between two events over the samples of the period (None without samples)."""

    label: str
    samples: int
    median_days: Decimal | None


@dataclass(frozen=True)
class TargetProgress:
    """A yearly target and what the calendar year has reached (``actual`` None for unknown metrics)."""

    year: int
    metric: str
    target: Decimal
    actual: Decimal | None
    progress: Decimal | None


@dataclass(frozen=True)
class RegionStats:
    """Every figure of a region over a period; ``tables()`` gives them as rows with Chinese headers."""

    region_code: str
    region_name: str
    date_from: dt.date
    date_to: dt.date
    needs_posted: int
    achievements_posted: int
    proposals_created: int
    deals_opened: int
    deals_by_stage: dict[str, int]
    seller: ContractSide
    buyer: ContractSide
    funnel: Funnel
    to_first_proposal: LeadTime
    to_contract: LeadTime
    targets: tuple[TargetProgress, ...] = ()

    def overview_rows(self) -> list[Row]:
        """The headline counts and sums."""
        items: list[tuple[str, int | Decimal]] = [
            ("新增技术需求（项，不含草稿）", self.needs_posted),
            ("新增科技成果（项，不含草稿）", self.achievements_posted),
            ("新增匹配推荐（条）", self.proposals_created),
            ("新建对接项目（个）", self.deals_opened),
        ]
        for side in (self.seller, self.buyer):
            group, label = side.summary, SIDES[side.side]
            items += [(f"{label}合同登记数（项）", group.count), (f"{label}合同成交额（元）", group.total_amount)]
            items.append((f"{label}技术交易额（元）", group.tech_transaction_amount))
        return [{"指标": name, "数值": value} for name, value in items]

    def deal_stage_rows(self) -> list[Row]:
        """Deals opened in the period by their current stage."""
        return [{"阶段": DEAL_STAGE_LABELS.get(s, s), "对接项目数（个）": n} for s, n in self.deals_by_stage.items()]

    def lead_time_rows(self) -> list[Row]:
        """Median lead times with their sample sizes."""
        return [
            {"指标": t.label, "中位数（天）": t.median_days, "样本数": t.samples}
            for t in (self.to_first_proposal, self.to_contract)
        ]

    def target_rows(self) -> list[Row]:
        """Yearly targets and progress (counts as integers, rates as fractions)."""

        def show(t: TargetProgress, value: Decimal | None) -> int | Decimal | None:
            return int(value) if value is not None and t.metric == "contract_count" else value

        keys = ("年度", "指标", "目标值", "完成值", "完成率")
        values = [
            (t.year, METRICS.get(t.metric, t.metric), show(t, t.target), show(t, t.actual), t.progress)
            for t in self.targets
        ]
        return [dict(zip(keys, v, strict=True)) for v in values]

    def tables(self) -> dict[str, list[Row]]:
        """Every table by name (the page's sections and the Excel export's sheets)."""
        return {
            "概况": self.overview_rows(),
            "对接项目阶段": self.deal_stage_rows(),
            "技术输出（按合同类型）": self.seller.to_rows("type"),
            "技术输出（按技术领域）": self.seller.to_rows("field"),
            "技术吸纳（按合同类型）": self.buyer.to_rows("type"),
            "技术吸纳（按技术领域）": self.buyer.to_rows("field"),
            "转化漏斗": self.funnel.to_rows(),
            "周期": self.lead_time_rows(),
            "年度目标": self.target_rows(),
        }


def _in(column: Any, prefix: str) -> Any:
    return column.like(f"{prefix}%")


def _between(column: Any, start: dt.datetime, end: dt.datetime) -> Any:
    return and_(column >= start, column < end)


def _registered_between(stmt: Select[*Ts], start: dt.datetime, end: dt.datetime, original: Any = None) -> Select[*Ts]:
    """Restrict ``stmt`` (over Contract) to current records first registered in [start, end).

    ``original`` is the alias of the record with amendment number 0 (made here unless given).
    """
    original = original if original is not None else aliased(Contract)
    same_number = and_(original.registration_number == Contract.registration_number, original.amendment_no == 0)
    return stmt.join(original, same_number).where(
        Contract.status == ContractStatus.REGISTERED,
        Contract.superseded_by_id.is_(None),
        _between(original.registered_at, start, end),
    )


def _fen_sums() -> tuple[Any, Any, Any]:
    """count, Σ total_amount and Σ tech_transaction_amount, summed as integer fen."""
    fen = [func.sum(type_coerce(c, BigInteger)) for c in (Contract.total_amount, Contract.tech_transaction_amount)]
    return func.count(), fen[0], fen[1]


def _groups(sums: dict[str, list[int]], known: tuple[str, ...], labels: dict[str, str]) -> tuple[ContractGroup, ...]:
    keys = [*known, *sorted(set(sums) - set(known))]
    return tuple(
        ContractGroup(k, labels.get(k, k), c, _yuan(t), _yuan(x)) for k in keys for c, t, x in [sums.get(k, [0, 0, 0])]
    )


def _contract_side(session: Session, side: str, prefix: str, start: dt.datetime, end: dt.datetime) -> ContractSide:
    region = Contract.seller_region_code if side == "seller" else Contract.buyer_region_code
    stmt = select(Contract.contract_type, Contract.tech_field, *_fen_sums()).select_from(Contract)
    stmt = _registered_between(stmt, start, end).where(_in(region, prefix))
    sums: dict[str, dict[str, list[int]]] = {"type": {}, "field": {}, "all": {}}
    for ctype, tfield, count, total, tech in session.execute(
        stmt.group_by(Contract.contract_type, Contract.tech_field)
    ):
        for kind, key in (("type", ctype), ("field", tfield), ("all", "")):
            acc = sums[kind].setdefault(key, [0, 0, 0])
            acc[0], acc[1], acc[2] = acc[0] + int(count), acc[1] + int(total or 0), acc[2] + int(tech or 0)
    by_type = _groups(sums["type"], tuple(CONTRACT_TYPE_LABELS), CONTRACT_TYPE_LABELS)
    return ContractSide(
        side, _groups(sums["all"], ("",), {"": "合计"})[0], by_type, _groups(sums["field"], TECH_FIELDS, {})
    )


def _lead_time(label: str, pairs: Any) -> LeadTime:
    """Median of exact fractional days between the pairs (earlier, later), to 0.1 day."""
    micro = dt.timedelta(microseconds=1)
    days = [Decimal((later - earlier) // micro) / Decimal(86_400_000_000) for earlier, later in pairs]
    median = statistics.median(days).quantize(Decimal("0.1"), ROUND_HALF_UP) if days else None
    return LeadTime(label, len(days), median)


def _count(session: Session, stmt: Select[Any]) -> int:
    return int(session.scalar(stmt) or 0)


def region_statistics(session: Session, region_code: str, date_from: dt.date, date_to: dt.date) -> RegionStats:
    """All statistics of ``region_code`` (county, city or province) for the inclusive local dates.

    Raises ValidationError for an unknown region or a period ending before it starts. Listings
    count when created in the period and no longer drafts; deals by their current stage are those
    opened in the period; the funnel counts each step in the period (contracts of deals opened
    from proposals, by the deal's region); lead times are medians over first proposals (need's
    region) and registered contracts linked to a need through their deal, of the period; targets
    are those of ``region_code`` for the years the period touches, with the seller-side progress of
    each whole calendar year.
    """
    region = session.get(Region, region_code)
    if region is None:
        raise ValidationError({"region_code": f"行政区划代码 {region_code} 不存在"})
    if date_from > date_to:
        raise ValidationError({"date_from": "开始日期不能晚于结束日期"})
    for name, value in (("date_from", date_from), ("date_to", date_to)):
        if not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise ValidationError({name: f"日期须在 {FIRST_YEAR} 年至 {LAST_YEAR} 年之间"})
    prefix = region_prefix(region_code)
    start, end = local_bounds(date_from, date_to)

    def posted(model: type[Need] | type[Achievement]) -> int:
        where = (_in(model.region_code, prefix), model.status != ListingStatus.DRAFT)
        return _count(session, select(func.count()).where(*where, _between(model.created_at, start, end)))

    proposals_stmt = select(func.count()).select_from(MatchProposal).join(Need, Need.id == MatchProposal.need_id)
    where = (_in(Need.region_code, prefix), _between(MatchProposal.created_at, start, end))
    proposals = _count(session, proposals_stmt.where(*where))
    deal_filter = (_in(Deal.region_code, prefix), _between(Deal.created_at, start, end))
    stages = dict(session.execute(select(Deal.stage, func.count()).where(*deal_filter).group_by(Deal.stage)).all())
    stage_keys = [*DEAL_STAGE_LABELS, *sorted(set(stages) - set(DEAL_STAGE_LABELS))]
    deals_by_stage = {stage: int(stages.get(stage, 0)) for stage in stage_keys}
    from_proposals = select(func.count()).select_from(Deal).where(*deal_filter, Deal.proposal_id.is_not(None))
    deal_contracts = select(func.count()).select_from(Contract).join(Deal, Deal.id == Contract.deal_id)
    deal_contracts = _registered_between(deal_contracts, start, end).where(
        _in(Deal.region_code, prefix), Deal.proposal_id.is_not(None)
    )

    first_at = func.min(MatchProposal.created_at).label("first_at")
    first = select(MatchProposal.need_id, first_at).group_by(MatchProposal.need_id).subquery()
    first_pairs = session.execute(
        select(Need.created_at, first.c.first_at)
        .join(first, first.c.need_id == Need.id)
        .where(_in(Need.region_code, prefix), _between(first.c.first_at, start, end))
    ).all()
    original = aliased(Contract)
    contract_pairs = select(Need.created_at, original.registered_at).select_from(Contract)
    contract_pairs = _registered_between(contract_pairs, start, end, original)
    contract_pairs = contract_pairs.join(Deal, Deal.id == Contract.deal_id).join(Need, Need.id == Deal.need_id)
    contract_pairs = contract_pairs.where(_in(Need.region_code, prefix))

    return RegionStats(
        region_code=region_code,
        region_name=region.name,
        date_from=date_from,
        date_to=date_to,
        needs_posted=posted(Need),
        achievements_posted=posted(Achievement),
        proposals_created=proposals,
        deals_opened=sum(deals_by_stage.values()),
        deals_by_stage=deals_by_stage,
        seller=_contract_side(session, "seller", prefix, start, end),
        buyer=_contract_side(session, "buyer", prefix, start, end),
        funnel=Funnel(proposals, _count(session, from_proposals), _count(session, deal_contracts)),
        to_first_proposal=_lead_time("需求发布至首条匹配推荐", first_pairs),
        to_contract=_lead_time("需求发布至合同登记", session.execute(contract_pairs)),
        targets=_targets(session, region_code, prefix, date_from.year, date_to.year),
    )


def _year_totals(session: Session, prefix: str, year: int) -> tuple[int, Decimal]:
    """Seller-side count and total amount of the contracts first registered in the local calendar year."""
    start, end = local_bounds(dt.date(year, 1, 1), dt.date(year, 12, 31))
    stmt = select(*_fen_sums()[:2]).select_from(Contract)
    stmt = _registered_between(stmt, start, end).where(_in(Contract.seller_region_code, prefix))
    count, total = session.execute(stmt).one()
    return int(count or 0), _yuan(total)


def _targets(session: Session, region_code: str, prefix: str, first: int, last: int) -> tuple[TargetProgress, ...]:
    where = (RegionTarget.region_code == region_code, RegionTarget.year.between(first, last))
    rows = session.scalars(select(RegionTarget).where(*where).order_by(RegionTarget.year, RegionTarget.metric)).all()
    totals = {year: _year_totals(session, prefix, year) for year in {r.year for r in rows}}
    out = []
    for row in rows:
        count, amount = totals[row.year]
        actual = {"tech_contract_amount": amount, "contract_count": Decimal(count)}.get(row.metric)
        progress = None if actual is None else _ratio(actual, row.target)
        out.append(TargetProgress(row.year, row.metric, row.target, actual, progress))
    return tuple(out)


def _target_snapshot(row: RegionTarget) -> dict[str, Any]:
    keys = ("region_code", "year", "metric", "set_by")
    return {**{k: getattr(row, k) for k in keys}, "target": f"{row.target:.2f}"}


def set_target(
    session: Session, actor: Actor, region_code: str, year: int, metric: str, target: Decimal
) -> RegionTarget:
    """Create or change the yearly ``metric`` target of a region, audited; the caller commits.

    Allowed to admins and to bureau users whose jurisdiction contains ``region_code``
    (PermissionDeniedError otherwise). ``metric`` is one of ``METRICS``; ``target`` a positive
    Decimal with at most two decimals (whole for ``contract_count``), else ValidationError.
    The write is an upsert, so two bureau users setting the same target at once cannot collide.
    """
    is_bureau = actor.role == Role.BUREAU and in_jurisdiction(actor.jurisdiction_code, region_code)
    if actor.role != Role.ADMIN and not is_bureau:
        raise PermissionDeniedError("只有管辖该地区的科技局人员或系统管理员可以设置年度目标")
    errors: dict[str, str] = {}
    if session.get(Region, region_code) is None:
        errors["region_code"] = f"行政区划代码 {region_code} 不存在"
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        errors["year"] = "年度须为 2000–2100 之间的整数"
    if metric not in METRICS:
        errors["metric"] = f"未知指标：{metric!r}（可选 {', '.join(METRICS)}）"
    if isinstance(target, int) and not isinstance(target, bool):
        target = Decimal(target)
    if not isinstance(target, Decimal) or not target.is_finite() or not 0 < target <= TARGET_MAX:
        errors["target"] = f"目标值须为大于 0、不超过 {TARGET_MAX} 的金额或数量"
    elif (target * 100) % 1 or (metric == "contract_count" and target % 1):
        errors["target"] = "合同登记数须为整数" if metric == "contract_count" else "金额最多两位小数"
    if errors:
        raise ValidationError(errors)
    key = (RegionTarget.region_code == region_code, RegionTarget.year == year, RegionTarget.metric == metric)
    existing = session.scalar(select(RegionTarget).where(*key))
    before = _target_snapshot(existing) if existing is not None else None
    insert = postgresql.insert if session.connection().dialect.name == "postgresql" else sqlite.insert
    upsert = (
        insert(RegionTarget)
        .values(region_code=region_code, year=year, metric=metric, target=target, set_by=actor.username)
        .on_conflict_do_update(
            index_elements=["region_code", "year", "metric"],
            set_={"target": target, "set_by": actor.username, "updated_at": utcnow()},
        )
        .returning(RegionTarget.id)
    )
    target_id = session.execute(upsert).scalar_one()
    row = session.get(RegionTarget, target_id, populate_existing=True)
    assert row is not None
    record_audit(session, actor.username, "region_target.set", "region_target", row.id, before, _target_snapshot(row))
    return row
