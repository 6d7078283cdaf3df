"""The yearly target form (年度目标): region, year, metric, target value."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField

from matchmaker.listings.forms import choices
from matchmaker.services.statistics import METRICS


class TargetForm(FlaskForm):
    """Set one yearly target; every check of the values lives in ``services.statistics.set_target``.

    ``date_from`` and ``date_to`` carry the period being viewed, so the page comes back to it.
    """

    region_code = SelectField("地区", choices=[], validate_choice=False)
    year = StringField("年度", render_kw={"inputmode": "numeric", "maxlength": 4})
    metric = SelectField("指标", choices=choices(METRICS.items()), validate_choice=False)
    target = StringField("目标值（金额单位：元；登记数单位：项）", render_kw={"inputmode": "decimal"})
    date_from = HiddenField()
    date_to = HiddenField()

    def values(self) -> tuple[dict[str, Any], dict[str, str]]:
        """The year as an int and the target as an exact Decimal (commas allowed), and format errors."""
        errors: dict[str, str] = {}
        region = (self.region_code.data or "").strip()
        if not (len(region) == 6 and region.isascii() and region.isdigit()):
            errors["region_code"] = "请选择地区"
        year_text = (self.year.data or "").strip()
        year: int | None = None
        if year_text.isascii() and year_text.isdigit() and len(year_text) == 4:
            year = int(year_text)
        else:
            errors["year"] = "年度须为四位数字，如 2026"
        target_text = (self.target.data or "").strip().replace(",", "").replace("，", "")
        target: Decimal | None = None
        try:
            target = Decimal(target_text) if target_text.isascii() and target_text else None
        except InvalidOperation:
            target = None
        if target is None:
            errors["target"] = f"目标值「{target_text[:20]}」不是有效数字" if target_text else "请填写目标值"
        values = {
            "region_code": region,
            "year": year,
            "metric": self.metric.data or "",
            "target": target,
        }
        return values, errors

    def add_errors(self, errors: dict[str, str]) -> list[str]:
        """Attach messages to their fields; returns those that belong to no field."""
        rest = []
        for name, message in errors.items():
            field = self._fields.get(name)
            if field is None:
                rest.append(message)
            else:
                field.errors = [*list(field.errors), message]
        return rest
