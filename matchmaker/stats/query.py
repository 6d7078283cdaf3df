"""What the statistics pages read from the request: region and period, checked against the user's role.

A bureau user sees its jurisdiction and the regions inside it; an admin any region (by default the
home province). The period defaults to 1 January of this year through today, in China time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from matchmaker.policy import Actor, in_jurisdiction
from matchmaker.regions import RegionResolver
from models.base import CHINA_TZ
from models.enums import Role

# Statistics periods stay well inside what dates and time zones can represent.
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2100, 12, 31)
STATS_ROLES = (Role.BUREAU, Role.ADMIN)


@dataclass(frozen=True)
class StatsQuery:
    """A region and an inclusive period of local dates."""

    region_code: str
    date_from: dt.date
    date_to: dt.date

    def args(self) -> dict[str, Any]:
        """The query string arguments that select this view again."""
        return {"region": self.region_code, "from": self.date_from.isoformat(), "to": self.date_to.isoformat()}


def china_today() -> dt.date:
    """Today's date in China Standard Time."""
    return dt.datetime.now(CHINA_TZ).date()


def default_region(actor: Actor, home_province: str) -> str:
    """The bureau's jurisdiction, else the home province."""
    return actor.jurisdiction_code if actor.role == Role.BUREAU and actor.jurisdiction_code else home_province


def _date(raw: str | None, default: dt.date, label: str, errors: dict[str, str], key: str) -> dt.date:
    text = (raw or "").strip()
    if not text:
        return default
    try:
        value = dt.date.fromisoformat(text)
    except ValueError:
        errors[key] = f"{label}「{text[:20]}」不是有效日期，格式应为 YYYY-MM-DD，如 2026-01-01"
        return default
    if not EARLIEST <= value <= LATEST:
        errors[key] = f"{label}须在 {EARLIEST} 至 {LATEST} 之间"
    return value


def parse_query(args: Mapping[str, str], region: str, today: dt.date) -> tuple[StatsQuery, dict[str, str]]:
    """The region (``region``), start (``from``) and end (``to``) from ``args``, and the errors found.

    Missing values take the defaults (``region``; 1 January of ``today``'s year; ``today``). The
    errors map ``region``, ``from`` and ``to`` to messages; the query is only usable without errors.
    """
    errors: dict[str, str] = {}
    code = (args.get("region") or "").strip() or region
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        errors["region"] = f"行政区划代码「{code[:20]}」应为 6 位数字"
    date_from = _date(args.get("from"), dt.date(today.year, 1, 1), "开始日期", errors, "from")
    date_to = _date(args.get("to"), today, "结束日期", errors, "to")
    if not errors and date_from > date_to:
        errors["to"] = f"结束日期 {date_to} 早于开始日期 {date_from}，请调整统计期间"
    return StatsQuery(code, date_from, date_to), errors


def refusal(actor: Actor, region_code: str, resolver: RegionResolver) -> str | None:
    """Why ``actor`` may not see the statistics of ``region_code`` (None when allowed)."""
    if actor.role == Role.ADMIN:
        return None
    if actor.role != Role.BUREAU:
        return "只有科技局工作人员和系统管理员可以查看统计"
    if not actor.jurisdiction_code:
        return "您的账号未设置管辖地区，无法查看统计，请联系系统管理员"
    if in_jurisdiction(actor.jurisdiction_code, region_code):
        return None
    mine, asked = resolver.full_name(actor.jurisdiction_code), resolver.full_name(region_code)
    return f"您的管辖地区是{mine}（{actor.jurisdiction_code}），{asked}（{region_code}）不在管辖范围内，无权查看其统计"


def _below(resolver: RegionResolver, code: str, prefix: str, depth: int) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for child in resolver.children(code):
        label = f"{prefix} · {child.name}" if prefix else child.name
        out.append((child.code, label))
        if depth > 1:
            out.extend(_below(resolver, child.code, label, depth - 1))
    return out


def region_options(actor: Actor, resolver: RegionResolver, home_province: str) -> list[tuple[str, str]]:
    """The regions ``actor`` may choose, as (code, label): a bureau's jurisdiction and what lies inside
    it (two levels down); for an admin the home province, its cities and counties, then the other provinces."""
    if actor.role == Role.BUREAU and actor.jurisdiction_code:
        top = actor.jurisdiction_code
        name = resolver.names.get(top, top)
        return [(top, f"{name}（全辖区）"), *_below(resolver, top, name, 2)]
    if actor.role != Role.ADMIN:
        return []
    home = resolver.names.get(home_province, home_province)
    options = [(home_province, f"{home}（全省）"), *_below(resolver, home_province, "", 2)]
    options += [(p.code, p.name) for p in resolver.children(None) if p.code != home_province]
    return options
