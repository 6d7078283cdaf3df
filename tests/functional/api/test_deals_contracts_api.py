"""Deals and technology contract registration over the API: the whole path from a demo proposal to a
registered contract, strict amounts, illegal stages, who may register and who sees what."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from openapi_schema_validator import OAS31Validator, oas31_format_checker
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from matchmaker.services import contracts as contracts_service
from matchmaker.services.accounts import create_user
from models import Contract, Deal, MatchProposal, Need, Organization, User
from tests.factories import contract_body
from tests.functional.api.helpers import ApiClient, assert_error, published_need_with_proposals, runtime_of

Api = Callable[[str], ApiClient]
PASSWORD = "a-long-password"


def org_name(app: Flask, username: str) -> str:
    """The name of a demo user's organisation."""
    with runtime_of(app).session_factory() as session:
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None and user.organization_id is not None
        org = session.get(Organization, user.organization_id)
        assert org is not None
        return org.name


def new_user(app: Flask, username: str, jurisdiction: str | None, role: str = "bureau") -> ApiClient:
    """A new account (a bureau of ``jurisdiction`` unless ``role`` says otherwise), logged in."""
    with runtime_of(app).session_factory() as session:
        create_user(session, username=username, password=PASSWORD, role=role, jurisdiction_code=jurisdiction)
        session.commit()
    client = ApiClient(app)
    assert client.login(username, PASSWORD).status_code == 200
    return client


def body(app: Flask, **overrides: Any) -> dict[str, Any]:
    """A contract between the demo enterprise (buyer) and the demo university (seller, registered in 怀仁市)."""
    return contract_body(
        buyer_name=org_name(app, "enterprise"),
        seller_name=org_name(app, "research"),
        signed_on="2026-03-02",
        valid_from="2026-03-02",
        valid_to="2028-03-01",
        **overrides,
    )


def open_deal(app: Flask, broker: ApiClient, index: int = 0) -> dict[str, Any]:
    """A deal the broker opens from a demo proposal of the enterprise's need."""
    _, proposal_ids = published_need_with_proposals(app)
    response = broker.post("/deals", {"proposal_id": proposal_ids[index], "note": "企业有意向"})
    assert response.status_code == 201, response.get_data(as_text=True)
    return dict(response.get_json())


def move(broker: ApiClient, deal: dict[str, Any], *stages: str) -> dict[str, Any]:
    """Move ``deal`` through ``stages`` (sending the version each time); the last answer."""
    for stage in stages:
        response = broker.post(f"/deals/{deal['id']}/stage", {"stage": stage, "note": "", "version": deal["version"]})
        assert response.status_code == 200, response.get_data(as_text=True)
        deal = response.get_json()
    return deal


def submit(client: ApiClient, data: dict[str, Any]) -> dict[str, Any]:
    """Submit a contract; its JSON."""
    response = client.post("/contracts", data)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.headers["Location"].endswith(f"/api/v1/contracts/{response.get_json()['id']}")
    return dict(response.get_json())


def ids(response: Any) -> set[int]:
    """The ids of a list answer."""
    assert response.status_code == 200, response.get_data(as_text=True)
    return {item["id"] for item in response.get_json()["items"]}


