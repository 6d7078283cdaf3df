"""The deals pipeline board (对接项目看板): open deals by stage, days in stage, workload.

Read-only queries; who sees which deal is the policy's VIEW cell for deals (the broker's own,
the parties' deals on their listings, the bureau's jurisdiction, every deal for the admin),
applied through :func:`matchmaker.services.deals.visible_deals_clause`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from matchmaker.policy import Actor, Obj, Verb, allowed
from matchmaker.services.deals import OPEN_STAGES, broker_usernames, visible_deals_clause
from matchmaker.services.errors import PermissionDeniedError
from models import Deal, User
from models.base import utcnow
from models.enums import DealStage, Role

# A deal that has not moved for more than this many days is shown as stuck.
STUCK_AFTER_DAYS = 14
# Cards shown per column; the counts and the summary always cover every visible deal.
CARDS_PER_COLUMN = 100


def days_in_stage(stage_since: dt.datetime, now: dt.datetime) -> int:
    """Whole days between ``stage_since`` and ``now`` (never negative)."""
    if stage_since.tzinfo is None:  # SQLite without the UTC type decorator: stored as naive UTC
        stage_since = stage_since.replace(tzinfo=dt.UTC)
    return max(0, (now - stage_since).days)


@dataclass(frozen=True)
class DealCard:
    """One deal on the board."""

    deal: Deal
    broker: str
    days: int

    @property
    def stuck(self) -> bool:
        """True when an open deal has been in its stage for more than STUCK_AFTER_DAYS days."""
        return self.deal.stage in OPEN_STAGES and self.days > STUCK_AFTER_DAYS


@dataclass(frozen=True)
class StageLoad:
    """Workload of one open stage: how many deals, their average and longest days in it, how many are stuck."""

    stage: str
    count: int
    average_days: float | None
    max_days: int
    stuck: int


@dataclass
class Board:
    """What the board page shows: cards per open stage, counts of every stage, workload."""

    columns: dict[str, list[DealCard]]
    counts: dict[str, int]
    load: list[StageLoad]
    by_broker: list[tuple[str, int]] = field(default_factory=list)

    @property
    def open_total(self) -> int:
        """Open deals (every stage before registered and closed)."""
        return sum(self.counts[stage] for stage in OPEN_STAGES)

    @property
    def stuck_total(self) -> int:
        """Open deals stuck in their stage."""
        return sum(item.stuck for item in self.load)


def _load(ages: dict[str, list[int]]) -> list[StageLoad]:
    out = []
    for stage in OPEN_STAGES:
        days = ages.get(stage, [])
        average = round(sum(days) / len(days), 1) if days else None
        stuck = sum(1 for d in days if d > STUCK_AFTER_DAYS)
        out.append(StageLoad(stage, len(days), average, max(days, default=0), stuck))
    return out


def deal_board(
    session: Session, actor: Actor, now: dt.datetime | None = None, per_column: int = CARDS_PER_COLUMN
) -> Board:
    """The board of the deals ``actor`` may see.

    Columns hold the open stages' deals, longest in their stage first (at most ``per_column``
    cards each); ``counts`` covers every stage, registered and closed included; ``load`` has one
    entry per open stage; ``by_broker`` (open deals per broker) is filled for viewers who see
    other brokers' deals. Raises PermissionDeniedError when the actor may not list deals.
    """
    if not allowed(actor, Obj.DEAL, Verb.LIST):
        raise PermissionDeniedError("您没有权限查看对接项目")
    now = now or utcnow()
    visible = visible_deals_clause(actor)
    counts = {stage.value: 0 for stage in DealStage}
    for stage, count in session.execute(select(Deal.stage, func.count()).where(visible).group_by(Deal.stage)):
        counts[stage] = count
    ages: dict[str, list[int]] = {}
    for stage, since in session.execute(
        select(Deal.stage, Deal.stage_since).where(visible, Deal.stage.in_(OPEN_STAGES))
    ):
        ages.setdefault(stage, []).append(days_in_stage(since, now))
    columns: dict[str, list[DealCard]] = {}
    for stage in OPEN_STAGES:
        deals = list(
            session.scalars(
                select(Deal)
                .where(visible, Deal.stage == stage)
                .options(selectinload(Deal.need), selectinload(Deal.achievement))
                .order_by(Deal.stage_since, Deal.id)
                .limit(per_column)
            )
        )
        brokers = broker_usernames(session, deals)
        columns[stage] = [DealCard(d, brokers.get(d.broker_id, ""), days_in_stage(d.stage_since, now)) for d in deals]
    by_broker: list[tuple[str, int]] = []
    if actor.role != Role.BROKER:
        rows = session.execute(
            select(User.username, func.count(Deal.id))
            .join(User, User.id == Deal.broker_id)
            .where(visible, Deal.stage.in_(OPEN_STAGES))
            .group_by(User.username)
            .order_by(func.count(Deal.id).desc(), User.username)
        )
        by_broker = [(username, count) for username, count in rows]
    return Board(columns, counts, _load(ages), by_broker)
