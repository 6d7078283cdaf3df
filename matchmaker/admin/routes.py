"""Administration of users and organisations (admin role only).

Each view parses a form, calls services.admin (which validates, audits and commits) and maps
field-named errors back onto the form.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from matchmaker.admin.forms import OrganizationForm, PasswordForm, UserCreateForm, UserEditForm
from matchmaker.auth.current import ROLE_LABELS, current_actor
from matchmaker.listings.forms import ActionForm, choices
from matchmaker.services import admin, admin_organizations
from matchmaker.services.errors import ServiceError, ValidationError
from matchmaker.templating import region_name
from matchmaker.web import abort_for, page_arg, region_choices, roles_required, runtime
from models.enums import Role

bp = Blueprint("admin", __name__, url_prefix="/admin")
ACTIVE_ARGS = {"1": True, "0": False}


def _arg(name: str) -> str | None:
    value = (request.args.get(name) or "").strip()
    return value or None


@contextmanager
def _not_found_or_denied() -> Iterator[None]:
    """Turn NotFoundError and PermissionDeniedError into 404 and 403."""
    try:
        yield
    except ServiceError as exc:
        abort_for(exc)
        raise


def _form_errors(form: FlaskForm, exc: ServiceError) -> None:
    """Put each field-named message on its field; the others become flash messages."""
    abort_for(exc)
    errors = exc.errors if isinstance(exc, ValidationError) else {exc.field or "": str(exc)}
    for name, message in errors.items():
        field = form._fields.get(name) if name != "csrf_token" else None
        if field is not None:
            field.errors = [*list(field.errors), message]
        else:
            flash(message, "danger")


def _regions(blank: str, current: str | None) -> list[tuple[str, str]]:
    """Home-province regions for a select, keeping a current value that lies elsewhere."""
    pairs = [("", blank), *region_choices()]
    if current and current not in {code for code, _ in pairs}:
        pairs.append((current, region_name(current)))
    return pairs


def _back(default: str) -> Response:
    """Redirect to the form's ``next`` (an admin page) or to ``default``."""
    target = request.form.get("next") or ""
    ok = target.startswith("/admin/") and "//" not in target and "\\" not in target
    return redirect(target if ok else default)


# Users -----------------------------------------------------------------------------------------


@bp.get("/users")
@roles_required(Role.ADMIN)
def users() -> str:
    """Users, filtered by role, state and text, paged."""
    active = ACTIVE_ARGS.get(request.args.get("active", ""))
    query = admin.UserQuery(role=_arg("role"), active=active, q=_arg("q"))
    with _not_found_or_denied(), runtime().session_factory() as session:
        page = admin.list_users(session, current_actor(), query, page_arg())
    return render_template("admin/users.html", page=page, roles=ROLE_LABELS)


def _user_choices(form: UserEditForm) -> None:
    with runtime().session_factory() as session:
        orgs = admin.organization_options(session)
    form.organization_id.choices = choices([("", "— 无 —"), *((str(i), name) for i, name in orgs)])
    form.jurisdiction_code.choices = choices(_regions("— 不适用 —", form.jurisdiction_code.data))


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_user() -> Response | str:
    """Create a user with an initial password."""
    form = UserCreateForm()
    if form.validate_on_submit():
        try:
            user_id = admin.create_user_account(runtime(), current_actor(), form.values())
        except ServiceError as exc:
            _form_errors(form, exc)
        else:
            flash(f"已创建用户 {form.username.data}", "success")
            return redirect(url_for("admin.edit_user", user_id=user_id))
    _user_choices(form)
    return render_template("admin/user_form.html", form=form, user=None)


def _load_user(user_id: int) -> admin.UserRow:
    with _not_found_or_denied(), runtime().session_factory() as session:
        return admin.get_user(session, current_actor(), user_id)


def _fill_user(form: UserEditForm, user: admin.UserRow) -> None:
    form.display_name.data = user.display_name
    form.role.data = user.role
    form.organization_id.data = str(user.organization_id or "")
    form.jurisdiction_code.data = user.jurisdiction_code or ""