def test_from_a_demo_proposal_to_a_registered_contract(api: Api, app: Flask) -> None:
    broker, bureau = api("broker"), api("bureau")
    deal = open_deal(app, broker)
    assert (deal["stage"], deal["broker"], len(deal["events"])) == ("recommended", "broker", 1)
    with runtime_of(app).session_factory() as session:
        proposal = session.get(MatchProposal, deal["proposal_id"])
        assert proposal is not None and proposal.status == "converted"
    deal = move(broker, deal, "contacted", "negotiating", "signed")
    assert [e["to_stage"] for e in deal["events"]] == ["recommended", "contacted", "negotiating", "signed"]

    contract = submit(broker, body(app, deal_id=deal["id"]))
    assert (contract["status"], contract["registration_number"], contract["deal_id"]) == (
        "submitted",
        None,
        deal["id"],
    )
    assert (contract["total_amount"], contract["tech_transaction_amount"]) == ("1250000.50", "1000000.25")
    assert contract["needs_second_review"] is False and contract["seller_region_name"].endswith("怀仁市")

    response = bureau.post(f"/contracts/{contract['id']}/register", {"version": contract["version"]})
    assert response.status_code == 200, response.get_data(as_text=True)
    registered = response.get_json()
    number = registered["registration_number"]
    year = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).year
    assert re.fullmatch(r"\d{16}", number) and number.startswith(f"{year}140600")
    assert (registered["status"], registered["office_code"], registered["registered_by"]) == (
        "registered",
        "140600",
        "bureau",
    )
    assert broker.get(f"/contracts/{contract['id']}").get_json()["registration_number"] == number

    deals = {d["id"]: d for d in broker.get("/deals").get_json()["items"]}
    assert deals[deal["id"]]["stage"] == "registered"
    assert number in deals[deal["id"]]["events"][-1]["note"]
    assert deal["id"] in ids(broker.get("/deals?stage=registered"))
    assert deal["id"] not in ids(broker.get("/deals?stage=signed"))
    with runtime_of(app).session_factory() as session:
        row = session.get(Deal, deal["id"])
        assert row is not None and row.stage == "registered"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("total_amount", "12.345"),
        ("total_amount", "1e6"),
        ("total_amount", 1250000),
        ("total_amount", 1250000.5),
        ("total_amount", "-100.00"),
        ("total_amount", "1,250,000.00"),
        ("tech_transaction_amount", "1e6"),
        ("tech_transaction_amount", 1000),
        ("tech_transaction_amount", "1250000.51"),  # more than the total
    ],
)
def test_a_bad_amount_is_a_422_naming_the_field(api: Api, app: Flask, field: str, value: object) -> None:
    broker = api("broker")
    error = assert_error(broker.post("/contracts", body(app, **{field: value})), 422, field)
    assert set(error["errors"]) == {field}
    with runtime_of(app).session_factory() as session:
        assert session.scalar(select(Contract.id).where(Contract.submitted_by == "broker")) is None


def test_other_contract_fields_are_checked(api: Api, app: Flask) -> None:
    broker = api("broker")
    assert_error(broker.post("/contracts", body(app, contract_type="gift")), 422, "contract_type")
    assert_error(broker.post("/contracts", body(app, seller_region_code="999999")), 422, "seller_region_code")
    assert_error(broker.post("/contracts", body(app, note="x")), 422, "note")  # unknown field
    assert_error(broker.post("/contracts", {k: v for k, v in body(app).items() if k != "signed_on"}), 422, "signed_on")
    deal = open_deal(app, broker)  # not signed yet
    assert_error(broker.post("/contracts", body(app, deal_id=deal["id"])), 409, "deal_id")
    assert_error(broker.post("/contracts", data="[]", content_type="application/json"), 400)


def test_illegal_stages_are_refused(api: Api, app: Flask) -> None:
    broker = api("broker")
    deal = open_deal(app, broker)
    path = f"/deals/{deal['id']}/stage"
    assert_error(broker.post(path, {"stage": "signed"}), 409, "stage")  # skips contacted and negotiating
    assert_error(broker.post(path, {"stage": "registered"}), 409, "stage")  # only registration sets it
    assert_error(broker.post(path, {"stage": "won"}), 422, "stage")
    assert_error(broker.post(path, {"stage": "closed", "note": " "}), 422, "note")
    assert_error(broker.post(path, {"note": "x"}), 422, "stage")
    assert_error(broker.post(path, {"stage": "contacted", "version": "1"}), 422, "version")
    moved = move(broker, deal, "contacted")
    assert_error(broker.post(path, {"stage": "negotiating", "version": deal["version"]}), 409, "version")
    closed = broker.post(path, {"stage": "closed", "note": "企业暂停项目", "version": moved["version"]}).get_json()
    assert (closed["stage"], closed["close_reason"]) == ("closed", "企业暂停项目")
    assert_error(broker.post(path, {"stage": "contacted"}), 409, "stage")
    assert_error(api("enterprise").post(path, {"stage": "contacted"}), 403)  # a party sees it, cannot move it
    assert_error(api("enterprise2").post(path, {"stage": "contacted"}), 404)
    assert_error(broker.post("/deals/999999/stage", {"stage": "contacted"}), 404)


