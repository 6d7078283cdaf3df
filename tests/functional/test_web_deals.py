"""Deals in the browser: opening from a proposal, moving stage by stage, the board, who may see and move."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import Flask, url_for
from sqlalchemy import func, select

from matchmaker.services.accounts import create_user
from models import Deal, DealEvent, MatchProposal, Need, User
from models.base import utcnow
from tests.webclient import WebClient

SHUOZHOU = "1406"  # 朔州市, the demo bureau's jurisdiction


def _runtime(app: Flask) -> Any:
    return app.extensions["matchmaker"]


def need_with_proposals(
    app: Flask, owner: str | None = "enterprise", prefix: str | None = None
) -> tuple[int, list[int]]:
    """A published need (of ``owner``'s organisation, in region ``prefix`` when given) and its proposal ids."""
    with _runtime(app).session_factory() as session:
        stmt = select(Need).where(Need.status == "published").order_by(Need.id)
        if owner is not None:
            user = session.scalar(select(User).where(User.username == owner))
            assert user is not None
            stmt = stmt.where(Need.organization_id == user.organization_id)
        if prefix is not None:
            stmt = stmt.where(Need.region_code.startswith(prefix))
        for need in list(session.scalars(stmt)):
            ids = list(
                session.scalars(
                    select(MatchProposal.id).where(MatchProposal.need_id == need.id).order_by(MatchProposal.id)
                )
            )
            if len(ids) >= 4:
                return need.id, ids
    raise AssertionError("the demo data gives every published need proposals")


def open_from_proposal(web: WebClient, proposal_id: int) -> int:
    """Open a deal from a proposal through the button's form; the id of the deal page it redirects to."""
    response = web.post("/deals/new", {"proposal_id": str(proposal_id)})
    assert response.status_code == 302, response.get_data(as_text=True)
    match = re.fullmatch(r"/deals/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match[1])


def move(web: WebClient, deal_id: int, stage: str, note: str = "", version: str | None = None) -> Any:
    """POST the stage form, with the version the deal page shows unless ``version`` is given."""
    if version is None:
        page = web.text(f"/deals/{deal_id}")
        found = re.search(r'name="version" type="hidden" value="(\d+)"', page)
        version = found[1] if found else ""
    return web.post(f"/deals/{deal_id}/stage", {"stage": stage, "note": note, "version": version})


def deal_row(app: Flask, deal_id: int) -> tuple[str, int, str]:
    """(stage, number of timeline events, close reason) read back from the database."""
    with _runtime(app).session_factory() as session:
        deal = session.get(Deal, deal_id)
        assert deal is not None
        events = session.scalar(select(func.count()).select_from(DealEvent).where(DealEvent.deal_id == deal_id))
        return deal.stage, int(events or 0), deal.close_reason


def add_user(app: Flask, username: str, role: str, jurisdiction_code: str | None = None) -> None:
    """Create an extra account (password a-long-password)."""
    with _runtime(app).session_factory() as session:
        create_user(
            session, username=username, password="a-long-password", role=role, jurisdiction_code=jurisdiction_code
        )
        session.commit()


def test_broker_opens_a_deal_from_a_proposal_and_moves_it_to_signed(app: Flask, web: WebClient) -> None:
    need_id, proposal_ids = need_with_proposals(app)
    web.login("broker")
    need_page = web.text(f"/needs/{need_id}")
    assert need_page.count('data-testid="open-deal"') == len(proposal_ids) and "创建对接项目" in need_page
    deal_id = open_from_proposal(web, proposal_ids[0])
    page = web.text(f"/deals/{deal_id}")
    assert "已创建对接项目" in page and 'data-testid="stage-form"' in page and "综合得分" in page
    with _runtime(app).session_factory() as session:
        proposal = session.get(MatchProposal, proposal_ids[0])
        assert proposal is not None and proposal.status == "converted"
    # The converted proposal offers no second deal.
    assert web.text(f"/needs/{need_id}").count('data-testid="open-deal"') == len(proposal_ids) - 1

    for stage, note in (
        ("contacted", "电话联系了企业技术负责人"),
        ("negotiating", "双方就许可费用洽谈"),
        ("signed", "已签订技术许可合同"),
    ):
        response = move(web, deal_id, stage, note)
        assert response.status_code == 302, response.get_data(as_text=True)
    page = web.text(f"/deals/{deal_id}")
    assert deal_row(app, deal_id) == ("signed", 4, "")
    assert page.count('data-testid="timeline-event"') == 4
    for text in (
        "已推荐 → 已联系",
        "已联系 → 洽谈中",
        "洽谈中 → 已签约",
        "电话联系了企业技术负责人",
        "已签订技术许可合同",
    ):
        assert text in page
    assert "broker ·" in page
    # From signed the only move left to the broker is closing; registration comes from the contract.
    options = re.findall(r'<option[^>]*value="(\w+)"', page.split('data-testid="stage-form"', 1)[1])
    assert options == ["closed"]
    assert ("提交合同登记" in page) == ("contracts.create" in app.view_functions)


def test_pursued_list_offers_to_open_a_deal(app: Flask, web: WebClient) -> None:
    _, proposal_ids = need_with_proposals(app)
    web.login("broker")
    web.post(f"/matches/{proposal_ids[0]}/pursue", {"pursued": "1"})
    page = web.text("/matches/pursued")
    assert 'data-testid="open-deal"' in page and f'name="proposal_id" value="{proposal_ids[0]}"' in page


def test_an_illegal_move_is_refused_and_changes_nothing(app: Flask, web: WebClient) -> None:
    _, proposal_ids = need_with_proposals(app)
    web.login("broker")
    deal_id = open_from_proposal(web, proposal_ids[0])
    page = web.text(f"/deals/{deal_id}")
    offered = re.findall(r'<option[^>]*value="(\w+)"', page.split('data-testid="stage-form"', 1)[1])
    assert offered == ["contacted", "closed"]
    select = page.split('data-testid="stage-form"', 1)[1].split("</select>", 1)[0]
    assert '<option value="">— 请选择 —</option>' in select and "selected" not in select  # not even 已关闭
    unchosen = move(web, deal_id, "")
    assert unchosen.status_code == 422 and "请选择要转到的阶段" in unchosen.get_data(as_text=True)
    crafted = move(web, deal_id, "signed", "跳过洽谈")
    assert crafted.status_code == 409
    assert "不能从“已推荐”转到“已签约”" in crafted.get_data(as_text=True)
    for stage in ("registered", "nonsense"):
        assert move(web, deal_id, stage).status_code in (409, 422)
    assert deal_row(app, deal_id) == ("recommended", 1, "")


def test_closing_needs_a_reason(app: Flask, web: WebClient) -> None:
    _, proposal_ids = need_with_proposals(app)
    web.login("broker")
    deal_id = open_from_proposal(web, proposal_ids[0])
    refused = move(web, deal_id, "closed", "   ")
    assert refused.status_code == 422 and "关闭对接项目需要填写原因" in refused.get_data(as_text=True)
    assert deal_row(app, deal_id) == ("recommended", 1, "")
    assert move(web, deal_id, "closed", "企业已自行解决").status_code == 302
    page = web.text(f"/deals/{deal_id}")
    assert deal_row(app, deal_id) == ("closed", 2, "企业已自行解决")
    assert "关闭原因：企业已自行解决" in page and 'data-testid="stage-form"' not in page


def test_a_stale_page_gets_409_and_changes_nothing(app: Flask, web: WebClient) -> None:
    _, proposal_ids = need_with_proposals(app)
    web.login("broker")
    deal_id = open_from_proposal(web, proposal_ids[0])
    with _runtime(app).session_factory() as session:
        deal = session.get(Deal, deal_id)
        assert deal is not None
        old = str(deal.version)
    assert move(web, deal_id, "contacted", "第一次").status_code == 302
    stale = move(web, deal_id, "closed", "另一页面上的关闭", version=old)
    assert stale.status_code == 409 and "已被他人修改" in stale.get_data(as_text=True)
    assert deal_row(app, deal_id) == ("contacted", 2, "")


def test_opening_by_hand_and_its_errors(app: Flask, web: WebClient) -> None:
    need_id, proposal_ids = need_with_proposals(app)
    web.login("broker")
    assert 'data-testid="deal-form"' in web.text("/deals/new")
    nothing = web.post("/deals/new", {"title": "空白项目"})
    assert nothing.status_code == 422 and "请选择匹配推荐，或至少选择一项需求或成果" in nothing.get_data(as_text=True)
    bad = web.post("/deals/new", {"need_id": "abc"})
    assert bad.status_code == 422 and "请填写数字编号" in bad.get_data(as_text=True)
    missing = web.post("/deals/new", {"need_id": "99999999"})
    assert missing.status_code == 422 and "需求 99999999 不存在" in missing.get_data(as_text=True)
    response = web.post("/deals/new", {"need_id": str(need_id), "title": "手工对接：煤矸石", "note": "电话来访"})
    assert response.status_code == 302
    page = web.text(response.headers["Location"])
    assert "手工对接：煤矸石" in page and "手工创建" in page and "电话来访" in page
    open_from_proposal(web, proposal_ids[0])
    again = web.post("/deals/new", {"proposal_id": str(proposal_ids[0])})
    assert again.status_code == 409 and "该匹配推荐已经创建过对接项目" in again.get_data(as_text=True)
    with _runtime(app).session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Deal)) == 2


