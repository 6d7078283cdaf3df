"""Jinja helpers: Chinese labels for codes, money in 万元, region names."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask import Flask, current_app

from matchmaker.policy import allowed
from matchmaker.services.proposals import DECLINE_REASONS
from models.base import CHINA_TZ
from models.enums import COOPERATION_MODE_LABELS, MATURITY_LABELS, SOLUTION_MODE_LABELS

STATUS_LABELS = {
    "draft": "草稿",
    "pending_review": "待审核",
    "published": "已发布",
    "closed": "已关闭",
    "expired": "已过期",
}
STATUS_BADGES = {
    "draft": "secondary",
    "pending_review": "warning",
    "published": "success",
    "closed": "dark",
    "expired": "dark",
}
PROPOSAL_LABELS = {"proposed": "待反馈", "accepted": "已接受", "declined": "已谢绝", "converted": "已转对接"}
MODE_LABELS = {"need": SOLUTION_MODE_LABELS, "achievement": COOPERATION_MODE_LABELS}


def wan(amount: Decimal | None) -> str:
    """Yuan as 万元 text ("12.5 万元"); empty for None."""
    if amount is None:
        return ""
    value = (amount / Decimal(10000)).normalize()
    text = f"{value:f}"
    return f"{text} 万元"


def yuan(amount: Decimal | None) -> str:
    """Exact yuan with thousands separators and two decimals ("1,250,000.50 元"); never through float."""
    if amount is None:
        return "—"
    return f"{amount:,.2f} 元"


def china_time(moment: dt.datetime | None) -> str:
    """A UTC moment as China time text ("2026-11-28 20:05"); naive moments are taken as UTC."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")


def region_name(code: str | None) -> str:
    """The full name of a region code ("山西省朔州市怀仁市"), or the code itself."""
    if not code:
        return ""
    resolver = current_app.extensions["matchmaker"].region_resolver()
    return str(resolver.full_name(code))


def register_template_helpers(app: Flask) -> None:
    """Install filters and globals on ``app``."""
    app.jinja_env.filters["wan"] = wan
    app.jinja_env.filters["region_name"] = region_name
    app.jinja_env.globals.update(
        STATUS_LABELS=STATUS_LABELS,
        STATUS_BADGES=STATUS_BADGES,
        PROPOSAL_LABELS=PROPOSAL_LABELS,
        MATURITY_LABELS=MATURITY_LABELS,
        MODE_LABELS=MODE_LABELS,
        DECLINE_REASONS=DECLINE_REASONS,
        policy_allows=allowed,
        yuan=yuan,
        china_time=china_time,
    )