def test_only_brokers_open_deals_and_the_body_is_checked(api: Api, app: Flask) -> None:
    _, proposal_ids = published_need_with_proposals(app)
    assert_error(api("enterprise").post("/deals", {"proposal_id": proposal_ids[0]}), 403)
    assert_error(api("bureau").post("/deals", {"proposal_id": proposal_ids[0]}), 403)
    broker = api("broker")
    assert_error(broker.post("/deals", {"proposal_id": "1"}), 422, "proposal_id")
    assert_error(broker.post("/deals", {"proposal_id": 999999}), 422, "proposal_id")
    assert_error(broker.post("/deals", {}), 422, "need_id")
    assert_error(broker.post("/deals", {"proposal_id": proposal_ids[0], "stage": "signed"}), 422, "stage")
    assert_error(broker.post("/deals", {"proposal_id": proposal_ids[0], "region_code": "999999"}), 422, "region_code")
    broker.post("/deals", {"proposal_id": proposal_ids[0]})
    assert_error(broker.post("/deals", {"proposal_id": proposal_ids[0]}), 409, "proposal_id")


def test_a_broker_cannot_open_a_deal_on_an_unpublished_need(api: Api, app: Flask) -> None:
    with runtime_of(app).session_factory() as session:
        draft = session.scalar(select(Need).where(Need.status != "published", Need.organization_id.is_not(None)))
        assert draft is not None, "the demo data has needs waiting for review"
        draft_id, title = draft.id, draft.title
    response = api("broker").post("/deals", {"need_id": draft_id})
    error = assert_error(response, 422, "need_id")
    assert title not in response.get_data(as_text=True) and "不存在" in error["errors"]["need_id"]


@pytest.mark.parametrize("deal_id", ["\u00b2", 10**20, "99999999999999999999", -3])
def test_odd_deal_ids_are_a_422_not_a_500(api: Api, app: Flask, deal_id: object) -> None:
    assert_error(api("broker").post("/contracts", body(app, deal_id=deal_id)), 422, "deal_id")


def test_a_double_submit_for_one_deal_is_a_409(api: Api, app: Flask) -> None:
    broker = api("broker")
    deal = move(broker, open_deal(app, broker), "contacted", "negotiating", "signed")
    submit(broker, body(app, deal_id=deal["id"]))
    assert_error(broker.post("/contracts", body(app, deal_id=deal["id"])), 409, "deal_id")


