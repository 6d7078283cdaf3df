"""Strict parsing of listings typed into a form or sent to the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from matchmaker.services.errors import ValidationError
from matchmaker.services.listing_input import parse_listing_input
from matchmaker.services.search import highlight, snippet


def test_a_valid_need_in_wan_and_in_yuan() -> None:
    data = {"title": " 余热回收 ", "budget": "85.5", "solution_modes": ["cooperative"], "valid_until": "2027-12-31"}
    values = parse_listing_input("need", data, amounts_in_wan=True)
    assert values["title"] == "余热回收" and values["budget"] == Decimal("855000.00")
    assert values["valid_until"] == dt.date(2027, 12, 31)
    api = parse_listing_input("need", {**data, "budget": "1234567.89"})
    assert api["budget"] == Decimal("1234567.89")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x", "budget": "1.234"}, "budget"),
        ({"title": "x", "budget": 12}, "budget"),
        ({"title": "x", "budget": "-1"}, "budget"),
        ({"title": "x", "solution_modes": ["teleport"]}, "solution_modes"),
        ({"title": "x", "tech_field": "魔法"}, "tech_field"),
        ({"title": "x", "keywords": ["a", "b", "c", "d", "e", "f"]}, "keywords"),
        ({"title": "x", "region_code": "14068"}, "region_code"),
        ({"title": "x", "valid_until": "明年"}, "valid_until"),
        ({"title": "x", "colour": "red"}, "colour"),
        ({"title": "x" * 201}, "title"),
    ],
)
def test_each_bad_field_is_named(data: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_listing_input("need", data)
    assert field in info.value.errors


def test_partial_input_for_patch_and_achievement_price() -> None:
    assert parse_listing_input("need", {"contact": "王工"}, partial=True) == {"contact": "王工"}
    with pytest.raises(ValidationError):
        parse_listing_input("need", {"title": " "}, partial=True)
    priced = parse_listing_input("achievement", {"title": "x", "price": "100.00", "trl": "6", "maturity": "pilot"})
    assert priced["price_negotiable"] is False and priced["trl"] == 6
    negotiable = parse_listing_input("achievement", {"title": "x", "price": None})
    assert negotiable["price_negotiable"] is True
    with pytest.raises(ValidationError) as info:
        parse_listing_input("achievement", {"title": "x", "trl": "10", "maturity": "mature"})
    assert set(info.value.errors) == {"trl", "maturity"}


def test_highlight_escapes_html_and_marks_terms() -> None:
    out = str(highlight("<b>煤矸石</b>陶瓷 and 煤矸", ["煤矸石", "煤矸"]))
    assert out == "&lt;b&gt;<mark>煤矸石</mark>&lt;/b&gt;陶瓷 and <mark>煤矸</mark>"
    assert str(highlight("无", [])) == "无"


def test_snippet_centres_on_the_first_term() -> None:
    body = "甲" * 300 + "煤矸石" + "乙" * 300
    piece = snippet(body, ["煤矸石"], width=60)
    assert "煤矸石" in piece and piece.startswith("…") and piece.endswith("…")


def test_control_characters_are_refused() -> None:
    with pytest.raises(ValidationError) as info:
        parse_listing_input("need", {"title": "a\x00b", "keywords": ["x\x00"]})
    assert set(info.value.errors) == {"title", "keywords"}
