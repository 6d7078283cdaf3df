"""Needs and achievements in the browser: post, edit, submit, review, close, lists and filters."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from models import Achievement, AuditEvent, MatchProposal, Need
from tests.webclient import WebClient

NEED_FORM = {
    "title": "怀仁陶瓷厂煤矸石烧结砖窑余热回收技术需求",
    "problem": "隧道窑烟气余热大量散失，能耗偏高。",
    "key_technology": "余热回收换热器与烟气净化一体化。",
    "expected_target": "吨砖能耗下降 15%，排放达标。",
    "indicators": "排烟温度低于 120℃",
    "keywords": "余热回收、煤矸石、隧道窑",
    "tech_field": "新能源与节能",
    "industry": "节能环保",
    "region_code": "140681",
    "budget": "85.5",
    "solution_modes": ["cooperative", "commissioned"],
    "valid_until": "2027-12-31",
    "contact": "王工 13903490001",
}


def _runtime(app: Flask) -> Any:
    return app.extensions["matchmaker"]


def post_need(web: WebClient, **overrides: Any) -> int:
    """Post the need form as the logged-in user; returns the new need's id."""
    response = web.post("/needs/new", {**NEED_FORM, **overrides})
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    match = re.search(r"/needs/(\d+)$", response.headers["Location"])
    assert match
    return int(match.group(1))


def test_enterprise_posts_a_need_as_a_draft_with_exact_budget(app: Flask, web: WebClient) -> None:
    web.login("enterprise")
    need_id = post_need(web)
    page = web.text(f"/needs/{need_id}")
    assert NEED_FORM["title"] in page and "草稿" in page and "85.5 万元" in page
    with _runtime(app).session_factory() as session:
        need = session.get(Need, need_id)
        assert need is not None
        assert need.status == "draft" and need.budget == Decimal("855000.00")
        assert need.keywords == ["余热回收", "煤矸石", "隧道窑"]
        assert need.solution_modes == ["cooperative", "commissioned"]
        assert need.region_code == "140681" and need.organization_id is not None
        assert session.scalar(select(AuditEvent).where(AuditEvent.action == "need.create"))


def test_bad_fields_are_named_and_nothing_is_stored(app: Flask, web: WebClient) -> None:
    web.login("enterprise")
    with _runtime(app).session_factory() as session:
        before = session.scalar(select(func.count()).select_from(Need))
    response = web.post("/needs/new", {**NEED_FORM, "budget": "3O0", "keywords": "一、二、三、四、五、六"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "不是有效金额" in body and "关键词最多 5 个" in body
    response = web.post("/needs/new", {**NEED_FORM, "title": ""})
    assert "名称不能为空" in response.get_data(as_text=True)
    response = web.post("/needs/new", {**NEED_FORM, "region_code": "999999"})
    assert "行政区划代码 999999 不存在" in response.get_data(as_text=True)
    with _runtime(app).session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Need)) == before


def test_submit_review_publish_matches_and_close(app: Flask, web: WebClient) -> None:
    web.login("enterprise")
    need_id = post_need(web)
    assert web.post(f"/needs/{need_id}/submit").status_code == 302
    assert "待审核" in web.text(f"/needs/{need_id}")
    edit = web.post(f"/needs/{need_id}/edit", {**NEED_FORM, "version": "2"})
    assert "不能修改" in edit.get_data(as_text=True)  # under review
    web.logout()

    web.login("bureau")
    queue = web.text("/review/")
    assert NEED_FORM["title"] in queue
    assert web.post(f"/review/need/{need_id}", {"decision": "publish"}).status_code == 302
    web.logout()

    web.login("enterprise")
    page = web.text(f"/needs/{need_id}")
    assert "已发布" in page
    assert page.count('data-testid="proposal"') >= 1
    assert "各项得分贡献" in page and "<mark" in page
    with _runtime(app).session_factory() as session:
        assert session.scalar(select(func.count()).select_from(MatchProposal).where(MatchProposal.need_id == need_id))
    assert web.post(f"/needs/{need_id}/close").status_code == 302
    assert "已关闭" in web.text(f"/needs/{need_id}")
    assert "已关闭" not in web.text("/needs/") or NEED_FORM["title"] not in web.text("/needs/")


def test_returned_listing_carries_the_comment_back_to_its_owner(app: Flask, web: WebClient) -> None:
    web.login("enterprise")
    need_id = post_need(web)
    web.post(f"/needs/{need_id}/submit")
    web.logout()
    web.login("bureau")
    refused = web.post(f"/review/need/{need_id}", {"decision": "return", "comment": ""}, follow_redirects=True)
    assert "退回时必须填写审核意见" in refused.get_data(as_text=True)
    web.post(f"/review/need/{need_id}", {"decision": "return", "comment": "请补充技术指标的测试方法"})
    web.logout()
    web.login("enterprise")
    page = web.text(f"/needs/{need_id}")
    assert "草稿" in page and "请补充技术指标的测试方法" in page
    response = web.post(f"/needs/{need_id}/edit", {**NEED_FORM, "indicators": "排烟温度低于 120℃，按 GB/T 测定"})
    assert response.status_code == 302
    assert web.post(f"/needs/{need_id}/submit").status_code == 302


