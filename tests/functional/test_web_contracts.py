"""Contract registration in the browser: submit, the bureau's queue, register, reject, revoke, amend, who sees what."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from matchmaker.policy import Actor
from matchmaker.services.accounts import create_user
from matchmaker.services.contract_input import REQUIRED
from matchmaker.services.deals import DealInput, move_deal, open_deal
from models import Achievement, Contract, Deal, Need, Organization, User
from tests.factories import contract_body
from tests.webclient import WebClient

SIGNED = (dt.date.today() - dt.timedelta(days=30)).isoformat()
CONTRACT_FORM = contract_body(signed_on=SIGNED, valid_from=SIGNED, valid_to="2030-12-31")
# The demo achievements' IP types (short names) as the registration form's codes.
IP_CODES = {
    "发明专利": "invention_patent",
    "实用新型": "utility_model",
    "技术秘密": "trade_secret",
    "植物新品种": "plant_variety",
    "软件著作权": "software_copyright",
    "": "",
}
NUMBER = re.compile(r'data-testid="registration-number">(\d+)<')


def _runtime(app: Flask) -> Any:
    return app.extensions["matchmaker"]


def contract_count(app: Flask) -> int:
    """How many contracts are stored."""
    with _runtime(app).session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(Contract)) or 0)


def contract_row(app: Flask, contract_id: int) -> Contract:
    """The contract as stored."""
    with _runtime(app).session_factory() as session:
        contract = session.get(Contract, contract_id)
        assert contract is not None
        return contract


def submit(web: WebClient, **overrides: str) -> int:
    """POST the registration form as the logged-in user; the new contract's id."""
    response = web.post("/contracts/new", {**CONTRACT_FORM, **overrides})
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    found = re.fullmatch(r"/contracts/(\d+)", response.headers["Location"])
    assert found, response.headers["Location"]
    return int(found[1])


def act(web: WebClient, contract_id: int, action: str, reason: str = "", version: str | None = None) -> Any:
    """POST a bureau action with the version the contract page shows (unless given); follows the redirect."""
    if version is None:
        page = web.text(f"/contracts/{contract_id}")
        found = re.search(r'name="version" type="hidden" value="(\d+)"', page)
        assert found, "no action form on the contract page"
        version = found[1]
    return web.post(f"/contracts/{contract_id}/{action}", {"version": version, "reason": reason}, follow_redirects=True)


def add_bureau(app: Flask, username: str) -> None:
    """A second bureau account of 朔州市 (password demo-password)."""
    with _runtime(app).session_factory() as session:
        create_user(session, username=username, password="demo-password", role="bureau", jurisdiction_code="140600")
        session.commit()


def test_broker_submits_and_the_bureau_registers_from_its_queue(app: Flask, web: WebClient) -> None:
    web.login("broker")
    assert "技术合同登记" in web.text("/contracts/new")
    contract_id = submit(web)
    page = web.text(f"/contracts/{contract_id}")
    assert "已提交" in page and "待登记" in page
    assert "1,250,000.50 元" in page and "1,000,000.25 元" in page and "怀仁市" in page
    assert 'data-testid="register-actions"' not in page  # brokers do not register
    listing = web.text("/contracts/?status=submitted")
    assert CONTRACT_FORM["project_name"] in listing and "1,250,000.50 元" in listing
    assert CONTRACT_FORM["project_name"] not in web.text("/contracts/?status=registered")
    assert web.get("/contracts/queue").status_code == 403
    web.logout()

    web.login("bureau")
    queue = web.text("/contracts/queue")
    assert CONTRACT_FORM["project_name"] in queue and 'data-testid="queue-item"' in queue
    done = act(web, contract_id, "register")
    body = done.get_data(as_text=True)
    number = re.search(r"已登记，登记编号 (\d{16})", body)
    assert done.status_code == 200 and number, body[-3000:]
    shown = NUMBER.search(body)
    assert shown and shown[1] == number[1] and number[1][4:10] == "140600"  # year, registering office, sequence
    assert 'data-testid="contract-status">已登记' in body and "朔州市" in body
    assert CONTRACT_FORM["project_name"] not in web.text("/contracts/queue")
    stored = contract_row(app, contract_id)
    assert stored.status == "registered" and stored.registration_number == number[1]
    assert stored.total_amount == Decimal("1250000.50") and stored.registered_by == "bureau"
    web.logout()
    web.login("admin")
    assert number[1] in web.text("/contracts/")


