"""Region statistics over JSON: ``GET /api/v1/stats?region=<code>&from=<date>&to=<date>``.

The same figures as the statistics page (``services.statistics``), for bureau staff within their
jurisdiction and for admins. Money is a string of yuan with two decimals, rates and medians are
strings of exact decimals, so that nothing passes through a float.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import jsonify, request
from werkzeug.wrappers import Response

from matchmaker.api.common import current_actor, runtime, token_required
from matchmaker.api.serializers import money
from matchmaker.services.errors import PermissionDeniedError, ValidationError
from matchmaker.services.statistics import ContractGroup, ContractSide, RegionStats, TargetProgress, region_statistics
from matchmaker.stats.query import china_today, default_region, parse_query, refusal


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}"


def _group(group: ContractGroup) -> dict[str, Any]:
    return {
        "key": group.key,
        "label": group.label,
        "count": group.count,
        "total_amount": money(group.total_amount),
        "tech_transaction_amount": money(group.tech_transaction_amount),
    }


def _side(side: ContractSide) -> dict[str, Any]:
    summary = _group(side.summary)
    return {
        "count": summary["count"],
        "total_amount": summary["total_amount"],
        "tech_transaction_amount": summary["tech_transaction_amount"],
        "by_type": [_group(g) for g in side.by_type],
        "by_field": [_group(g) for g in side.by_field],
    }


def _target(target: TargetProgress) -> dict[str, Any]:
    def value(amount: Decimal | None) -> str | int | None:
        if amount is None:
            return None
        return int(amount) if target.metric == "contract_count" else money(amount)

    return {
        "year": target.year,
        "metric": target.metric,
        "target": value(target.target),
        "actual": value(target.actual),
        "progress": _decimal(target.progress),
    }


def stats_json(stats: RegionStats) -> dict[str, Any]:
    """Every figure of ``stats``: counts, deals by stage, contracts per side, funnel, lead times, targets."""
    lead_times = {
        name: {"label": t.label, "median_days": _decimal(t.median_days), "samples": t.samples}
        for name, t in (("to_first_proposal", stats.to_first_proposal), ("to_contract", stats.to_contract))
    }
    return {
        "region_code": stats.region_code,
        "region_name": stats.region_name,
        "from": stats.date_from.isoformat(),
        "to": stats.date_to.isoformat(),
        "needs_posted": stats.needs_posted,
        "achievements_posted": stats.achievements_posted,
        "proposals_created": stats.proposals_created,
        "deals_opened": stats.deals_opened,
        "deals_by_stage": dict(stats.deals_by_stage),
        "contracts": {"seller": _side(stats.seller), "buyer": _side(stats.buyer)},
        "funnel": {
            "proposals": stats.funnel.proposals,
            "deals": stats.funnel.deals,
            "contracts": stats.funnel.contracts,
        },
        "lead_times": lead_times,
        "targets": [_target(t) for t in stats.targets],
    }


@token_required
def region_stats() -> Response:
    """Statistics of ``region`` (default: the bureau's jurisdiction, for admins the home province)
    from ``from`` to ``to`` (inclusive China-time dates; default 1 January of this year to today)."""
    actor, rt = current_actor(), runtime()
    query, errors = parse_query(request.args, default_region(actor, rt.config.HOME_PROVINCE_CODE), china_today())
    if errors:
        raise ValidationError(errors)
    reason = refusal(actor, query.region_code, rt.region_resolver())
    if reason:
        raise PermissionDeniedError(reason)
    with rt.session_factory() as session:
        try:
            stats = region_statistics(session, query.region_code, query.date_from, query.date_to)
        except ValidationError as exc:
            names = {"region_code": "region", "date_from": "from", "date_to": "to"}
            raise ValidationError({names.get(k, k): v for k, v in exc.errors.items()}) from None
    return jsonify(stats_json(stats))
