"""Needs and achievements over the API: lists, post, read, patch, submit, review, close."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from models import Need, User
from tests.functional.api.helpers import ApiClient, assert_error, runtime_of

NEW_NEED: dict[str, Any] = {
    "title": "煤矸石制备陶粒的烧结工艺",
    "problem": "煤矸石堆存量大，综合利用率低。",
    "key_technology": "低温烧结与膨胀控制",
    "expected_target": "形成年产 10 万立方米陶粒的工艺包",
    "indicators": "堆积密度 ≤ 800 kg/m³",
    "keywords": ["煤矸石", "陶粒"],
    "tech_field": "资源与环境",
    "industry": "煤炭",
    "budget": "1234567.89",
    "solution_modes": ["cooperative", "commissioned"],
    "valid_until": "2027-06-30",
    "contact": "王工 13800000000",
}


def create_need(client: ApiClient, **changes: Any) -> dict[str, Any]:
    """Post a need as ``client``; returns its JSON."""
    response = client.post("/needs", {**NEW_NEED, **changes})
    assert response.status_code == 201, response.get_data(as_text=True)
    return dict(response.get_json())


def organization_id(app: Flask, username: str) -> int | None:
    """The organisation of a demo user."""
    with runtime_of(app).session_factory() as session:
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None
        return user.organization_id


def test_the_default_list_is_a_page_of_published_needs(api: Callable[[str], ApiClient]) -> None:
    body = api("broker").get("/needs?per_page=5&page=2").get_json()
    assert (body["page"], body["per_page"]) == (2, 5)
    assert len(body["items"]) == 5 and body["total"] > 5
    assert {item["status"] for item in body["items"]} == {"published"}
    need = body["items"][0]
    assert need["kind"] == "need" and need["organization"]["name"]
    assert need["region_name"].startswith("山西省")
    assert need["budget"] is None or need["budget"].count(".") == 1


def test_scopes_follow_the_policy(api: Callable[[str], ApiClient], app: Flask) -> None:
    enterprise = api("enterprise")
    mine = enterprise.get("/needs?scope=mine").get_json()
    assert mine["total"] >= 1
    assert {i["organization"]["id"] for i in mine["items"]} == {organization_id(app, "enterprise")}
    review = api("bureau").get("/needs?scope=review").get_json()
    assert review["total"] == 3
    assert all(i["status"] == "pending_review" and i["region_code"].startswith("1406") for i in review["items"])
    assert_error(enterprise.get("/needs?scope=review"), 403)
    assert_error(enterprise.get("/needs?scope=all"), 403)
    assert api("admin").get("/achievements?scope=all").get_json()["total"] > 0


def test_list_filters(api: Callable[[str], ApiClient]) -> None:
    client = api("broker")
    body = client.get("/achievements?maturity=industrial&per_page=100").get_json()
    assert body["items"] and {i["maturity"] for i in body["items"]} == {"industrial"}
    body = client.get("/needs?mode=cooperative&region=140600&per_page=100").get_json()
    assert all("cooperative" in i["solution_modes"] and i["region_code"].startswith("1406") for i in body["items"])
    titled = client.get("/needs", query_string={"q": "煤"}).get_json()
    assert titled["items"] and all("煤" in i["title"] for i in titled["items"])


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("scope=everything", "scope"),
        ("status=sold", "status"),
        ("page=0", "page"),
        ("page=x", "page"),
        ("per_page=101", "per_page"),
        ("mode=license", "mode"),  # a cooperation mode is not a solution mode
    ],
)
def test_bad_list_arguments_are_422_naming_the_argument(
    api: Callable[[str], ApiClient], query: str, field: str
) -> None:
    assert_error(api("broker").get(f"/needs?{query}"), 422, field)


def test_post_a_need_round_trips_every_field_and_the_exact_budget(api: Callable[[str], ApiClient], app: Flask) -> None:
    client = api("enterprise")
    response = client.post("/needs", NEW_NEED)
    assert response.status_code == 201
    need = response.get_json()
    assert response.headers["Location"] == f"/api/v1/needs/{need['id']}"
    for name, value in NEW_NEED.items():
        assert need[name] == value, name
    assert (need["status"], need["version"], need["review_comment"]) == ("draft", 1, "")
    assert need["organization"]["id"] == organization_id(app, "enterprise")
    assert need["region_code"] == "140822"  # the organisation's region by default
    assert client.get(response.headers["Location"]).get_json() == need
    with runtime_of(app).session_factory() as session:
        stored = session.get(Need, need["id"])
        assert stored is not None and str(stored.budget) == "1234567.89"


def test_post_an_achievement_with_a_price(api: Callable[[str], ApiClient]) -> None:
    client = api("research")
    body = {"title": "煤矸石陶粒烧结技术", "summary": "低温烧结", "price": "1200000", "maturity": "pilot", "trl": 6}
    achievement = client.post("/achievements", body).get_json()
    assert achievement["price"] == "1200000.00" and achievement["price_negotiable"] is False
    assert (achievement["maturity"], achievement["trl"]) == ("pilot", 6)
    negotiable = client.post("/achievements", {"title": "面议的成果"}).get_json()
    assert negotiable["price"] is None and negotiable["price_negotiable"] is True


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"budget": "12.345"}, "budget"),
        ({"budget": 1200000}, "budget"),
        ({"budget": "-5"}, "budget"),
        ({"title": ""}, "title"),
        ({"title": None}, "title"),
        ({"title": {"zh": "标题"}}, "title"),
        ({"title": "煤\x00矸石"}, "title"),
        ({"keywords": ["煤\x00"]}, "keywords"),
        ({"solution_modes": ["telepathy"]}, "solution_modes"),
        ({"valid_until": "2027-02-30"}, "valid_until"),
        ({"region_code": "999999"}, "region_code"),
        ({"region_code": "Shuozhou"}, "region_code"),
        ({"keywords": ["一", "二", "三", "四", "五", "六"]}, "keywords"),
        ({"tech_field": "炼金术"}, "tech_field"),
        ({"colour": "blue"}, "colour"),
        ({"status": "published"}, "status"),
    ],
)
def test_invalid_fields_are_422_naming_the_field(
    api: Callable[[str], ApiClient], changes: dict[str, Any], field: str
) -> None:
    error = assert_error(api("enterprise").post("/needs", {**NEW_NEED, **changes}), 422, field)
    assert field in error["errors"]


def test_every_invalid_field_is_listed(api: Callable[[str], ApiClient]) -> None:
    error = assert_error(api("enterprise").post("/needs", {"budget": "x", "trl": 3}), 422)
    assert set(error["errors"]) == {"budget", "trl", "title"}


def test_bodies_that_are_not_json_objects_are_400(api: Callable[[str], ApiClient]) -> None:
    client = api("enterprise")
    need = create_need(client)
    assert_error(client.post("/needs", data="{not json", content_type="application/json"), 400)
    assert_error(client.post("/needs", ["title"]), 400)
    assert_error(client.post("/needs"), 400)
    assert_error(client.patch(f"/needs/{need['id']}", data="\xff", content_type="application/json"), 400)
    assert_error(client.post(f"/needs/{need['id']}/review", "publish"), 400)


def test_only_owners_post_their_kind(api: Callable[[str], ApiClient]) -> None:
    assert_error(api("research").post("/needs", NEW_NEED), 403)
    assert_error(api("enterprise").post("/achievements", {"title": "成果"}), 403)
    assert_error(api("broker").post("/needs", {"colour": "blue"}), 403)


def test_a_draft_of_another_organisation_is_404(api: Callable[[str], ApiClient]) -> None:
    need = create_need(api("enterprise"))
    for username in ("enterprise2", "broker", "research"):
        other = api(username)
        for response in (
            other.get(f"/needs/{need['id']}"),
            other.patch(f"/needs/{need['id']}", {"title": "改"}),
            other.post(f"/needs/{need['id']}/submit"),
            other.post(f"/needs/{need['id']}/close"),
            other.get(f"/needs/{need['id']}/matches"),
        ):
            assert_error(response, 404)


def test_unknown_paths_and_methods_answer_json(api: Callable[[str], ApiClient]) -> None:
    client = api("enterprise")
    assert_error(client.get("/nothing-here"), 404)
    assert_error(client.request("DELETE", "/needs/1"), 405)
    assert_error(client.request("PUT", "/needs"), 405)


def test_unknown_ids_are_404_however_large(api: Callable[[str], ApiClient]) -> None:
    client = api("admin")
    for path in ("/needs/999999", "/achievements/99999999999999999999", "/needs/2147483648/matches"):
        assert_error(client.get(path), 404)
    assert_error(client.get("/needs/abc"), 404)


def test_patch_changes_some_fields_and_detects_stale_versions(api: Callable[[str], ApiClient]) -> None:
    client = api("enterprise")
    need = create_need(client)
    path = f"/needs/{need['id']}"
    changed = client.patch(path, {"title": "新的名称", "budget": None, "version": need["version"]})
    assert changed.status_code == 200
    body = changed.get_json()
    assert (body["title"], body["budget"], body["problem"]) == ("新的名称", None, NEW_NEED["problem"])
    assert body["version"] == need["version"] + 1
    assert client.patch(path, {}).get_json()["version"] == body["version"]  # nothing to change
    stale = client.patch(path, {"title": "覆盖别人的修改", "version": need["version"]})
    assert_error(stale, 409, "version")
    assert client.get(path).get_json()["title"] == "新的名称"
    assert_error(client.patch(path, {"version": "2"}), 422, "version")
    assert_error(client.patch(path, {"version": True}), 422, "version")
    assert_error(client.patch(path, {"budget": "1.001"}), 422, "budget")


def test_submit_review_and_close(api: Callable[[str], ApiClient]) -> None:
    client = api("enterprise")
    need = create_need(client)
    path = f"/needs/{need['id']}"
    submitted = client.post(f"{path}/submit")
    assert submitted.status_code == 200 and submitted.get_json()["status"] == "pending_review"
    assert_error(client.post(f"{path}/submit"), 409, "status")
    assert_error(client.patch(path, {"title": "审核中不能改"}), 409, "status")
    assert_error(client.post(f"{path}/review", {"decision": "publish"}), 403)  # not bureau
    assert_error(api("bureau").post(f"{path}/review", {"decision": "publish"}), 404)  # outside 朔州
    closed = client.post(f"{path}/close")
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    assert_error(client.post(f"{path}/close"), 409, "status")


def test_the_bureau_publishes_or_returns_listings_under_review(api: Callable[[str], ApiClient]) -> None:
    bureau = api("bureau")
    pending = [i["id"] for i in bureau.get("/needs?scope=review").get_json()["items"]]
    first, second = pending[0], pending[1]
    assert_error(bureau.post(f"/needs/{first}/review", {"decision": "approve"}), 422, "decision")
    assert_error(bureau.post(f"/needs/{first}/review", {}), 422, "decision")
    assert_error(bureau.post(f"/needs/{first}/review", {"decision": "return"}), 422, "comment")
    assert_error(bureau.post(f"/needs/{first}/review", {"decision": "return", "comment": 5}), 422, "comment")
    published = bureau.post(f"/needs/{first}/review", {"decision": "publish", "comment": "同意发布"})
    assert published.status_code == 200
    assert (published.get_json()["status"], published.get_json()["review_comment"]) == ("published", "同意发布")
    assert bureau.get(f"/needs/{first}/matches").get_json()["matches"]  # matched on publication
    assert_error(bureau.post(f"/needs/{first}/review", {"decision": "publish"}), 409, "status")
    returned = bureau.post(f"/needs/{second}/review", {"decision": "return", "comment": "请补充技术指标"})
    assert (returned.get_json()["status"], returned.get_json()["review_comment"]) == ("draft", "请补充技术指标")
    assert_error(api("broker").post(f"/needs/{first}/review", {"decision": "return", "comment": "x"}), 403)


def test_editing_a_published_listing_sends_it_back_to_review(api: Callable[[str], ApiClient]) -> None:
    client = api("enterprise")
    need = client.get("/needs?scope=mine&status=published").get_json()["items"][0]
    changed = client.patch(f"/needs/{need['id']}", {"indicators": "新的指标", "version": need["version"]})
    assert changed.get_json()["status"] == "pending_review"
