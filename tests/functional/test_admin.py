"""The admin area: users and organisations, for the admin role only, every change audited."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from models import AuditEvent, AuthSession, IndexOutbox, Organization, User
from models.organization import credit_code_check_char
from tests.webclient import WebClient

OTHER_ROLES = ("enterprise", "enterprise2", "research", "broker", "bureau")
NEW_USER = {
    "username": "zhang.san",
    "display_name": "张三",
    "role": "enterprise",
    "organization_id": "",
    "jurisdiction_code": "",
    "password": "a-new-password",
}


def _runtime(app: Flask) -> Any:
    return app.extensions["matchmaker"]


def credit_code(first17: str = "91140600MA0K00001") -> str:
    """A valid 统一社会信用代码 with ``first17`` and its check character."""
    return first17 + credit_code_check_char(first17)


def user_id(app: Flask, username: str) -> int:
    """The id of a user."""
    with _runtime(app).session_factory() as session:
        found = session.scalar(select(User.id).where(User.username == username))
        assert found is not None
        return found


def user_row(app: Flask, username: str) -> User:
    """A detached copy of a user row."""
    with _runtime(app).session_factory() as session:
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None
        session.expunge(user)
        return user


def org_by_name(app: Flask, name: str) -> Organization:
    """A detached copy of an organisation row."""
    with _runtime(app).session_factory() as session:
        org = session.scalar(select(Organization).where(Organization.name == name))
        assert org is not None, name
        session.expunge(org)
        return org


def audits(app: Flask, action: str) -> list[AuditEvent]:
    """Audit events of one action done through the admin area (not by the demo loader), oldest first."""
    with _runtime(app).session_factory() as session:
        stmt = select(AuditEvent).where(AuditEvent.action == action, AuditEvent.actor.in_(("admin", *OTHER_ROLES)))
        rows = list(session.scalars(stmt.order_by(AuditEvent.id)))
        session.expunge_all()
        return rows


def field_errors(body: str, name: str) -> str:
    """The error text shown under the form field ``name``."""
    match = re.search(
        rf'<div class="mb-3" data-field="{name}">(.*?)</div>\s*(?=<div class="mb-3"|<div>|</div>)', body, re.S
    )
    assert match, f"no field {name}"
    return " ".join(re.findall(r'<div class="invalid-feedback d-block">([^<]*)</div>', match.group(0)))


def admin_client(app: Flask) -> WebClient:
    """A client logged in as the demo admin."""
    web = WebClient(app)
    assert web.login("admin").status_code == 302
    return web


# Access ----------------------------------------------------------------------------------------


def test_admin_sees_every_page(app: Flask, web: WebClient) -> None:
    web.login("admin")
    users = web.text("/admin/users")
    assert "用户管理" in users and "table-responsive" in users
    assert "科技局" in users and "系统管理员" in users and "技术经理人" in users  # role labels
    assert "山西省朔州市" in users  # the bureau user's jurisdiction by name
    assert "演示" in users and "太原理工大学" in users
    assert "新建用户" in web.text("/admin/users/new")
    edit = web.text(f"/admin/users/{user_id(app, 'bureau')}/edit")
    assert "科技局工作人员（演示）" in edit and "重置密码" in edit and "停用账户" in edit
    orgs = web.text("/admin/organizations")
    assert "单位管理" in orgs and "table-responsive" in orgs and "高校" in orgs
    assert "新建单位" in web.text("/admin/organizations/new")
    second = web.text("/admin/organizations?kind=enterprise&page=2")
    assert "第 2/" in second and "kind=enterprise" in second  # paged, filters kept
    org = org_by_name(app, "太原理工大学")
    assert "太原理工大学" in web.text(f"/admin/organizations/{org.id}/edit")
    assert "用户管理" in web.text("/")  # the navigation links resolve
    assert web.get("/admin/users/999999/edit").status_code == 404
    assert web.get("/admin/organizations/999999/edit").status_code == 404


@pytest.mark.parametrize("username", OTHER_ROLES)
def test_every_other_role_is_refused(app: Flask, web: WebClient, username: str) -> None:
    web.login(username)
    target = user_id(app, "enterprise2")
    org = org_by_name(app, "太原理工大学")
    pages = [
        "/admin/users",
        "/admin/users/new",
        f"/admin/users/{target}/edit",
        "/admin/organizations",
        "/admin/organizations/new",
        f"/admin/organizations/{org.id}/edit",
    ]
    for url in pages:
        assert web.get(url).status_code == 403, url
    posts = [
        ("/admin/users/new", NEW_USER),
        (f"/admin/users/{target}/disable", {}),
        (f"/admin/users/{target}/enable", {}),
        (f"/admin/users/{target}/password", {"password": "another-password"}),
        (f"/admin/users/{target}/edit", {"display_name": "x", "role": "admin"}),
        ("/admin/organizations/new", {"name": "某公司", "kind": "enterprise"}),
    ]
    for url, data in posts:
        assert web.post(url, data).status_code == 403, url
    assert user_row(app, "enterprise2").is_active and user_row(app, "enterprise2").role == "enterprise"
    assert not audits(app, "user.create") and not audits(app, "organization.create")


def test_anonymous_visitors_are_sent_to_login(web: WebClient) -> None:
    for url in ("/admin/users", "/admin/users/new", "/admin/organizations", "/admin/organizations/new"):
        response = web.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/auth/login?next="), url


# Users -----------------------------------------------------------------------------------------


def test_user_list_filters(app: Flask) -> None:
    web = admin_client(app)
    page = web.text("/admin/users?role=bureau")
    assert 'data-username="bureau"' in page and 'data-username="broker"' not in page
    page = web.text("/admin/users?q=太原理工")
    assert 'data-username="research"' in page and 'data-username="bureau"' not in page
    page = web.text("/admin/users?q=经理人")
    assert 'data-username="broker"' in page and 'data-username="research"' not in page
    web.post(f"/admin/users/{user_id(app, 'broker')}/disable")
    page = web.text("/admin/users?active=0")
    assert 'data-username="broker"' in page and 'data-username="admin"' not in page
    page = web.text("/admin/users?active=1")
    assert 'data-username="broker"' not in page and 'data-username="admin"' in page


def test_create_a_user_who_can_then_log_in(app: Flask) -> None:
    web = admin_client(app)
    org = org_by_name(app, "太原理工大学")
    data = {**NEW_USER, "role": "research", "organization_id": str(org.id)}
    response = web.post("/admin/users/new", data)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    created = user_row(app, "zhang.san")
    assert created.role == "research" and created.organization_id == org.id and created.display_name == "张三"
    assert created.is_active and not created.is_demo and created.jurisdiction_code is None
    (event,) = audits(app, "user.create")
    assert (
        event.actor == "admin"
        and event.before is None
        and event.after is not None
        and event.after["username"] == "zhang.san"
        and event.after["role"] == "research"
    )
    assert "已创建用户 zhang.san" in web.text(response.headers["Location"])
    newcomer = WebClient(app)
    assert newcomer.login("zhang.san", "a-new-password").status_code == 302
    assert "太原理工大学" in newcomer.text("/")


def test_create_a_bureau_user_with_a_jurisdiction(app: Flask) -> None:
    web = admin_client(app)
    data = {**NEW_USER, "username": "huairen", "role": "bureau", "jurisdiction_code": "140681"}
    assert web.post("/admin/users/new", data).status_code == 302
    assert user_row(app, "huairen").jurisdiction_code == "140681"
    assert "山西省朔州市" in web.text("/admin/users?role=bureau")


def test_user_errors_name_their_field_and_store_nothing(app: Flask) -> None:
    web = admin_client(app)
    with _runtime(app).session_factory() as session:
        before = session.scalar(select(func.count()).select_from(User))
    body = web.post("/admin/users/new", {**NEW_USER, "username": "张 三!"}).get_data(as_text=True)
    assert "用户名须为 3–64 位字母、数字或 _ . -" in field_errors(body, "username")
    body = web.post("/admin/users/new", {**NEW_USER, "password": "short"}).get_data(as_text=True)
    assert "密码至少 8 位" in field_errors(body, "password")
    body = web.post("/admin/users/new", {**NEW_USER, "role": "bureau"}).get_data(as_text=True)
    assert "科技局用户须指定管辖区域" in field_errors(body, "jurisdiction_code")
    body = web.post("/admin/users/new", {**NEW_USER, "role": "bureau", "jurisdiction_code": "999999"}).get_data(
        as_text=True
    )
    assert "行政区划代码 999999 不存在" in field_errors(body, "jurisdiction_code")
    body = web.post("/admin/users/new", {**NEW_USER, "role": "boss"}).get_data(as_text=True)
    assert "请选择角色" in field_errors(body, "role")
    body = web.post("/admin/users/new", {**NEW_USER, "organization_id": "999999"}).get_data(as_text=True)
    assert "所选单位不存在" in field_errors(body, "organization_id")
    body = web.post("/admin/users/new", {**NEW_USER, "username": "broker"}).get_data(as_text=True)
    assert "用户名 broker 已存在" in field_errors(body, "username")
    with _runtime(app).session_factory() as session:
        assert session.scalar(select(func.count()).select_from(User)) == before
    assert not audits(app, "user.create")


def test_a_role_change_applies_on_the_next_request(app: Flask) -> None:
    user = WebClient(app)
    user.login("enterprise")
    assert user.get("/matches/pursued").status_code == 403
    admin = admin_client(app)
    target = user_row(app, "enterprise")
    response = admin.post(
        f"/admin/users/{target.id}/edit",
        {"display_name": "改为经理人", "role": "broker", "organization_id": "", "jurisdiction_code": ""},
    )
    assert response.status_code == 302
    assert "将在其下一次操作时生效" in admin.text(response.headers["Location"])
    assert user.get("/matches/pursued").status_code == 200  # same session, new role
    page = user.text("/")
    assert "技术经理人" in page and "改为经理人" in page
    (event,) = audits(app, "user.update")
    assert event.before is not None and event.after is not None
    assert event.before["role"] == "enterprise" and event.after["role"] == "broker"
    assert event.before["organization_id"] == target.organization_id and event.after["organization_id"] is None


def test_an_organisation_change_applies_on_the_next_request(app: Flask) -> None:
    user = WebClient(app)
    user.login("research")
    org = org_by_name(app, "山西大学")
    admin = admin_client(app)
    data = {"display_name": "科研人员", "role": "research", "organization_id": str(org.id), "jurisdiction_code": ""}
    assert admin.post(f"/admin/users/{user_id(app, 'research')}/edit", data).status_code == 302
    assert "山西大学" in user.text("/")


def test_edit_errors_name_their_field(app: Flask) -> None:
    web = admin_client(app)
    target = user_id(app, "enterprise2")
    data = {"display_name": "x", "role": "bureau", "organization_id": "", "jurisdiction_code": ""}
    body = web.post(f"/admin/users/{target}/edit", data).get_data(as_text=True)
    assert "科技局用户须指定管辖区域" in field_errors(body, "jurisdiction_code")
    assert user_row(app, "enterprise2").role == "enterprise"
    assert not audits(app, "user.update")


def test_disabling_ends_existing_sessions_and_enabling_restores_login(app: Flask) -> None:
    user = WebClient(app)
    user.login("broker")
    assert user.get("/matches/pursued").status_code == 200
    admin = admin_client(app)
    target = user_id(app, "broker")
    response = admin.post(f"/admin/users/{target}/disable", {"next": "/admin/users?role=broker"})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/users?role=broker"
    assert "已停用用户 broker" in admin.text("/admin/users")
    assert user.get("/matches/pursued").status_code == 302  # out on the next request
    assert user.login("broker").status_code == 401
    with _runtime(app).session_factory() as session:
        live = session.scalar(
            select(func.count())
            .select_from(AuthSession)
            .where(AuthSession.user_id == target, AuthSession.revoked_at.is_(None))
        )
        assert live == 0
    (event,) = audits(app, "user.disable")
    assert event.actor == "admin" and event.before == {"is_active": True} and event.after == {"is_active": False}
    assert admin.post(f"/admin/users/{target}/enable").status_code == 302
    (event,) = audits(app, "user.enable")
    assert event.before == {"is_active": False} and event.after == {"is_active": True}
    assert user.login("broker").status_code == 302


def test_password_reset_ends_sessions_and_sets_the_new_password(app: Flask) -> None:
    user = WebClient(app)
    user.login("research")
    admin = admin_client(app)
    target = user_id(app, "research")
    body = admin.post(f"/admin/users/{target}/password", {"password": "short"}).get_data(as_text=True)
    assert "密码至少 8 位" in field_errors(body, "password")
    assert user.get("/achievements/mine").status_code == 200  # nothing happened yet
    response = admin.post(f"/admin/users/{target}/password", {"password": "brand-new-pass"})
    assert response.status_code == 302
    assert "其所有登录会话已失效" in admin.text(response.headers["Location"])
    assert user.get("/achievements/mine").status_code == 302
    assert user.login("research").status_code == 401
    assert user.login("research", "brand-new-pass").status_code == 302
    (event,) = audits(app, "user.password_reset")
    assert event.actor == "admin" and event.after is not None and event.after["password_reset"] is True
    assert "hash" not in str(event.after)


def test_an_admin_cannot_disable_or_demote_themself(app: Flask) -> None:
    web = admin_client(app)
    me = user_id(app, "admin")
    response = web.post(f"/admin/users/{me}/disable")
    assert response.status_code == 302
    assert "不能停用自己的账户" in web.text(response.headers["Location"])
    assert user_row(app, "admin").is_active
    data = {"display_name": "管理员", "role": "broker", "organization_id": "", "jurisdiction_code": ""}
    body = web.post(f"/admin/users/{me}/edit", data).get_data(as_text=True)
    assert "不能取消自己的系统管理员角色" in field_errors(body, "role")
    assert user_row(app, "admin").role == "admin"
    assert web.get("/admin/users").status_code == 200  # still logged in, still admin
    assert not audits(app, "user.disable") and not audits(app, "user.update")


# Organisations ---------------------------------------------------------------------------------


ORG_FORM = {
    "name": "朔州 华兴新材料有限公司(怀仁)",
    "kind": "enterprise",
    "credit_code": "",
    "region_code": "140681",
    "is_high_tech": "y",
}


def test_organisation_list_filters_and_counts(app: Flask) -> None:
    web = admin_client(app)
    page = web.text("/admin/organizations?kind=university")
    assert "太原理工大学" in page and "朔州市科学技术局" not in page
    page = web.text("/admin/organizations?q=太原理工")
    row = re.search(r"<tr>\s*<td><a [^>]*>太原理工大学</a>.*?</tr>", page, re.S)
    assert row is not None and "高校" in row.group(0)
    counts = re.findall(r'<td class="text-end">(\d+)</td>', row.group(0))
    assert int(counts[0]) == 1 and int(counts[2]) > 0  # the research user; its achievements


def test_create_and_edit_an_organisation(app: Flask) -> None:
    web = admin_client(app)
    code = credit_code()
    response = web.post("/admin/organizations/new", {**ORG_FORM, "credit_code": code.lower()})
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    org = org_by_name(app, "朔州华兴新材料有限公司（怀仁）")  # normalised name
    assert org.credit_code == code and org.kind == "enterprise" and org.region_code == "140681"
    assert org.is_high_tech and not org.is_tech_sme
    (event,) = audits(app, "organization.create")
    assert event.actor == "admin" and event.before is None and event.after is not None
    assert event.after["credit_code"] == code
    page = web.text("/admin/organizations?q=华兴")
    assert code in page and "高新技术企业" in page and "企业" in page and "山西省朔州市" in page
    data = {**ORG_FORM, "name": "朔州华兴新材料股份有限公司", "credit_code": code, "is_tech_sme": "y"}
    data.pop("is_high_tech")
    response = web.post(f"/admin/organizations/{org.id}/edit", data)
    assert response.status_code == 302
    org = org_by_name(app, "朔州华兴新材料股份有限公司")
    assert org.is_tech_sme and not org.is_high_tech
    (event,) = audits(app, "organization.update")
    assert event.before is not None and event.after is not None
    assert (
        event.before["name"] == "朔州华兴新材料有限公司（怀仁）" and event.after["name"] == "朔州华兴新材料股份有限公司"
    )
    assert event.before["is_high_tech"] is True and event.after["is_high_tech"] is False


def test_renaming_an_organisation_reindexes_its_listings(app: Flask) -> None:
    web = admin_client(app)
    org = org_by_name(app, "太原理工大学")
    config = _runtime(app).config

    def outbox() -> int:
        with _runtime(app).session_factory() as session:
            return session.scalar(select(func.count()).select_from(IndexOutbox)) or 0

    data = {"name": "太原理工大学（测试）", "kind": "university", "region_code": org.region_code or ""}
    config.INDEX_SYNC_INLINE = False
    assert web.post(f"/admin/organizations/{org.id}/edit", data).status_code == 302
    assert outbox() > 0  # its listings are queued for re-indexing
    config.INDEX_SYNC_INLINE = True
    assert web.post(f"/admin/organizations/{org.id}/edit", {**data, "name": "太原理工大学"}).status_code == 302
    assert outbox() == 0  # and applied right away when inline sync is on
    first, second = audits(app, "organization.update")
    assert first.after is not None and first.after["name"] == "太原理工大学（测试）"
    assert second.after is not None and second.after["name"] == "太原理工大学"


def test_organisation_errors_name_their_field(app: Flask) -> None:
    web = admin_client(app)
    code = credit_code()
    assert web.post("/admin/organizations/new", {**ORG_FORM, "credit_code": code}).status_code == 302
    bad = code[:17] + ("0" if code[17] != "0" else "1")
    body = web.post("/admin/organizations/new", {**ORG_FORM, "name": "另一家", "credit_code": bad}).get_data(
        as_text=True
    )
    assert "统一社会信用代码无效" in field_errors(body, "credit_code")
    body = web.post("/admin/organizations/new", {**ORG_FORM, "name": "朔州华兴新材料有限公司 (怀仁)"}).get_data(
        as_text=True
    )
    assert "已有名为“朔州华兴新材料有限公司（怀仁）”的单位" in field_errors(body, "name")
    body = web.post("/admin/organizations/new", {**ORG_FORM, "name": "另一家", "credit_code": code}).get_data(
        as_text=True
    )
    assert f"统一社会信用代码 {code} 已被其他单位使用" in field_errors(body, "credit_code")
    body = web.post("/admin/organizations/new", {**ORG_FORM, "name": "另一家", "kind": "club"}).get_data(as_text=True)
    assert "请选择单位类型" in field_errors(body, "kind")
    body = web.post("/admin/organizations/new", {**ORG_FORM, "name": "", "kind": ""}).get_data(as_text=True)
    assert "单位名称不能为空" in field_errors(body, "name") and "请选择单位类型" in field_errors(body, "kind")
    other = org_by_name(app, "太原理工大学")
    data = {"name": "朔州华兴新材料有限公司（怀仁）", "kind": "university", "region_code": ""}
    body = web.post(f"/admin/organizations/{other.id}/edit", data).get_data(as_text=True)
    assert "已有名为" in field_errors(body, "name")
    assert org_by_name(app, "太原理工大学").kind == "university"
    assert len(audits(app, "organization.create")) == 1 and not audits(app, "organization.update")
