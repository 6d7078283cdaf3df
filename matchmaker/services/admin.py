"""Administration of users: list, create, edit, enable/disable, password reset (organisations: admin_organizations).

Every change checks the policy, validates naming the field that is wrong, writes the audit trail
with before/after snapshots and commits. Role and organisation changes need no new login: the
login loader reads the user row afresh on every request.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from matchmaker.policy import Actor, Obj, Verb, allowed
from matchmaker.runtime import Runtime
from matchmaker.services.accounts import MIN_PASSWORD_LENGTH, create_user, set_user_active
from matchmaker.services.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ServiceError,
    ValidationError,
)
from matchmaker.services.sessions import revoke_user_sessions
from matchmaker.services.workflow import Page
from models import Organization, Region, User, record_audit
from models.enums import Role

log = logging.getLogger(__name__)

USERNAME_PATTERN = re.compile(r"[A-Za-z0-9_.\-]{3,64}")
DISPLAY_NAME_MAX = 100
ACCOUNT_FIELDS = {"organization": "organization_id", "jurisdiction": "jurisdiction_code"}  # accounts → form


@dataclass(frozen=True)
class UserQuery:
    """Filters of the user list (None: no filter); ``active`` is True, False or None."""

    role: str | None = None
    active: bool | None = None
    q: str | None = None


@dataclass(frozen=True)
class UserRow:
    """One user as the admin pages show it."""

    id: int
    username: str
    display_name: str
    role: str
    organization_id: int | None
    organization_name: str
    jurisdiction_code: str | None
    is_active: bool
    is_demo: bool


def require_admin(actor: Actor, obj: str, verb: str) -> None:
    """Raise PermissionDeniedError unless the policy grants ``verb`` on ``obj`` (admin only)."""
    if not allowed(actor, obj, verb):
        raise PermissionDeniedError("只有系统管理员可以管理用户和单位")


def clean_text(value: Any) -> str:
    """A form value as stripped text ("" for None)."""
    return str(value or "").strip()


def _user_row(user: User) -> UserRow:
    org = user.organization
    return UserRow(
        user.id,
        user.username,
        user.display_name,
        user.role,
        user.organization_id,
        org.name if org is not None else "",
        user.jurisdiction_code,
        user.is_active,
        user.is_demo,
    )


def user_snapshot(user: User) -> dict[str, Any]:
    """Plain-data view of a user for audit events (never the password hash)."""
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "organization_id": user.organization_id,
        "jurisdiction_code": user.jurisdiction_code,
        "is_active": user.is_active,
    }


def list_users(session: Session, actor: Actor, query: UserQuery, page: int = 1, per_page: int = 20) -> Page:
    """Users matching ``query`` (text in username, display name or organisation), by id, paged."""
    require_admin(actor, Obj.USER, Verb.LIST)
    stmt = select(User.id).outerjoin(Organization, Organization.id == User.organization_id)
    if query.role:
        stmt = stmt.where(User.role == query.role)
    if query.active is not None:
        stmt = stmt.where(User.is_active.is_(query.active))
    if query.q:
        q = query.q
        stmt = stmt.where(
            or_(
                User.username.contains(q, autoescape=True),
                User.display_name.contains(q, autoescape=True),
                Organization.name.contains(q, autoescape=True),
            )
        )
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page = max(1, page)
    ids = list(session.scalars(stmt.order_by(User.id).offset((page - 1) * per_page).limit(per_page)))
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids))).unique()}
    return Page([_user_row(users[i]) for i in ids], total, page, per_page)


def get_user(session: Session, actor: Actor, user_id: int) -> UserRow:
    """One user for the edit page."""
    require_admin(actor, Obj.USER, Verb.VIEW)
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError(f"没有编号为 {user_id} 的用户")
    return _user_row(user)


def organization_options(session: Session) -> list[tuple[int, str]]:
    """Every organisation as (id, name), by name, for selects."""
    return [
        (row.id, row.name)
        for row in session.execute(select(Organization.id, Organization.name).order_by(Organization.name))
    ]


def _check_user_fields(session: Session, values: dict[str, Any], errors: dict[str, str]) -> None:
    """Display name, role, organisation and jurisdiction; normalises ``values`` in place."""
    values["display_name"] = clean_text(values.get("display_name"))
    if len(values["display_name"]) > DISPLAY_NAME_MAX:
        errors["display_name"] = f"姓名/显示名最多 {DISPLAY_NAME_MAX} 字"
    role = clean_text(values.get("role"))
    values["role"] = role
    if role not in {r.value for r in Role}:
        errors["role"] = "请选择角色"
    org_id = clean_text(values.get("organization_id"))
    values["organization_id"] = None
    if org_id:
        org = session.get(Organization, int(org_id)) if org_id.isdigit() and len(org_id) < 10 else None
        if org is None:
            errors["organization_id"] = "所选单位不存在"
        else:
            values["organization_id"] = org.id
    code = clean_text(values.get("jurisdiction_code")) or None
    values["jurisdiction_code"] = code if role == Role.BUREAU else None
    if role == Role.BUREAU and not code:
        errors["jurisdiction_code"] = "科技局用户须指定管辖区域"
    elif role == Role.BUREAU and code and session.get(Region, code) is None:
        errors["jurisdiction_code"] = f"行政区划代码 {code} 不存在"


def _check_password(password: str, errors: dict[str, str]) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        errors["password"] = f"密码至少 {MIN_PASSWORD_LENGTH} 位"


def _named(exc: ServiceError) -> ServiceError:
    """An accounts error ("field：message") as a ValidationError on the form field."""
    field, sep, message = str(exc).partition("：")
    if isinstance(exc, ValidationError) or not sep:
        return exc
    return ValidationError({ACCOUNT_FIELDS.get(field, field): message})


def create_user_account(runtime: Runtime, actor: Actor, values: dict[str, Any]) -> int:
    """Create a user from form values (see UserCreateForm); returns its id."""
    require_admin(actor, Obj.USER, Verb.CREATE)
    errors: dict[str, str] = {}
    values = dict(values)
    username = clean_text(values.get("username"))
    if not USERNAME_PATTERN.fullmatch(username):
        errors["username"] = "用户名须为 3–64 位字母、数字或 _ . -"
    password = str(values.get("password") or "")
    _check_password(password, errors)
    with runtime.session_factory() as session:
        _check_user_fields(session, values, errors)
        if errors:
            raise ValidationError(errors)
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            raise ConflictError(f"用户名 {username} 已存在", "username")
        org = session.get(Organization, values["organization_id"]) if values["organization_id"] else None
        try:
            user = create_user(
                session,
                username=username,
                password=password,
                role=values["role"],
                display_name=values["display_name"],
                organization=org.name if org is not None else None,
                jurisdiction_code=values["jurisdiction_code"],
                actor=actor.username,
            )
        except ServiceError as exc:  # accounts names the field as "field：message"
            raise _named(exc) from None
        user_id = user.id
        commit_unique(session, "username", f"用户名 {username} 已存在")
    return user_id


def update_user(runtime: Runtime, actor: Actor, user_id: int, values: dict[str, Any]) -> bool:
    """Change display name, role, organisation and jurisdiction; returns whether anything changed.

    An admin may not demote themself. The change applies on the user's next request.
    """
    require_admin(actor, Obj.USER, Verb.MANAGE)
    errors: dict[str, str] = {}
    values = dict(values)
    with runtime.session_factory() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFoundError(f"没有编号为 {user_id} 的用户")
        _check_user_fields(session, values, errors)
        if user.username == actor.username and values["role"] != Role.ADMIN and "role" not in errors:
            errors["role"] = "不能取消自己的系统管理员角色"
        if errors:
            raise ValidationError(errors)
        values["display_name"] = values["display_name"] or user.username
        before = user_snapshot(user)
        fields = ("display_name", "role", "organization_id", "jurisdiction_code")
        changed = {name: values[name] for name in fields if getattr(user, name) != values[name]}
        if not changed:
            return False
        for name, value in changed.items():
            setattr(user, name, value)
        session.flush()
        record_audit(session, actor.username, "user.update", "user", user.id, before, user_snapshot(user))
        session.commit()
    return True


def set_user_enabled(runtime: Runtime, actor: Actor, user_id: int, active: bool) -> str:
    """Enable or disable a user (disabling ends every session); returns the username.

    An admin may not disable themself.
    """
    require_admin(actor, Obj.USER, Verb.MANAGE)
    with runtime.session_factory() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFoundError(f"没有编号为 {user_id} 的用户")
        if not active and user.username == actor.username:
            raise ConflictError("不能停用自己的账户", "is_active")
        set_user_active(session, user.username, active, actor=actor.username)
        username = user.username
        session.commit()
    return username


def reset_password(runtime: Runtime, actor: Actor, user_id: int, password: str) -> str:
    """Set a new password and end every session of the user; returns the username."""
    require_admin(actor, Obj.USER, Verb.MANAGE)
    errors: dict[str, str] = {}
    _check_password(password, errors)
    if errors:
        raise ValidationError(errors)
    with runtime.session_factory() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFoundError(f"没有编号为 {user_id} 的用户")
        user.password_hash = generate_password_hash(password)
        revoke_user_sessions(session, user.id)
        record_audit(
            session,
            actor.username,
            "user.password_reset",
            "user",
            user.id,
            {"username": user.username},
            {"username": user.username, "password_reset": True, "sessions_revoked": True},
        )
        username = user.username
        session.commit()
    return username


def commit_unique(session: Session, field: str, message: str) -> None:
    """Commit; a unique constraint hit by a concurrent request becomes a ConflictError on ``field``."""
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise ConflictError(message, field) from None
