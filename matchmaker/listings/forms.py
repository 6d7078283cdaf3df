"""The need form follows the 企业技术需求 form; the achievement form the 科技成果 registration."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)

from models.enums import (
    COOPERATION_MODE_LABELS,
    INDUSTRIES,
    MATURITY_LABELS,
    SOLUTION_MODE_LABELS,
    TECH_FIELDS,
)

IP_TYPES = (
    "发明专利",
    "实用新型专利",
    "外观设计专利",
    "软件著作权",
    "植物新品种",
    "集成电路布图设计",
    "技术秘密",
    "其他",
)
IP_STATUSES = ("已授权", "申请中", "已登记", "无")


class MultiCheckboxField(SelectMultipleField):
    """Several choices shown as check boxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def choices(pairs: Iterable[tuple[str, str]] | Iterable[str]) -> list[SelectChoice]:
    """Select options from (value, label) pairs or plain strings."""
    out = []
    for item in pairs:
        value, label = (item, item) if isinstance(item, str) else item
        out.append(SelectChoice(value, label))
    return out


def _blank(label: str, options: Iterable[tuple[str, str]] | Iterable[str]) -> list[SelectChoice]:
    return [SelectChoice("", f"— 请选择{label} —"), *choices(options)]


class ListingForm(FlaskForm):
    """Fields shared by both forms.

    The form carries no validators of its own: every check lives in services.listing_input, so
    all errors appear at once, in Chinese, and the API and the web refuse exactly the same input.
    """

    version = HiddenField()
    title = StringField("名称（必填）")
    keywords = StringField("关键词（1–5 个，以、或逗号分隔）")
    tech_field = SelectField("技术领域", choices=_blank("技术领域", TECH_FIELDS), validate_choice=False)
    region_code = SelectField("所在地区", choices=[], validate_choice=False)
    contact = StringField("联系人及电话")

    def input_data(self) -> dict[str, Any]:
        """Raw values keyed by glossary field names, for services.listing_input."""
        skip = {"csrf_token", "version", "submit"}
        return {name: field.data for name, field in self._fields.items() if name not in skip}


class NeedForm(ListingForm):
    """企业技术需求表."""

    problem = TextAreaField("需求概述：主要问题")
    key_technology = TextAreaField("需求概述：关键技术")
    expected_target = TextAreaField("需求概述：预期目标")
    indicators = TextAreaField("技术指标")
    industry = SelectField("应用行业", choices=_blank("应用行业", INDUSTRIES), validate_choice=False)
    budget = StringField("拟投入资金（万元）")
    solution_modes = MultiCheckboxField(
        "解决方式", choices=choices(SOLUTION_MODE_LABELS.items()), validate_choice=False
    )
    valid_until = StringField("有效期至", render_kw={"type": "date"})


class AchievementForm(ListingForm):
    """科技成果登记表."""

    summary = TextAreaField("成果简介")
    industries = MultiCheckboxField("应用行业", choices=choices(INDUSTRIES), validate_choice=False)
    maturity = SelectField("成熟度", choices=_blank("成熟度", MATURITY_LABELS.items()), validate_choice=False)
    trl = SelectField(
        "技术就绪度（TRL）",
        choices=choices([("", "—"), *((str(i), str(i)) for i in range(1, 10))]),
        validate_choice=False,
    )
    ip_type = SelectField("知识产权类型", choices=_blank("知识产权类型", IP_TYPES), validate_choice=False)
    ip_number = StringField("专利号/登记号")
    ip_status = SelectField("知识产权状态", choices=_blank("状态", IP_STATUSES), validate_choice=False)
    cooperation_modes = MultiCheckboxField(
        "合作方式", choices=choices(COOPERATION_MODE_LABELS.items()), validate_choice=False
    )
    price = StringField("转让价格（万元，空白为面议）")


class ActionForm(FlaskForm):
    """A button that changes state (CSRF only)."""