def test_other_broker_and_other_enterprise_get_404(app: Flask, web: WebClient) -> None:
    _, proposal_ids = need_with_proposals(app)
    web.login("broker")
    deal_id = open_from_proposal(web, proposal_ids[0])
    web.logout()
    add_user(app, "broker2", "broker")
    web.login("broker2", "a-long-password")
    assert web.get(f"/deals/{deal_id}").status_code == 404
    assert move(web, deal_id, "contacted", version="1").status_code == 404
    assert f'data-deal-id="{deal_id}"' not in web.text("/deals/")
    web.logout()
    web.login("enterprise2")
    assert web.get(f"/deals/{deal_id}").status_code == 404
    assert deal_row(app, deal_id) == ("recommended", 1, "")


def test_need_owner_sees_the_deal_but_cannot_move_or_open(app: Flask, web: WebClient) -> None:
    _, proposal_ids = need_with_proposals(app)
    web.login("broker")
    deal_id = open_from_proposal(web, proposal_ids[0])
    web.logout()
    web.login("enterprise")
    page = web.text(f"/deals/{deal_id}")
    assert 'data-testid="timeline-event"' in page and 'data-testid="stage-form"' not in page
    assert f'data-deal-id="{deal_id}"' in web.text("/deals/")
    assert move(web, deal_id, "contacted", version="1").status_code == 403
    assert web.post("/deals/new", {"proposal_id": str(proposal_ids[1])}).status_code == 403
    assert deal_row(app, deal_id) == ("recommended", 1, "")