def test_editing_a_published_listing_sends_it_back_to_review(app: Flask, web: WebClient) -> None:
    web.login("enterprise")
    with _runtime(app).session_factory() as session:
        own = session.scalar(
            select(Need).where(
                Need.status == "published",
                Need.organization_id == select(Need.organization_id).where(Need.id == post_need(web)).scalar_subquery(),
            )
        )
        assert own is not None
    form = web.text(f"/needs/{own.id}/edit")
    assert "重新进入科技局审核" in form
    version = re.search(r'name="version" type="hidden" value="(\d+)"', form)
    assert version
    response = web.post(f"/needs/{own.id}/edit", {**NEED_FORM, "title": own.title + "（修订）", "version": version[1]})
    assert response.status_code == 302
    assert "待审核" in web.text(f"/needs/{own.id}")
    stale = web.post(f"/needs/{own.id}/edit", {**NEED_FORM, "version": version[1]})
    assert "不能修改" in stale.get_data(as_text=True) or "已被他人修改" in stale.get_data(as_text=True)


def test_drafts_stay_inside_their_organisation(app: Flask, web: WebClient) -> None:
    web.login("enterprise")
    need_id = post_need(web, title="仅本单位可见的草稿需求")
    web.logout()
    web.login("enterprise2")
    assert web.get(f"/needs/{need_id}").status_code == 404
    assert "仅本单位可见的草稿需求" not in web.text("/needs/?q=仅本单位")
    assert web.post(f"/needs/{need_id}/submit").status_code == 404
    web.logout()
    web.login("broker")
    assert web.get(f"/needs/{need_id}").status_code == 404
    web.logout()
    web.login("bureau")  # inside the bureau's jurisdiction: visible for review, but not editable
    assert web.get(f"/needs/{need_id}").status_code == 200
    assert web.post(f"/needs/{need_id}/close").status_code == 403


def test_research_posts_an_achievement_with_price_or_negotiable(app: Flask, web: WebClient) -> None:
    web.login("research")
    form = {
        "title": "煤矸石基多孔陶瓷制备技术",
        "summary": "以煤矸石为主要原料制备多孔陶瓷，用于高温烟气过滤。",
        "keywords": "煤矸石、多孔陶瓷",
        "tech_field": "新材料",
        "industries": ["新材料", "节能环保"],
        "region_code": "140100",
        "maturity": "pilot",
        "trl": "6",
        "ip_type": "发明专利",
        "ip_number": "ZL202110000001.1",
        "ip_status": "已授权",
        "cooperation_modes": ["license", "co_development"],
        "price": "",
        "contact": "李老师",
    }
    response = web.post("/achievements/new", form)
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    ach_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = web.text(f"/achievements/{ach_id}")
    assert "面议" in page and "中试" in page and "TRL 6" in page
    version = re.search(r'name="version" type="hidden" value="(\d+)"', web.text(f"/achievements/{ach_id}/edit"))
    assert version
    web.post(f"/achievements/{ach_id}/edit", {**form, "price": "120", "version": version[1]})
    with _runtime(app).session_factory() as session:
        ach = session.get(Achievement, ach_id)
        assert ach is not None and ach.price == Decimal("1200000.00") and ach.price_negotiable is False
    bad = web.post("/achievements/new", {**form, "maturity": "unknown", "trl": "12"})
    body = bad.get_data(as_text=True)
    assert bad.status_code == 200 and ("未知的成熟度" in body or "Not a valid choice" in body)


def test_halls_filter_by_region_field_maturity_and_mode(app: Flask, web: WebClient) -> None:
    web.login("broker")
    with _runtime(app).session_factory() as session:
        published = session.scalars(select(Need).where(Need.status == "published")).all()
        in_city = [n for n in published if (n.region_code or "").startswith("1406")]
        pilots = session.scalars(
            select(Achievement).where(Achievement.status == "published", Achievement.maturity == "pilot")
        ).all()
        licensed = [
            a
            for a in session.scalars(select(Achievement).where(Achievement.status == "published"))
            if "license" in (a.cooperation_modes or [])
        ]
    page = web.text("/needs/?region=140600")
    assert f"共 {len(in_city)} 条" in page or len(in_city) <= 20
    listed = re.findall(r'href="/needs/(\d+)"', page)
    assert listed and all(int(i) in {n.id for n in in_city} for i in listed)
    page = web.text("/achievements/?maturity=pilot")
    listed = re.findall(r'href="/achievements/(\d+)"', page)
    assert listed and {int(i) for i in listed} <= {a.id for a in pilots}
    page = web.text("/achievements/?mode=license")
    listed = re.findall(r'href="/achievements/(\d+)"', page)
    assert listed and {int(i) for i in listed} <= {a.id for a in licensed}
    page = web.text("/needs/?field=新材料&page=1")
    assert "暂无需求" in page or "新材料" in page


def test_bureau_overview_is_limited_to_its_jurisdiction(app: Flask, web: WebClient) -> None:
    web.login("bureau")
    page = web.text("/needs/overview")
    ids = [int(i) for i in re.findall(r'href="/needs/(\d+)"', page)]
    assert ids
    with _runtime(app).session_factory() as session:
        for need_id in ids:
            need = session.get(Need, need_id)
            assert need is not None and (need.region_code or "").startswith("1406")


def test_every_bad_field_is_reported_in_one_round(web: WebClient) -> None:
    web.login("enterprise")
    body = web.post("/needs/new", {**NEED_FORM, "title": "", "budget": "3O0", "valid_until": "明年"}).get_data(
        as_text=True
    )
    assert "名称不能为空" in body and "不是有效金额" in body and "不是有效日期" in body
    assert "Not a valid" not in body and "This field" not in body  # no English library messages
