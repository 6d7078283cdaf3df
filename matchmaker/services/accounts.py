"""User accounts: creation, enabling and password checks (with the demo-account rule)."""

from __future__ import annotations

import re
import secrets
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from config import Config
from matchmaker.services.errors import ConflictError, NotFoundError, ServiceError
from matchmaker.services.organizations import find_organization
from matchmaker.services.sessions import revoke_user_sessions
from models import Region, User, record_audit
from models.enums import Role


def authenticate(session: Session, config: Config, username: str, password: str) -> User | None:
    """The active user with these credentials, or None.

    Demo accounts are refused whenever the configuration disallows them (always in production).
    """
    user = session.scalar(select(User).where(User.username == username.strip()))
    usable = user is not None and user.is_active and (config.DEMO_ACCOUNTS_ALLOWED or not user.is_demo)
    # Always one hash check, so the response time does not tell which user names exist.
    matches = check_password_hash(user.password_hash if usable and user else _dummy_hash(), password)
    return user if usable and matches else None


@cache
def _dummy_hash() -> str:
    """A password hash of nothing anyone types, computed once on first use."""
    return generate_password_hash(secrets.token_hex(16))


MIN_PASSWORD_LENGTH = 8


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: str,
    display_name: str = "",
    organization: str | None = None,
    jurisdiction_code: str | None = None,
    actor: str = "cli",
) -> User:
    """Create a user; raises ServiceError naming the field that is wrong. Does not commit."""
    username = username.strip()
    if not re.fullmatch(r"[A-Za-z0-9_.\-]{3,64}", username):
        raise ServiceError("username：用户名须为 3–64 位字母、数字或 _ . -")
    if role not in {r.value for r in Role}:
        raise ServiceError(f"role：未知角色 {role}（可选 {', '.join(r.value for r in Role)}）")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ServiceError(f"password：密码至少 {MIN_PASSWORD_LENGTH} 位")
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise ConflictError(f"username：用户名 {username} 已存在")
    org_id = None
    if organization:
        org = find_organization(session, organization)
        if org is None:
            raise NotFoundError(f"organization：没有名为“{organization}”的单位")
        org_id = org.id
    if role == Role.BUREAU and not jurisdiction_code:
        raise ServiceError("jurisdiction：科技局用户须指定管辖行政区划代码")
    if jurisdiction_code and session.get(Region, jurisdiction_code) is None:
        raise NotFoundError(f"jurisdiction：行政区划代码 {jurisdiction_code} 不存在")
    user = User(
        username=username,
        password_hash=generate_password_hash(password),
        display_name=display_name or username,
        role=role,
        organization_id=org_id,
        jurisdiction_code=jurisdiction_code,
    )
    session.add(user)
    session.flush()
    after = {
        "username": username,
        "role": role,
        "display_name": user.display_name,
        "organization_id": org_id,
        "jurisdiction_code": jurisdiction_code,
    }
    record_audit(session, actor, "user.create", "user", user.id, None, after)
    return user


def set_user_active(session: Session, username: str, active: bool, actor: str = "cli") -> User:
    """Enable or disable a user; audited. Does not commit."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFoundError(f"username：没有用户 {username}")
    if user.is_active != active:
        record_audit(
            session,
            actor,
            "user.enable" if active else "user.disable",
            "user",
            user.id,
            {"is_active": user.is_active},
            {"is_active": active},
        )
        user.is_active = active
        if not active:
            revoke_user_sessions(session, user.id)
    return user