def _render_user(user: admin.UserRow, form: UserEditForm, password_form: PasswordForm) -> str:
    _user_choices(form)
    return render_template(
        "admin/user_form.html",
        form=form,
        user=user,
        password_form=password_form,
        roles=ROLE_LABELS,
    )


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_user(user_id: int) -> Response | str:
    """Change a user's display name, role, organisation and jurisdiction."""
    user = _load_user(user_id)
    form = UserEditForm()
    if request.method == "GET":
        _fill_user(form, user)
    elif form.validate_on_submit():
        try:
            changed = admin.update_user(runtime(), current_actor(), user_id, form.values())
        except ServiceError as exc:
            _form_errors(form, exc)
        else:
            if changed:
                flash(f"已保存用户 {user.username} 的修改，将在其下一次操作时生效", "success")
            else:
                flash("没有需要保存的修改", "info")
            return redirect(url_for("admin.edit_user", user_id=user_id))
    return _render_user(user, form, PasswordForm(formdata=None))


@bp.post("/users/<int:user_id>/password")
@roles_required(Role.ADMIN)
def reset_password(user_id: int) -> Response | str:
    """Set a new password; every session of the user ends."""
    user = _load_user(user_id)
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            admin.reset_password(runtime(), current_actor(), user_id, form.password.data or "")
        except ServiceError as exc:
            _form_errors(form, exc)
        else:
            flash(f"已重置用户 {user.username} 的密码，其所有登录会话已失效", "success")
            return redirect(url_for("admin.edit_user", user_id=user_id))
    edit_form = UserEditForm(formdata=None)
    _fill_user(edit_form, user)
    return _render_user(user, edit_form, form)


def _set_enabled(user_id: int, active: bool) -> Response:
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        username = admin.set_user_enabled(runtime(), current_actor(), user_id, active)
    except ServiceError as exc:
        abort_for(exc)
        flash(str(exc), "danger")
    else:
        flash(f"已启用用户 {username}" if active else f"已停用用户 {username}，其所有登录会话已失效", "success")
    return _back(url_for("admin.edit_user", user_id=user_id))


@bp.post("/users/<int:user_id>/disable")
@roles_required(Role.ADMIN)
def disable_user(user_id: int) -> Response:
    """Disable a user and end their sessions (not oneself)."""
    return _set_enabled(user_id, False)


@bp.post("/users/<int:user_id>/enable")
@roles_required(Role.ADMIN)
def enable_user(user_id: int) -> Response:
    """Enable a disabled user."""
    return _set_enabled(user_id, True)


# Organisations ---------------------------------------------------------------------------------


@bp.get("/organizations")
@roles_required(Role.ADMIN)
def organizations() -> str:
    """Organisations, filtered by kind and name, paged, with their users, needs and achievements."""
    query = admin_organizations.OrganizationQuery(kind=_arg("kind"), q=_arg("q"))
    with _not_found_or_denied(), runtime().session_factory() as session:
        page = admin_organizations.list_organizations(session, current_actor(), query, page_arg())
    return render_template("admin/organizations.html", page=page, kinds=admin_organizations.ORG_KIND_LABELS)


def _render_org(form: OrganizationForm, org: admin_organizations.OrganizationRow | None) -> str:
    form.region_code.choices = choices(_regions("— 未指定 —", form.region_code.data))
    return render_template("admin/organization_form.html", form=form, org=org)


@bp.route("/organizations/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_organization() -> Response | str:
    """Create an organisation."""
    form = OrganizationForm()
    if form.validate_on_submit():
        try:
            admin_organizations.create_organization(runtime(), current_actor(), form.values())
        except ServiceError as exc:
            _form_errors(form, exc)
        else:
            flash(f"已创建单位 {form.name.data}", "success")
            return redirect(url_for("admin.organizations"))
    return _render_org(form, None)


@bp.route("/organizations/<int:org_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_organization(org_id: int) -> Response | str:
    """Change an organisation's name, kind, credit code, region and flags."""
    with _not_found_or_denied(), runtime().session_factory() as session:
        org = admin_organizations.get_organization(session, current_actor(), org_id)
    form = OrganizationForm()
    if request.method == "GET":
        form.name.data = org.name
        form.kind.data = org.kind
        form.credit_code.data = org.credit_code or ""
        form.region_code.data = org.region_code or ""
        form.is_high_tech.data = org.is_high_tech
        form.is_tech_sme.data = org.is_tech_sme
    elif form.validate_on_submit():
        try:
            changed = admin_organizations.update_organization(runtime(), current_actor(), org_id, form.values())
        except ServiceError as exc:
            _form_errors(form, exc)
        else:
            flash(
                f"已保存单位 {org.name} 的修改" if changed else "没有需要保存的修改", "success" if changed else "info"
            )
            return redirect(url_for("admin.organizations"))
    return _render_org(form, org)
