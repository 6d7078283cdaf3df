"""GET /api/v1/stats: the region's figures move exactly when a contract is registered; only bureau
staff (own jurisdiction) and admins may read them; bad arguments are a 422 naming the argument."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from flask import Flask

from tests.functional.api.helpers import ApiClient, assert_error
from tests.functional.api.test_deals_contracts_api import body, submit
from tests.functional.api.test_openapi import conforms

Api = Callable[[str], ApiClient]
CHINA = dt.timezone(dt.timedelta(hours=8))


def stats(client: ApiClient, query: str = "region=140681") -> dict[str, Any]:
    """The statistics answer (asserting 200)."""
    response = client.get(f"/stats?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return dict(response.get_json())


def group(side: dict[str, Any], by: str, key: str) -> dict[str, Any]:
    """One row of a side's breakdown."""
    return next(g for g in side[by] if g["key"] == key)


def test_registering_a_contract_moves_the_countys_figures(api: Api, app: Flask) -> None:
    bureau, broker = api("bureau"), api("broker")
    before = stats(bureau)
    assert (before["region_code"], before["region_name"]) == ("140681", "怀仁市")
    contract = submit(broker, body(app, total_amount="1234567.89", tech_transaction_amount="1000000.01"))
    assert stats(bureau)["contracts"] == before["contracts"]  # submitted is not registered
    response = bureau.post(f"/contracts/{contract['id']}/register", {"version": contract["version"]})
    assert response.status_code == 200, response.get_data(as_text=True)

    after = stats(bureau)
    for side in ("seller", "buyer"):  # the demo seller and buyer both sit in 怀仁市
        old, new = before["contracts"][side], after["contracts"][side]
        assert new["count"] == old["count"] + 1
        assert Decimal(new["total_amount"]) - Decimal(old["total_amount"]) == Decimal("1234567.89")
        assert Decimal(new["tech_transaction_amount"]) - Decimal(old["tech_transaction_amount"]) == Decimal(
            "1000000.01"
        )
        assert group(new, "by_type", "transfer")["count"] == group(old, "by_type", "transfer")["count"] + 1
        assert group(new, "by_field", "新材料")["total_amount"] == new["total_amount"]
    city = stats(bureau, "region=140600")  # the city rolls its counties up
    assert city["contracts"]["seller"]["total_amount"] == after["contracts"]["seller"]["total_amount"]
    elsewhere = stats(api("admin"), "region=140100")
    assert elsewhere["contracts"]["seller"]["count"] == 0
    document = api("admin").get("/openapi.json").get_json()
    conforms(document, "RegionStats", after)


def test_defaults_are_the_jurisdiction_and_this_year(api: Api) -> None:
    today = dt.datetime.now(CHINA).date()
    answer = stats(api("bureau"), "")
    assert (answer["region_code"], answer["from"], answer["to"]) == ("140600", f"{today.year}-01-01", str(today))
    assert stats(api("admin"), "")["region_code"] == "140000"
    period = stats(api("bureau"), "region=140681&from=2025-01-01&to=2025-12-31")
    assert (period["from"], period["to"]) == ("2025-01-01", "2025-12-31")


def test_bad_arguments_are_a_422_naming_them(api: Api) -> None:
    bureau = api("bureau")
    assert_error(bureau.get("/stats?region=14068"), 422, "region")
    assert_error(bureau.get("/stats?region=140681&from=2026-13-01"), 422, "from")
    assert_error(bureau.get("/stats?region=140681&to=1999-12-31"), 422, "to")
    assert_error(bureau.get("/stats?region=140681&from=2026-05-01&to=2026-04-30"), 422, "to")
    assert_error(api("admin").get("/stats?region=999999"), 422, "region")


def test_only_bureau_staff_of_the_region_and_admins_read_statistics(api: Api, anonymous: ApiClient) -> None:
    assert_error(api("bureau").get("/stats?region=140100"), 403)  # 太原市 is not the bureau's
    assert_error(api("bureau").get("/stats?region=140000"), 403)  # nor is the province
    for role in ("enterprise", "research", "broker"):
        assert_error(api(role).get("/stats?region=140681"), 403)
    assert_error(anonymous.get("/stats?region=140681"), 401)
