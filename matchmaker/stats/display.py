"""How statistics look: exact table cells for the page, chart series in 万元, number formats for Excel.

Tables keep exact values (``Decimal`` yuan shown with two decimals and thousands separators, the
exact value also in the cell's ``data-value``); charts get 万元 rounded to two decimals as strings,
for display only.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from matchmaker.services.statistics import METRICS, ContractGroup, RegionStats, Row

RATE_HEADERS = frozenset({"转化率", "完成率"})
DAY_HEADERS = frozenset({"中位数（天）"})
# Excel number formats by column header (Decimal money defaults to #,##0.00 in services.excel).
EXCEL_FORMATS: dict[str, str] = {
    **dict.fromkeys(RATE_HEADERS, "0.00%"),
    **dict.fromkeys(DAY_HEADERS, "0.0"),
}
CENT = Decimal("0.01")
TEN_THOUSAND = Decimal(10000)


@dataclass(frozen=True)
class Cell:
    """One table cell: the exact value as text (``raw``) and what the reader sees."""

    raw: str
    text: str


@dataclass(frozen=True)
class TableView:
    """A named table ready for the template."""

    name: str
    headers: list[str]
    rows: list[list[Cell]]


def percent(rate: Decimal | None) -> str:
    """A fraction as a percentage with two decimals ("50.03%"); "—" for None."""
    return "—" if rate is None else f"{(rate * 100).quantize(CENT, ROUND_HALF_UP)}%"


def show(header: str, value: Any) -> Cell:
    """The cell of ``value`` under ``header``: rates as percentages, days as they are, money as 1,234.50."""
    if value is None:
        return Cell("", "—")
    if not isinstance(value, Decimal):
        return Cell(str(value), str(value))
    if header in RATE_HEADERS:
        return Cell(f"{value:f}", percent(value))
    return Cell(f"{value:f}", f"{value:f}" if header in DAY_HEADERS else f"{value:,.2f}")


def table_views(tables: dict[str, list[Row]]) -> list[TableView]:
    """Every table of ``RegionStats.tables()`` as headers and displayed cells."""
    views = []
    for name, rows in tables.items():
        headers = list(dict.fromkeys(key for row in rows for key in row))
        views.append(TableView(name, headers, [[show(h, row.get(h)) for h in headers] for row in rows]))
    return views


def wan(amount: Decimal) -> str:
    """Yuan as 万元 rounded to two decimals, as a string (charts only)."""
    return str((amount / TEN_THOUSAND).quantize(CENT, ROUND_HALF_UP))


def _side(name: str, groups: tuple[ContractGroup, ...], keys: list[str]) -> dict[str, Any]:
    """One bar series over ``keys`` (a type missing on this side counts as zero)."""
    by_key = {g.key: g for g in groups}
    found = [by_key.get(k, ContractGroup(k, k)) for k in keys]
    return {"name": name, "amounts": [wan(g.total_amount) for g in found], "counts": [g.count for g in found]}


def _slices(groups: tuple[ContractGroup, ...]) -> list[dict[str, Any]]:
    return [{"name": g.label, "value": wan(g.total_amount), "count": g.count} for g in groups if g.count]


def chart_data(stats: RegionStats) -> dict[str, Any]:
    """Series for stats.js: funnel, contracts by type and by field, target progress (JSON-ready)."""
    funnel = stats.funnel
    # Both sides list every known type in the same order; a legacy type may exist on one side only.
    types = {g.key: g.label for side in (stats.seller, stats.buyer) for g in side.by_type}
    keys = list(types)
    targets = []
    for t in stats.targets:
        if t.progress is None:
            continue
        unit = "项" if t.metric == "contract_count" else "元"
        label = METRICS.get(t.metric, t.metric).split("（")[0]
        targets.append(
            {
                "name": f"{t.year}年{label}",
                "value": str((t.progress * 100).quantize(CENT, ROUND_HALF_UP)),
                "detail": f"{_figure(t.metric, t.actual)} / {_figure(t.metric, t.target)} {unit}",
            }
        )
    return {
        "funnel": [
            {"name": "匹配推荐", "value": funnel.proposals},
            {"name": "对接项目", "value": funnel.deals},
            {"name": "技术合同", "value": funnel.contracts},
        ],
        "byType": {
            "categories": list(types.values()),
            "series": [_side("技术输出", stats.seller.by_type, keys), _side("技术吸纳", stats.buyer.by_type, keys)],
        },
        "byField": {"seller": _slices(stats.seller.by_field), "buyer": _slices(stats.buyer.by_field)},
        "targets": targets,
    }


def _figure(metric: str, value: Decimal | None) -> str:
    if value is None:
        return "—"
    return str(int(value)) if metric == "contract_count" else f"{value:,.2f}"


def target_bars(stats: RegionStats) -> list[dict[str, Any]]:
    """Targets with the width of their progress bar (0–100) and the texts next to it."""
    bars = []
    for t in stats.targets:
        bars.append(
            {
                "year": t.year,
                "label": METRICS.get(t.metric, t.metric),
                "target": _figure(t.metric, t.target),
                "actual": _figure(t.metric, t.actual),
                "progress": percent(t.progress),
                "width": 0 if t.progress is None else min(100, int(t.progress * 100)),
            }
        )
    return bars