def test_a_database_constraint_race_is_a_409_not_a_500(api: Api, app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two requests that pass the service's checks together meet a unique index; the loser gets a 409.
    (The race itself is reproduced on PostgreSQL in test_deal_contract_integrity; here only the mapping.)"""
    broker = api("broker")
    contract = submit(broker, body(app))

    def collide(*_args: object, **_kwargs: object) -> None:
        raise IntegrityError("INSERT INTO contracts …", {}, Exception("UNIQUE constraint failed"))

    monkeypatch.setattr(contracts_service, "register_contract", collide)
    error = assert_error(api("bureau").post(f"/contracts/{contract['id']}/register", {}), 409)
    assert "冲突" in error["message"]

    def broken(*_args: object, **_kwargs: object) -> None:
        raise IntegrityError("INSERT INTO contracts …", {}, Exception("FOREIGN KEY constraint failed"))

    monkeypatch.setattr(contracts_service, "register_contract", broken)  # a defect, not a race: never a 409
    assert_error(api("bureau").post(f"/contracts/{contract['id']}/register", {}), 500)


def test_only_the_bureau_of_the_sellers_region_registers(api: Api, app: Flask) -> None:
    broker = api("broker")
    contract = submit(broker, body(app))
    path = f"/contracts/{contract['id']}/register"
    assert_error(broker.post(path), 403)
    assert_error(api("enterprise").post(path), 403)  # the buyer sees it, cannot register it
    taiyuan = new_user(app, "taiyuan", "140100")
    assert_error(taiyuan.get(f"/contracts/{contract['id']}"), 404)
    assert_error(taiyuan.post(path), 404)
    assert_error(api("enterprise2").post(path), 404)
    assert_error(api("bureau").post(path, {"version": contract["version"] + 1}), 409, "version")
    assert api("bureau").post(path).get_json()["status"] == "registered"
    assert_error(api("bureau").post(path), 409, "status")
    assert_error(api("bureau").post("/contracts/999999/register"), 404)


def test_five_million_yuan_needs_two_reviewers(api: Api, app: Flask) -> None:
    contract = submit(api("broker"), body(app, total_amount="5000000.00"))
    path = f"/contracts/{contract['id']}/register"
    first = api("bureau").post(path).get_json()
    assert (first["status"], first["registration_number"]) == ("submitted", None)
    assert first["needs_second_review"] and first["awaiting_second_review"] and first["first_review_by"] == "bureau"
    assert_error(api("bureau").post(path), 409, "status")  # not the same reviewer twice
    second = new_user(app, "shuozhou2", "140600").post(path).get_json()
    assert second["status"] == "registered" and len(second["registration_number"]) == 16
    assert second["awaiting_second_review"] is False and second["registered_by"] == "shuozhou2"


def test_reject_revoke_and_amend(api: Api, app: Flask) -> None:
    broker, bureau = api("broker"), api("bureau")
    rejected = submit(broker, body(app, project_name="被退回的合同"))
    assert_error(bureau.post(f"/contracts/{rejected['id']}/reject", {"reason": " "}), 422, "reason")
    assert_error(bureau.post(f"/contracts/{rejected['id']}/reject", {"reason": 5}), 422, "reason")
    answer = bureau.post(f"/contracts/{rejected['id']}/reject", {"reason": "缺少技术交易额说明"}).get_json()
    assert (answer["status"], answer["rejection_reason"]) == ("rejected", "缺少技术交易额说明")

    original = submit(broker, body(app))
    number = bureau.post(f"/contracts/{original['id']}/register").get_json()["registration_number"]
    amend = f"/contracts/{original['id']}/amend"
    assert_error(broker.post(amend, body(app, total_amount="1300000.00")), 422, "amendment_reason")
    assert_error(broker.post(amend, body(app, total_amount="1.001", amendment_reason="改金额")), 422, "total_amount")
    response = broker.post(amend, body(app, total_amount="1300000.00", amendment_reason="补充协议调整金额"))
    assert response.status_code == 201, response.get_data(as_text=True)
    amendment = response.get_json()
    assert (amendment["registration_number"], amendment["amendment_no"], amendment["amends_id"]) == (
        number,
        1,
        original["id"],
    )
    assert amendment["status"] == "submitted" and amendment["total_amount"] == "1300000.00"
    assert bureau.post(f"/contracts/{amendment['id']}/register").get_json()["status"] == "registered"
    assert broker.get(f"/contracts/{original['id']}").get_json()["superseded_by_id"] == amendment["id"]
    assert_error(bureau.post(f"/contracts/{original['id']}/revoke", {"reason": "撤销旧版本"}), 409, "status")
    revoked = bureau.post(f"/contracts/{amendment['id']}/revoke", {"reason": "合同解除"}).get_json()
    assert (revoked["status"], revoked["revocation_reason"], revoked["revoked_by"]) == ("revoked", "合同解除", "bureau")


def test_who_sees_which_contract_and_deal(api: Api, app: Flask) -> None:
    broker = api("broker")
    deal = move(broker, open_deal(app, broker), "contacted", "negotiating", "signed")
    by_broker = submit(broker, body(app, deal_id=deal["id"]))
    by_enterprise = submit(api("enterprise"), body(app, project_name="企业自行提交的合同"))
    elsewhere = submit(broker, body(app, seller_region_code="140105"))  # 太原市小店区
    everything = {by_broker["id"], by_enterprise["id"], elsewhere["id"]}

    enterprise, enterprise2, research = api("enterprise"), api("enterprise2"), api("research")
    assert enterprise.get(f"/contracts/{by_broker['id']}").get_json()["buyer_name"] == org_name(app, "enterprise")
    assert ids(enterprise.get("/contracts")) == everything  # the buyer of all three
    assert ids(research.get("/contracts")) == everything  # the seller of all three
    assert ids(enterprise2.get("/contracts")) == set()
    assert_error(enterprise2.get(f"/contracts/{by_broker['id']}"), 404)
    assert ids(broker.get("/contracts")) == {by_broker["id"], elsewhere["id"]}
    other_broker = new_user(app, "broker2", None, role="broker")
    assert ids(other_broker.get("/contracts")) == set()
    assert_error(other_broker.get(f"/contracts/{by_broker['id']}"), 404)
    assert_error(broker.get(f"/contracts/{by_enterprise['id']}"), 404)
    assert ids(api("bureau").get("/contracts")) == {by_broker["id"], by_enterprise["id"]}
    assert ids(new_user(app, "taiyuan", "140100").get("/contracts")) == {elsewhere["id"]}
    assert ids(api("admin").get("/contracts")) == everything
    assert ids(api("admin").get("/contracts?status=registered")) == set()
    assert_error(api("admin").get("/contracts?status=done"), 422, "status")
    page = broker.get("/contracts?per_page=1&page=2").get_json()
    assert (page["total"], page["page"], page["per_page"], len(page["items"])) == (2, 2, 1, 1)

    assert deal["region_code"] == "140822"  # the demo need's county, 运城市万荣县
    _, proposal_ids = published_need_with_proposals(app)
    local = broker.post("/deals", {"proposal_id": proposal_ids[1], "region_code": "140681"}).get_json()
    both = {deal["id"], local["id"]}
    assert ids(broker.get("/deals")) == both
    assert broker.get("/deals?per_page=1").get_json()["total"] == 2
    assert ids(enterprise.get("/deals")) == both  # the need's owner is a party
    assert ids(enterprise2.get("/deals")) == set()
    assert ids(other_broker.get("/deals")) == set()
    assert ids(api("bureau").get("/deals")) == {local["id"]}  # the deal's region, not the need's
    assert ids(new_user(app, "yuncheng", "140800").get("/deals")) == {deal["id"]}
    assert ids(api("admin").get("/deals")) == both
    assert_error(api("admin").get("/deals?stage=won"), 422, "stage")


def test_answers_conform_to_the_openapi_document(api: Api, anonymous: ApiClient, app: Flask) -> None:
    document = anonymous.get("/openapi.json").get_json()

    def conforms(name: str, instance: Any) -> None:
        schema = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
        OAS31Validator(schema, format_checker=oas31_format_checker).validate(instance)

    broker, bureau = api("broker"), api("bureau")
    deal = open_deal(app, broker)
    conforms("Deal", deal)
    conforms("Deal", move(broker, deal, "contacted"))
    conforms("DealPage", broker.get("/deals").get_json())
    conforms("DealInput", {"proposal_id": 1, "note": "x"})
    conforms("DealStageChange", {"stage": "contacted", "note": "", "version": 1})
    data = body(app)
    conforms("ContractInput", data)
    contract = submit(broker, data)
    conforms("Contract", contract)
    conforms("Contract", bureau.post(f"/contracts/{contract['id']}/register").get_json())
    conforms("ContractPage", bureau.get("/contracts").get_json())
    conforms("ContractAmendment", {**data, "amendment_reason": "更正"})
    conforms("Error", broker.post("/contracts", body(app, total_amount="1e6")).get_json())
