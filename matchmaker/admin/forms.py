"""Forms of the admin area: users, password reset and organisations.

Semantic checks (username format, password length, jurisdiction, credit code, duplicates) live
in services.admin, so the CLI and the pages give the same field-named messages.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from matchmaker.auth.current import ROLE_LABELS
from matchmaker.listings.forms import choices
from matchmaker.services.admin_organizations import ORG_KIND_LABELS

SKIP = {"csrf_token", "submit"}


class AdminForm(FlaskForm):
    """Shared: the values a service takes."""

    def values(self) -> dict[str, Any]:
        """Field data keyed by field name, without the CSRF token."""
        return {name: field.data for name, field in self._fields.items() if name not in SKIP}


class UserEditForm(AdminForm):
    """What an admin may change on an existing user."""

    display_name = StringField("姓名/显示名", validators=[Optional(), Length(max=100, message="最多 100 字")])
    role = SelectField(
        "角色",
        choices=choices([("", "— 请选择角色 —"), *ROLE_LABELS.items()]),
        validators=[DataRequired("请选择角色")],
        validate_choice=False,
    )
    organization_id = SelectField("所属单位", choices=[], validate_choice=False)
    jurisdiction_code = SelectField("管辖区域（科技局用户必填）", choices=[], validate_choice=False)


class UserCreateForm(UserEditForm):
    """A new user with an initial password."""

    username = StringField(
        "用户名", validators=[DataRequired("请输入用户名"), Length(max=64, message="用户名最多 64 位")]
    )
    password = PasswordField(
        "初始密码（至少 8 位）",
        validators=[DataRequired("请输入初始密码"), Length(max=256, message="密码过长")],
    )


class PasswordForm(AdminForm):
    """Reset a user's password."""

    password = PasswordField(
        "新密码（至少 8 位）",
        validators=[DataRequired("请输入新密码"), Length(max=256, message="密码过长")],
    )


class OrganizationForm(AdminForm):
    """An organisation."""

    name = StringField(
        "单位名称", validators=[DataRequired("单位名称不能为空"), Length(max=200, message="最多 200 字")]
    )
    kind = SelectField(
        "单位类型",
        choices=choices([("", "— 请选择单位类型 —"), *ORG_KIND_LABELS.items()]),
        validators=[DataRequired("请选择单位类型")],
        validate_choice=False,
    )
    credit_code = StringField(
        "统一社会信用代码（选填）", validators=[Optional(), Length(max=40, message="统一社会信用代码为 18 位")]
    )
    region_code = SelectField("所在地区", choices=[], validate_choice=False)
    is_high_tech = BooleanField("高新技术企业")
    is_tech_sme = BooleanField("科技型中小企业")
