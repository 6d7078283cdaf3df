"""Features of a need–achievement pair, each in [0, 1]."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from decimal import Decimal
from functools import cache
from importlib import resources

from indexer.types import IndexDocument

FEATURES = (
    "fusion",
    "semantic",
    "keyword",
    "title_overlap",
    "tech_field",
    "industry",
    "region",
    "maturity",
    "mode",
    "budget",
    "freshness",
)


@cache
def generic_terms() -> frozenset[str]:
    """Words that say little about what a listing is about (``resources/generic_terms.txt``)."""
    text = resources.files("matchmaker.resources").joinpath("generic_terms.txt").read_text(encoding="utf-8")
    return frozenset(w.strip() for w in text.splitlines() if w.strip() and not w.startswith("#"))


MATURITY_SCORE = {"industrial": 1.0, "pilot": 0.8, "pilot_small": 0.55, "lab": 0.3}
# Which achievement cooperation modes serve which need solution modes.
MODE_COMPATIBILITY: dict[str, frozenset[str]] = {
    "independent": frozenset({"transfer", "license", "service"}),
    "commissioned": frozenset({"commissioned_development", "service"}),
    "cooperative": frozenset({"co_development", "commissioned_development", "service"}),
    "transfer": frozenset({"transfer", "license"}),
    "equity": frozenset({"equity"}),
    "other": frozenset({"service", "co_development"}),
}
FRESHNESS_DAYS = 365.0


def term_weight(term: str) -> float:
    """Weight of a term in overlaps: long specific terms count most, generic ones least."""
    if term in generic_terms():
        return 0.15
    if len(term) >= 3:
        return 1.0
    return 0.6


def head_terms(doc: IndexDocument) -> set[str]:
    """Terms of the title and keywords."""
    return set(doc.title_terms) | set(doc.keyword_terms)


def title_overlap(query: IndexDocument, candidate: IndexDocument) -> tuple[float, list[str]]:
    """Weighted share of the query's title/keyword terms found in the candidate's title/keywords,
    blended with the share found anywhere in the candidate; plus the shared head terms."""
    q = head_terms(query)
    if not q:
        return 0.0, []
    c_head = head_terms(candidate)
    c_all = c_head | set(candidate.body_terms)
    total = sum(term_weight(t) for t in q)
    in_head = sum(term_weight(t) for t in q & c_head)
    in_body = sum(term_weight(t) for t in q & (c_all - c_head))
    score = min(1.0, (in_head + 0.35 * in_body) / total)
    return score, without_sub_words((q & c_all) - generic_terms())


def without_sub_words(terms: set[str]) -> list[str]:
    """Terms that are not part of a longer term in the set, most specific first."""
    kept = [t for t in terms if not any(t != o and t in o for o in terms)]
    return sorted(kept, key=lambda t: (-term_weight(t), -len(t), t))


def shared_body_terms(query: IndexDocument, candidate: IndexDocument, limit: int = 8) -> list[str]:
    """Specific terms the two bodies share (for explanations)."""
    shared = set(query.body_terms) & set(candidate.body_terms)
    shared -= generic_terms()
    return sorted(shared, key=lambda t: (-len(t), t))[:limit]


def field_agreement(a: str, b: str) -> float:
    """1 when both tech fields are known and equal, 0 when they differ, 0.5 when unknown."""
    if not a or not b:
        return 0.5
    return 1.0 if a == b else 0.0


def industry_agreement(a: Iterable[str], b: Iterable[str]) -> float:
    """1 when the industries overlap, 0 when both are known and disjoint, 0.5 when unknown."""
    sa, sb = set(a), set(b)
    if not sa or not sb:
        return 0.5
    return 1.0 if sa & sb else 0.0


def region_proximity(a: str | None, b: str | None) -> float:
    """Same county 1, same city 0.6, same province 0.3, otherwise or unknown 0."""
    if not a or not b or len(a) != 6 or len(b) != 6:
        return 0.0
    if a == b:
        return 1.0
    if a[:4] == b[:4] and not a.endswith("0000") and not b.endswith("0000"):
        return 0.6
    if a[:2] == b[:2]:
        return 0.3
    return 0.0


def maturity_fit(maturity: str) -> float:
    """How ready the achievement is for a county enterprise; 0.5 when unknown."""
    return MATURITY_SCORE.get(maturity, 0.5)


def mode_overlap(solution_modes: Iterable[str], cooperation_modes: Iterable[str]) -> float:
    """1 when some wanted solution mode is served by an offered cooperation mode; 0.5 unknown."""
    wanted, offered = set(solution_modes), set(cooperation_modes)
    if not wanted or not offered:
        return 0.5
    served = set().union(*(MODE_COMPATIBILITY.get(m, frozenset()) for m in wanted))
    return 1.0 if served & offered else 0.0


def budget_fit(budget: str | None, price: str | None, negotiable: bool) -> float:
    """1 when the price fits the budget, budget/price when it does not, 0.5 when unknown."""
    if budget is None or price is None or negotiable:
        return 0.5
    b, p = Decimal(budget), Decimal(price)
    if p <= b or p == 0:
        return 1.0
    return float(b / p)


def freshness(updated_at: str, now: dt.datetime) -> float:
    """Exponential decay with the listing's age (one year time constant)."""
    if not updated_at:
        return 0.5
    try:
        when = dt.datetime.fromisoformat(updated_at)
    except ValueError:
        return 0.5
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    days = max(0.0, (now - when).total_seconds() / 86400)
    return math.exp(-days / FRESHNESS_DAYS)
