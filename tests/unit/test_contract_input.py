"""Contract fields: exact yuan strings only, every bad field named, the amount rule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from matchmaker.services.contract_input import parse_contract
from matchmaker.services.errors import ValidationError
from tests.factories import contract_body

TODAY = dt.date(2026, 11, 28)


def _errors(**overrides: Any) -> dict[str, str]:
    with pytest.raises(ValidationError) as info:
        parse_contract(contract_body(**overrides), today=TODAY)
    return info.value.errors


def test_a_valid_body_parses_to_exact_decimals() -> None:
    data = parse_contract(contract_body(), today=TODAY)
    assert data.total_amount == Decimal("1250000.50") and data.tech_transaction_amount == Decimal("1000000.25")
    assert data.signed_on == dt.date(2026, 10, 8) and data.deal_id is None


NON_ASCII_DIGITS = ["1\u0660\u0660", "1\uff12\uff13", "\uff11\uff12\uff13", "1.\u0665"]  # Arabic-Indic, full-width


@pytest.mark.parametrize(
    "amount",
    [1250000.5, 1250000, "1,250,000", "1e6", "-5", "+5", "1.005", "", " ", "01", "1.", None, *NON_ASCII_DIGITS],
)
def test_amounts_must_be_plain_yuan_strings(amount: object) -> None:
    assert "total_amount" in _errors(total_amount=amount)


def test_tech_amount_cannot_exceed_total() -> None:
    assert _errors(total_amount="100.00", tech_transaction_amount="100.01") == {
        "tech_transaction_amount": "技术交易额不能大于合同成交额"
    }


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("contract_type", "sale"),
        ("tech_field", "区块链"),
        ("ip_type", "patent"),
        ("buyer_nature", "company"),
        ("seller_region_code", "1406"),
        ("buyer_region_code", "14068a"),
        ("signed_on", "2026-13-01"),
        ("signed_on", "2027-01-01"),
        ("valid_to", "2026-01-01"),
        ("project_name", "名" * 201),
        ("project_name", "带\x00控制字符"),
        ("buyer_region_code", "\uff11\uff14\uff10\uff16\uff18\uff11"),  # full-width digits
        ("signed_on", "2026-W01-1"),  # ISO week date
        ("signed_on", "20261008"),  # basic format
        ("signed_on", "0001-01-01"),
        ("valid_from", "2101-01-01"),
        ("valid_to", "10000-01-01"),
        ("deal_id", "abc"),
        ("deal_id", True),
        ("deal_id", "\u00b2"),  # superscript two: isdigit() but not a number
        ("deal_id", 10**20),
        ("deal_id", str(2**31)),
        ("deal_id", -1),
        ("deal_id", 0),
        ("deal_id", 1.0),
        ("colour", "red"),
    ],
)
def test_each_bad_field_is_named(field: str, value: object) -> None:
    assert field in _errors(**{field: value})


def test_all_missing_fields_are_reported_at_once() -> None:
    errors = _errors(project_name="", buyer_name="", total_amount=None)
    assert {"project_name", "buyer_name", "total_amount"} <= set(errors)


def test_today_is_the_date_in_china_whatever_the_servers_zone() -> None:
    china_today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
    signed = china_today.isoformat()
    assert parse_contract(contract_body(signed_on=signed, valid_from=signed)).signed_on == china_today
    tomorrow = (china_today + dt.timedelta(days=1)).isoformat()
    with pytest.raises(ValidationError) as info:
        parse_contract(contract_body(signed_on=tomorrow, valid_from=tomorrow))
    assert set(info.value.errors) == {"signed_on"}


def test_a_validity_may_end_never() -> None:
    assert parse_contract(contract_body(valid_to="9999-12-31"), today=TODAY).valid_to == dt.date(9999, 12, 31)
