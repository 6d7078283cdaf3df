import datetime as dt
from decimal import Decimal

import pytest

from matchmaker.importing.fields import (
    FieldError,
    parse_bool,
    parse_date,
    parse_maturity,
    parse_modes,
    parse_price,
    parse_wan,
    split_list,
)


@pytest.mark.parametrize(
    ("text", "yuan"),
    [
        ("50", Decimal("500000.00")),
        ("12.5", Decimal("125000.00")),
        ("1,200", Decimal("12000000.00")),
        ("50万元", Decimal("500000.00")),
        ("０.０００１", Decimal("1.00")),
        ("0.000001", Decimal("0.01")),
    ],
)
def test_amounts_in_wan_become_exact_yuan(text: str, yuan: Decimal) -> None:
    assert parse_wan(text) == yuan


@pytest.mark.parametrize("text", ["abc", "-5", "1e400", "0.0000001", "NaN", "200000000"])
def test_bad_amounts_are_refused(text: str) -> None:
    with pytest.raises(FieldError):
        parse_wan(text)


def test_empty_amount_is_none() -> None:
    assert parse_wan("") is None


def test_price_negotiable() -> None:
    assert parse_price("面议") == (None, True)
    assert parse_price("80") == (Decimal("800000.00"), False)


@pytest.mark.parametrize("text", ["2027-12-31", "2027/12/31", "2027年12月31日", "20271231"])
def test_dates(text: str) -> None:
    assert parse_date(text) == dt.date(2027, 12, 31)


def test_bad_date() -> None:
    with pytest.raises(FieldError, match="日期"):
        parse_date("明年年底")


def test_maturity_maps_to_glossary_or_is_kept() -> None:
    assert parse_maturity("中试") == ("pilot", None, True)
    assert parse_maturity("已产业化") == ("industrial", None, True)
    assert parse_maturity("TRL 7") == ("pilot", 7, True)
    assert parse_maturity("概念验证") == ("概念验证", None, False)


def test_modes_map_and_unknown_kept() -> None:
    modes, unknown = parse_modes("委托研发、合作研发、共建平台", "need")
    assert modes == ["commissioned", "cooperative", "共建平台"]
    assert unknown == ["共建平台"]
    modes, _ = parse_modes(["技术许可", "转让"], "achievement")
    assert modes == ["license", "transfer"]


def test_split_list_and_bool() -> None:
    assert split_list("煤矸石，陶瓷; 固废") == ["煤矸石", "陶瓷", "固废"]
    assert parse_bool("是") is True and parse_bool("否") is False
    with pytest.raises(FieldError):
        parse_bool("也许")
