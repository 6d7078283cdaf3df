"""Region statistics for bureau staff and admins: dashboard with charts, Excel export, yearly targets.

Each view parses the region and period, checks the region against the user's jurisdiction (403
saying why), calls ``services.statistics`` and renders; the export goes through
``services.excel`` so that no cell of it can be a formula.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from urllib.parse import quote

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from werkzeug.wrappers import Response

from matchmaker.auth.current import current_actor
from matchmaker.services.errors import ServiceError, ValidationError
from matchmaker.services.excel import write_tables
from matchmaker.services.statistics import METRICS, region_statistics, set_target
from matchmaker.stats.display import EXCEL_FORMATS, chart_data, table_views, target_bars
from matchmaker.stats.forms import TargetForm
from matchmaker.stats.query import STATS_ROLES, StatsQuery, china_today, default_region, parse_query, refusal
from matchmaker.stats.query import region_options as options_for
from matchmaker.web import abort_for, roles_required, runtime

bp = Blueprint("stats", __name__, url_prefix="/stats")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_UNSAFE_FILENAME = re.compile(r"[^\w.-]")


def _query() -> tuple[StatsQuery, dict[str, str]]:
    """The region and period of this request, refusing (403) regions outside the jurisdiction."""
    actor, rt = current_actor(), runtime()
    home = rt.config.HOME_PROVINCE_CODE
    query, errors = parse_query(request.args, default_region(actor, home), china_today())
    if "region" not in errors:
        reason = refusal(actor, query.region_code, rt.region_resolver())
        if reason:
            abort(403, reason)
    return query, errors


def _region_options(selected: str) -> list[tuple[str, str]]:
    rt = runtime()
    resolver = rt.region_resolver()
    options = options_for(current_actor(), resolver, rt.config.HOME_PROVINCE_CODE)
    if selected and selected not in {code for code, _ in options} and selected in resolver.names:
        options.insert(0, (selected, resolver.full_name(selected)))
    return options


def _target_form(query: StatsQuery, form: TargetForm | None = None) -> TargetForm:
    """The target form for the viewed region and the last year of the period, unless given."""
    if form is None:
        form = TargetForm(
            formdata=None,
            region_code=query.region_code,
            year=str(query.date_to.year),
            date_from=query.date_from.isoformat(),
            date_to=query.date_to.isoformat(),
        )
    form.region_code.choices = _region_options(form.region_code.data or query.region_code)
    return form


def _render(query: StatsQuery, errors: dict[str, str], form: TargetForm | None = None) -> tuple[str, int]:
    """The dashboard for ``query`` (with ``form`` as posted, if given), or the errors (400) when unusable."""
    stats = None
    if not errors:
        try:
            with runtime().session_factory() as session:
                stats = region_statistics(session, query.region_code, query.date_from, query.date_to)
        except ValidationError as exc:
            errors = {"region" if k == "region_code" else "from": v for k, v in exc.errors.items()}
    page = render_template(
        "stats/dashboard.html",
        query=query,
        errors=errors,
        regions=_region_options(query.region_code),
        stats=stats,
        tables=table_views(stats.tables()) if stats else [],
        charts=chart_data(stats) if stats else {},
        targets=target_bars(stats) if stats else [],
        form=_target_form(query, form),
    )
    return page, 400 if errors else 200


@bp.get("/")
@roles_required(*STATS_ROLES)
def dashboard() -> tuple[str, int]:
    """Every table of the region's statistics for the period, with charts and the target form."""
    return _render(*_query())


@bp.get("/export.xlsx")
@roles_required(*STATS_ROLES)
def export() -> Response:
    """The same tables as an Excel workbook, one sheet per table (attachment)."""
    query, errors = _query()
    if errors:
        abort(400, "；".join(errors.values()))
    try:
        with runtime().session_factory() as session:
            stats = region_statistics(session, query.region_code, query.date_from, query.date_to)
    except ValidationError as exc:
        abort(400, "；".join(exc.errors.values()))
    data = write_tables(stats.tables(), EXCEL_FORMATS)
    period = f"{query.date_from}_{query.date_to}"
    name = _UNSAFE_FILENAME.sub("_", f"区域统计_{stats.region_name}{stats.region_code}_{period}.xlsx")
    response = send_file(io.BytesIO(data), mimetype=XLSX)
    # An ASCII name for old clients, the Chinese one (RFC 6266 / 5987) for every current browser.
    fallback = f"region-statistics_{stats.region_code}_{period}.xlsx"
    response.headers["Content-Disposition"] = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
    return response


def _period_for(form: TargetForm, year: int | None) -> StatsQuery:
    """Back to the posted period when it covers ``year``; else that whole year (up to today)."""
    query, errors = parse_query(
        {"region": form.region_code.data or "", "from": form.date_from.data or "", "to": form.date_to.data or ""},
        default_region(current_actor(), runtime().config.HOME_PROVINCE_CODE),
        china_today(),
    )
    if errors.keys() - {"region"} or (year and not query.date_from.year <= year <= query.date_to.year):
        first = dt.date(year or china_today().year, 1, 1)
        query = StatsQuery(query.region_code, first, min(dt.date(first.year, 12, 31), max(first, china_today())))
    return query


@bp.post("/targets")
@roles_required(*STATS_ROLES)
def target() -> Response | tuple[str, int]:
    """Set a yearly target of one of the user's regions, then show its progress."""
    form = TargetForm()
    if not form.validate_on_submit():
        abort(400, "表单已过期或缺少安全校验，请刷新页面后重试")
    values, errors = form.values()
    query = _period_for(form, values["year"])
    resolver = runtime().region_resolver()
    reason = None if "region_code" in errors else refusal(current_actor(), values["region_code"], resolver)
    if reason:
        abort(403, reason)
    if not errors:
        try:
            with runtime().session_factory() as session:
                set_target(session, current_actor(), **values)
                session.commit()
        except ValidationError as exc:
            errors = exc.errors
        except ServiceError as exc:
            abort_for(exc)
            raise
    if errors:
        for message in form.add_errors(errors):
            flash(message, "danger")
        return _render(query, {}, form)[0], 400
    region = resolver.full_name(values["region_code"])
    metric, amount = METRICS[values["metric"]], values["target"]
    shown = f"{amount:,.2f}" if values["metric"] == "tech_contract_amount" else str(amount)
    flash(f"已设置{region} {values['year']} 年度目标：{metric} {shown}", "success")
    return redirect(url_for("stats.dashboard", _anchor="targets", **query.args()))
