"""The generated demo register: valid-looking rows, numbers unique and in sequence per office and year."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from matchmaker.services.demo_chain import _Party, register_rows
from models.enums import TECH_FIELDS

TODAY = dt.date(2026, 11, 28)
RESEARCH = [
    (_Party("太原理工大学", "university", "140109"), [("煤矸石制备陶瓷透水砖", "新材料")]),
    (_Party("山西省农业科学院", "institute", "140105"), [("高寒区燕麦新品种", "现代农业")]),
]
LOCAL = [
    _Party("怀仁市金沙陶瓷有限公司", "enterprise", "140681"),
    _Party("山阴县塞北牧业有限公司", "enterprise", "140621"),
]
BUYERS = [*LOCAL, _Party("万荣县后土苹果科技有限公司", "enterprise", "140822")]


def test_rows_are_deterministic_for_a_day_and_cover_last_year_to_three_days_ago() -> None:
    rows = register_rows(RESEARCH, LOCAL, BUYERS, TODAY, size=200)
    assert rows == register_rows(RESEARCH, LOCAL, BUYERS, TODAY, size=200)
    days = [dt.date.fromisoformat(r["registered_on"]) for r in rows]
    assert days == sorted(days)
    assert dt.date(2025, 1, 1) <= days[0] and days[-1] <= TODAY - dt.timedelta(days=3)
    assert {d.year for d in days} == {2025, 2026}


def test_numbers_run_per_office_and_year_without_gaps() -> None:
    rows = register_rows(RESEARCH, LOCAL, BUYERS, TODAY, size=200)
    numbers = [r["registration_number"] for r in rows]
    assert len(set(numbers)) == len(numbers)
    runs: dict[tuple[str, str], list[int]] = defaultdict(list)
    for row, number in zip(rows, numbers, strict=True):
        assert len(number) == 16 and number[:4] == row["registered_on"][:4]
        assert number[4:10] == row["seller_region_code"][:4] + "00"
        runs[(number[:4], number[4:10])].append(int(number[10:]))
    for values in runs.values():
        assert values == list(range(1, len(values) + 1))


def test_amounts_are_exact_and_the_technology_part_never_exceeds_the_total() -> None:
    for row in register_rows(RESEARCH, LOCAL, BUYERS, TODAY, size=300):
        total, tech = Decimal(row["total_amount"]), Decimal(row["tech_transaction_amount"])
        assert total.as_tuple().exponent == -2 and tech.as_tuple().exponent == -2
        assert Decimal("0") < tech <= total
        assert row["buyer_name"] != row["seller_name"]
        assert row["tech_field"] in TECH_FIELDS
        assert row["signed_on"] <= row["registered_on"] and row["valid_from"] <= row["valid_to"]
