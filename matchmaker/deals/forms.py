"""Forms of the deals pages: opening a deal, moving it to another stage.

The forms only carry the raw text: the deals service decides what is legal (which stage may
follow which, that closing needs a reason) and says so in Chinese, for the web and the API alike.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField


def parse_id(text: str | None) -> int | None:
    """A positive integer id from a form field; None when empty; ValueError when not a number."""
    value = (text or "").strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 12 or int(value) == 0:
        raise ValueError(value)
    return int(value)


class NewDealForm(FlaskForm):
    """Open a deal from a proposal (the button on a proposal), or by hand from a need and/or an achievement."""

    proposal_id = StringField("匹配推荐编号")
    need_id = StringField("技术需求编号")
    achievement_id = StringField("科技成果编号")
    title = StringField("项目名称（留空则由需求和成果名称生成）")
    note = TextAreaField("备注")


class StageForm(FlaskForm):
    """Move a deal to one of its legal next stages; the version guards against stale pages."""

    version = HiddenField()
    # Choices are filled per deal; the service, not the select, refuses an illegal stage.
    stage = SelectField("转到阶段", choices=[], validate_choice=False)
    note = TextAreaField("备注（关闭时必填，写明原因）")