def test_bad_amounts_are_named_and_nothing_is_stored(app: Flask, web: WebClient) -> None:
    web.login("broker")
    before = contract_count(app)
    response = web.post("/contracts/new", {**CONTRACT_FORM, "total_amount": "12.345"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    field = body.split('data-field="total_amount"', 1)[1].split('data-field="', 1)[0]
    assert "合同成交额格式不正确" in field and "is-invalid" in field
    response = web.post("/contracts/new", {**CONTRACT_FORM, "tech_transaction_amount": "1250000.51"})
    field = response.get_data(as_text=True).split('data-field="tech_transaction_amount"', 1)[1]
    assert response.status_code == 422 and "技术交易额不能大于合同成交额" in field.split('data-field="', 1)[0]
    response = web.post("/contracts/new", {**CONTRACT_FORM, "project_name": "", "total_amount": ""})
    body = response.get_data(as_text=True)
    assert "请填写项目名称" in body and "请填写合同成交额" in body
    response = web.post("/contracts/new", {**CONTRACT_FORM, "seller_region_code": "999999"})
    assert "行政区划代码 999999 不存在" in response.get_data(as_text=True)
    # What was typed stays in the form.
    assert 'value="1250000.50"' in response.get_data(as_text=True)
    assert contract_count(app) == before


def test_a_large_contract_needs_two_different_bureau_users(app: Flask, web: WebClient) -> None:
    add_bureau(app, "bureau2")
    web.login("broker")
    contract_id = submit(web, total_amount="6000000.00", tech_transaction_amount="5800000.00")
    web.logout()
    web.login("bureau")
    page = web.text(f"/contracts/{contract_id}")
    assert "须由两位科技局人员审核" in page and "初审通过" in page
    assert "需两人审核" in web.text("/contracts/queue")
    first = act(web, contract_id, "register").get_data(as_text=True)
    assert "已完成初审，待另一位科技局人员复核" in first and "待登记" in first
    queue = web.text("/contracts/queue")
    assert "初审：bureau（您）" in queue and "已初审，待复核" in queue
    assert "您已完成初审，须由另一位科技局人员复核登记" in web.text(f"/contracts/{contract_id}")
    again = act(web, contract_id, "register", version=str(contract_row(app, contract_id).version))
    assert again.status_code == 409 and "另一位科技局人员复核" in again.get_data(as_text=True)
    assert contract_row(app, contract_id).status == "submitted"
    web.logout()
    web.login("bureau2")
    assert "初审：bureau ·" in web.text("/contracts/queue")
    done = act(web, contract_id, "register").get_data(as_text=True)
    assert re.search(r"已登记，登记编号 \d{16}", done)
    stored = contract_row(app, contract_id)
    assert (stored.status, stored.first_review_by, stored.registered_by) == ("registered", "bureau", "bureau2")
    assert "6,000,000.00 元" in done


def test_rejecting_needs_a_reason(app: Flask, web: WebClient) -> None:
    web.login("broker")
    contract_id = submit(web)
    web.logout()
    web.login("bureau")
    refused = act(web, contract_id, "reject", "  ")
    assert refused.status_code == 422 and "请填写原因" in refused.get_data(as_text=True)
    assert contract_row(app, contract_id).status == "submitted"
    page = act(web, contract_id, "reject", "合同未约定技术成果的验收标准").get_data(as_text=True)
    assert "已决定不予登记" in page and "不予登记原因：合同未约定技术成果的验收标准" in page
    stored = contract_row(app, contract_id)
    assert stored.status == "rejected" and stored.registration_number is None
    assert act(web, contract_id, "register", version=str(stored.version)).status_code == 409


def test_revoking_a_registered_contract(app: Flask, web: WebClient) -> None:
    web.login("broker")
    contract_id = submit(web)
    web.logout()
    web.login("bureau")
    act(web, contract_id, "register")
    assert act(web, contract_id, "revoke", "").status_code == 422
    page = act(web, contract_id, "revoke", "合同双方已解除合同").get_data(as_text=True)
    assert "已撤销登记" in page and "撤销原因：合同双方已解除合同" in page
    assert 'data-testid="contract-status">已撤销' in page
    stored = contract_row(app, contract_id)
    assert stored.status == "revoked" and stored.revoked_by == "bureau" and stored.registration_number
    history = re.findall(r'data-testid="history-entry">\s*<span class="fw-semibold">([^<]+)</span>\s*'
                         r'<span class="text-muted ms-2">(\w+) · ', page)  # fmt: skip
    assert history == [("提交登记", "broker"), ("登记", "bureau"), ("撤销登记", "bureau")]
    assert f"登记编号 {stored.registration_number}" in page and "合同双方已解除合同" in page


def test_a_stale_page_gets_409_and_changes_nothing(app: Flask, web: WebClient) -> None:
    web.login("broker")
    contract_id = submit(web)
    web.logout()
    web.login("bureau")
    page = web.text(f"/contracts/{contract_id}")
    old = re.search(r'name="version" type="hidden" value="(\d+)"', page)
    assert old
    act(web, contract_id, "register")
    stale = act(web, contract_id, "revoke", "用旧页面撤销", version=old[1])
    assert stale.status_code == 409 and "已被他人修改" in stale.get_data(as_text=True)
    assert contract_row(app, contract_id).status == "registered"


def test_an_amendment_keeps_the_original_and_supersedes_it_once_registered(app: Flask, web: WebClient) -> None:
    web.login("broker")
    original_id = submit(web)
    web.logout()
    web.login("bureau")
    act(web, original_id, "register")
    number = contract_row(app, original_id).registration_number
    form = web.text(f"/contracts/{original_id}/amend")
    assert 'value="1250000.50"' in form and "变更原因" in form and str(number) in form
    version = re.search(r'name="version" type="hidden" value="(\d+)"', form)
    assert version
    changed = {**CONTRACT_FORM, "total_amount": "1300000.00", "version": version[1]}
    missing = web.post(f"/contracts/{original_id}/amend", {**changed, "total_amount": "1.001"})
    body = missing.get_data(as_text=True)
    assert missing.status_code == 422 and "请填写变更原因" in body and "合同成交额格式不正确" in body
    response = web.post(f"/contracts/{original_id}/amend", {**changed, "amendment_reason": "补充协议增加了技术服务费"})
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    amendment_id = int(response.headers["Location"].rsplit("/", 1)[1])
    amendment = contract_row(app, amendment_id)
    assert (amendment.amends_id, amendment.amendment_no, amendment.registration_number) == (original_id, 1, number)
    assert amendment.status == "submitted" and amendment.total_amount == Decimal("1300000.00")
    original = contract_row(app, original_id)
    assert original.status == "registered" and original.total_amount == Decimal("1250000.50")
    assert original.superseded_by_id is None
    page = act(web, amendment_id, "register").get_data(as_text=True)
    assert f"已登记，登记编号 {number}" in page and "变更原因：补充协议增加了技术服务费" in page
    assert page.count('data-testid="chain-item"') == 2 and "第 1 次变更" in page
    original_page = web.text(f"/contracts/{original_id}")
    assert "已被变更取代" in original_page and "1,250,000.50 元" in original_page
    assert 'data-testid="amend-link"' not in original_page and 'data-testid="revoke-actions"' not in original_page
    assert contract_row(app, original_id).superseded_by_id == amendment_id


def test_parties_see_their_contract_and_others_get_404(app: Flask, web: WebClient) -> None:
    with _runtime(app).session_factory() as session:
        enterprise = session.scalar(select(User).where(User.username == "enterprise"))
        assert enterprise is not None and enterprise.organization is not None
        buyer = enterprise.organization.name
    web.login("research")  # 太原理工大学 submits as the seller
    contract_id = submit(web, buyer_name=buyer)
    assert contract_row(app, contract_id).seller_organization_id is not None
    not_party = web.post("/contracts/new", {**CONTRACT_FORM, "seller_name": "某某研究所"})
    assert not_party.status_code == 422 and "您所在单位须为合同的买方或卖方" in not_party.get_data(as_text=True)
    web.logout()
    web.login("enterprise")
    assert CONTRACT_FORM["project_name"] in web.text(f"/contracts/{contract_id}")
    assert CONTRACT_FORM["project_name"] in web.text("/contracts/")
    web.logout()
    web.login("enterprise2")
    assert web.get(f"/contracts/{contract_id}").status_code == 404
    assert web.get(f"/contracts/{contract_id}/amend").status_code == 404
    assert CONTRACT_FORM["project_name"] not in web.text("/contracts/")
    assert web.post(f"/contracts/{contract_id}/register", {"version": "1"}).status_code == 404
    assert web.get("/contracts/queue").status_code == 403


def _signed_deal(app: Flask, stages: tuple[str, ...] = ("contacted", "negotiating", "signed")) -> int:
    """A deal between a published need of an enterprise and an achievement of a university, moved to ``stages``."""
    broker = Actor("broker", "broker")
    with _runtime(app).session_factory() as session:
        need = session.scalars(select(Need).join(Need.organization).where(Need.status == "published")).first()
        achievement = session.scalars(
            select(Achievement)
            .join(Organization, Organization.id == Achievement.organization_id)
            .where(Achievement.status == "published", Organization.kind == "university")
        ).first()
        assert need is not None and achievement is not None
        deal = open_deal(session, broker, DealInput(need_id=need.id, achievement_id=achievement.id))
        session.commit()
        for stage in stages:
            move_deal(session, broker, deal.id, stage)
            session.commit()
        return deal.id


def _value(page: str, name: str) -> str:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page)
    if found:
        return found[1]
    select_html = re.search(rf'<select[^>]*name="{name}".*?</select>', page, re.S)
    assert select_html, name
    chosen = re.search(r'<option selected value="([^"]*)"', select_html[0])
    return chosen[1] if chosen else ""


def test_the_form_is_prefilled_from_a_signed_deal(app: Flask, web: WebClient) -> None:
    deal_id = _signed_deal(app)
    with _runtime(app).session_factory() as session:
        deal = session.get(Deal, deal_id)
        assert deal is not None and deal.need and deal.achievement
        need_org, achievement_org = deal.need.organization, deal.achievement.organization
        assert need_org is not None and achievement_org is not None
        expected = {
            "project_name": deal.title,
            "buyer_name": need_org.name,
            "buyer_region_code": need_org.region_code or deal.need.region_code or "",
            "buyer_nature": "enterprise",
            "seller_name": achievement_org.name,
            "seller_region_code": achievement_org.region_code or deal.achievement.region_code or "",
            "seller_nature": "university",
            "tech_field": deal.achievement.tech_field,
            "ip_type": IP_CODES[deal.achievement.ip_type],
            "deal_id": str(deal_id),
        }
    web.login("broker")
    page = web.text(f"/contracts/new?deal_id={deal_id}")
    assert 'data-testid="from-deal"' in page
    assert {name: _value(page, name) for name in expected} == expected
    assert page.count('<span class="text-danger">*</span>') == len(REQUIRED)  # every required field is marked
    values = {**{k: v for k, v in CONTRACT_FORM.items() if k not in expected}, **expected}
    contract_id = submit(web, **values)
    stored = contract_row(app, contract_id)
    assert stored.deal_id == deal_id and stored.buyer_name == expected["buyer_name"]
    assert f'href="/deals/{deal_id}"' in web.text(f"/contracts/{contract_id}")
    deal_page = web.text(f"/deals/{deal_id}")  # and the deal links back to its contract
    assert f'href="/contracts/{contract_id}"' in deal_page.split('data-testid="deal-contracts"', 1)[1]
    for bad in ("999999", "abc", "9" * 30):
        assert web.get(f"/contracts/new?deal_id={bad}").status_code == 404
    web.logout()
    web.login("enterprise2")
    assert web.get(f"/contracts/new?deal_id={deal_id}").status_code == 404


def test_a_deal_that_is_not_signed_is_refused_with_the_services_message(app: Flask, web: WebClient) -> None:
    deal_id = _signed_deal(app, ("contacted",))
    web.login("broker")
    page = web.text(f"/contracts/new?deal_id={deal_id}")
    assert "须处于“已签约”阶段" in page
    before = contract_count(app)
    response = web.post("/contracts/new", {**CONTRACT_FORM, "deal_id": str(deal_id)})
    assert response.status_code == 409
    assert "对接项目须处于“已签约”阶段才能提交合同登记" in response.get_data(as_text=True)
    assert contract_count(app) == before