def test_bureau_sees_its_jurisdiction_read_only(app: Flask, web: WebClient) -> None:
    # The demo enterprise's needs lie outside 朔州市; a 朔州市 need of another organisation is inside.
    own_need, own_proposals = need_with_proposals(app)
    inside_need, inside_proposals = need_with_proposals(app, owner=None, prefix=SHUOZHOU)
    with _runtime(app).session_factory() as session:
        outside, inside = session.get(Need, own_need), session.get(Need, inside_need)
        assert outside is not None and not (outside.region_code or "").startswith(SHUOZHOU)
        assert inside is not None and (inside.region_code or "").startswith(SHUOZHOU)
    web.login("broker")
    inside_id = open_from_proposal(web, inside_proposals[0])
    outside_id = open_from_proposal(web, own_proposals[0])
    web.logout()
    web.login("bureau")
    board = web.text("/deals/")
    column = board.split('data-testid="column-recommended"', 1)[1].split('data-testid="column-contacted"', 1)[0]
    assert f'data-deal-id="{inside_id}"' in column and "技术经理人：broker" in board
    assert f'data-deal-id="{outside_id}"' not in board
    assert "新建对接项目" not in board and 'data-testid="deal-brokers"' in board
    page = web.text(f"/deals/{inside_id}")
    assert 'data-testid="timeline-event"' in page and 'data-testid="stage-form"' not in page
    assert move(web, inside_id, "contacted", version="1").status_code == 403
    assert web.get(f"/deals/{outside_id}").status_code == 404
    assert deal_row(app, inside_id) == ("recommended", 1, "")
    web.logout()
    web.login("admin")
    board = web.text("/deals/")
    assert f'data-deal-id="{inside_id}"' in board and f'data-deal-id="{outside_id}"' in board
    assert 'data-testid="stage-form"' not in web.text(f"/deals/{outside_id}")


def test_board_shows_counts_days_in_stage_and_stuck_deals(app: Flask, web: WebClient) -> None:
    _, proposal_ids = need_with_proposals(app)
    web.login("broker")
    ids = [open_from_proposal(web, pid) for pid in proposal_ids[:4]]
    move(web, ids[1], "contacted", "已联系")
    move(web, ids[2], "closed", "需求已撤回")
    with _runtime(app).session_factory() as session:
        for deal_id, days in ((ids[0], 20), (ids[3], 3)):
            deal = session.get(Deal, deal_id)
            assert deal is not None
            deal.stage_since = utcnow() - dt.timedelta(days=days, hours=1)
        session.commit()
    board = web.text("/deals/")

    def count(name: str) -> str:
        found = re.search(rf'data-testid="{name}">(\d+)<', board)
        assert found, name
        return found[1]

    assert (count("count-open"), count("count-closed"), count("count-registered"), count("count-stuck")) == (
        "3",
        "1",
        "0",
        "1",
    )
    stuck = re.findall(r'data-deal-id="(\d+)" data-stuck="1"', board)
    assert stuck == [str(ids[0])]
    assert "本阶段 20 天" in board and "本阶段 3 天" in board and "滞留超过 14 天" in board
    recommended = board.split('data-testid="column-recommended"', 1)[1].split('data-testid="column-contacted"', 1)[0]
    assert recommended.index(f'data-deal-id="{ids[0]}"') < recommended.index(f'data-deal-id="{ids[3]}"')
    load = board.split('data-testid="deal-load"', 1)[1]
    row = re.search(r'data-stage="recommended">\s*<td>已推荐</td>\s*<td[^>]*>(\d+)</td>\s*<td[^>]*>([\d.]+)</td>', load)
    assert row and row[1] == "2" and row[2] == "11.5"
    assert f'data-deal-id="{ids[2]}"' not in board  # closed deals are counted, not shown as cards


def test_signed_deals_link_to_contract_submission(app: Flask, web: WebClient) -> None:
    if "contracts.create" not in app.view_functions:  # the contracts pages may not exist yet: a stand-in
        app.add_url_rule("/contracts/new", "contracts.create", lambda: "")
    _, proposal_ids = need_with_proposals(app)
    web.login("broker")
    deal_id = open_from_proposal(web, proposal_ids[0])
    assert "提交合同登记" not in web.text(f"/deals/{deal_id}")
    for stage in ("contacted", "negotiating", "signed"):
        move(web, deal_id, stage)
    page = web.text(f"/deals/{deal_id}")
    with app.test_request_context():
        href = url_for("contracts.create", deal_id=deal_id)
    assert f'href="{href}"' in page and "提交合同登记" in page
