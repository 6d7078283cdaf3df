"""Strict parsing of a contract's fields (the glossary's flat names), shared by the web form, the API and imports.

Amounts are yuan given as strings with at most two decimals (``"1250000.50"``); numbers, signs,
exponents and thousands separators are refused so that no float ever touches money.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from matchmaker.services.errors import ValidationError
from models.base import CHINA_TZ, MAX_ID
from models.enums import TECH_FIELDS, ContractType, IpType, PartyNature

FIELDS = (
    "project_name",
    "contract_type",
    "tech_field",
    "ip_type",
    "buyer_name",
    "buyer_region_code",
    "buyer_nature",
    "seller_name",
    "seller_region_code",
    "seller_nature",
    "total_amount",
    "tech_transaction_amount",
    "signed_on",
    "valid_from",
    "valid_to",
    "deal_id",
)
REQUIRED = FIELDS[:14]
LABELS = {
    "project_name": "项目名称",
    "contract_type": "合同类型",
    "tech_field": "技术领域",
    "ip_type": "知识产权类型",
    "buyer_name": "买方名称",
    "buyer_region_code": "买方行政区划代码",
    "buyer_nature": "买方性质",
    "seller_name": "卖方名称",
    "seller_region_code": "卖方行政区划代码",
    "seller_nature": "卖方性质",
    "total_amount": "合同成交额",
    "tech_transaction_amount": "技术交易额",
    "signed_on": "签订日期",
    "valid_from": "有效期起",
    "valid_to": "有效期止",
    "deal_id": "对接项目",
}
# ASCII digits only: ``\d`` and ``Decimal`` would also take Arabic-Indic or full-width digits.
_AMOUNT = re.compile(r"(0|[1-9][0-9]{0,12})(\.[0-9]{1,2})?")
_REGION = re.compile(r"[0-9]{6}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Contract dates outside these years are typing errors (registration in China began in the 1980s);
# a validity may end "never", which registers write as 9999-12-31.
FIRST_YEAR, LAST_YEAR, OPEN_END_YEAR = 1980, 2100, 9999
MAX_TEXT = 200
_CHOICES: dict[str, tuple[str, ...]] = {
    "contract_type": tuple(ContractType),
    "tech_field": TECH_FIELDS,
    "ip_type": tuple(IpType),
    "buyer_nature": tuple(PartyNature),
    "seller_nature": tuple(PartyNature),
}


@dataclass(frozen=True)
class ContractInput:
    """Validated contract fields."""

    project_name: str
    contract_type: str
    tech_field: str
    ip_type: str
    buyer_name: str
    buyer_region_code: str
    buyer_nature: str
    seller_name: str
    seller_region_code: str
    seller_nature: str
    total_amount: Decimal
    tech_transaction_amount: Decimal
    signed_on: dt.date
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    deal_id: int | None = None

    def values(self) -> dict[str, Any]:
        """The fields as a dict (for the model constructor)."""
        return {name: getattr(self, name) for name in FIELDS}


def parse_amount(raw: object, field: str, errors: dict[str, str]) -> Decimal | None:
    """Yuan as an exact Decimal from a string with at most two decimals."""
    if not isinstance(raw, str):
        errors[field] = f'{LABELS[field]}须为字符串形式的金额（元，最多两位小数），例如 "125000.00"'
        return None
    text = raw.strip()
    if not _AMOUNT.fullmatch(text):
        errors[field] = f"{LABELS[field]}格式不正确：{raw!r}（元，最多两位小数，不含符号和千分位）"
        return None
    return Decimal(text)


def _date(raw: object, field: str, errors: dict[str, str], last_year: int = LAST_YEAR) -> dt.date | None:
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        errors[field] = f"{LABELS[field]}须为 YYYY-MM-DD 格式的日期"
        return None
    text = raw.strip()
    try:
        value = dt.date.fromisoformat(text) if _DATE.fullmatch(text) else None
    except ValueError:
        value = None
    if value is None:
        errors[field] = f"{LABELS[field]}不是有效日期：{raw!r}（YYYY-MM-DD）"
    elif not FIRST_YEAR <= value.year <= last_year:
        errors[field] = f"{LABELS[field]}须在 {FIRST_YEAR} 年至 {last_year} 年之间：{raw!r}"
        value = None
    return value


def _text(raw: object, field: str, errors: dict[str, str]) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str):
        errors[field] = f"{LABELS[field]}须为文本"
        return ""
    text = raw.strip()
    if any(ord(ch) < 32 for ch in text):
        errors[field] = f"{LABELS[field]}含有控制字符"
    elif len(text) > MAX_TEXT:
        errors[field] = f"{LABELS[field]}不超过 {MAX_TEXT} 字"
    return text


def _deal_id(raw: object, errors: dict[str, str]) -> int | None:
    if raw in ("", None):
        return None
    text = str(raw).strip() if isinstance(raw, int | str) and not isinstance(raw, bool) else ""
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_ID):
        errors["deal_id"] = "对接项目编号须为正整数"
        return None
    return int(text)


def parse_contract(data: Mapping[str, Any], *, today: dt.date | None = None) -> ContractInput:
    """Validate every field at once; raises ValidationError naming each bad field."""
    errors: dict[str, str] = {}
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        errors[unknown[0]] = f"未知字段：{', '.join(unknown)}"
    texts = {
        name: _text(data.get(name), name, errors)
        for name in _CHOICES
        | dict.fromkeys(("project_name", "buyer_name", "seller_name", "buyer_region_code", "seller_region_code"))
    }
    for name in REQUIRED:
        if name in texts and not texts[name] and name not in errors:
            errors[name] = f"请填写{LABELS[name]}"
    for name, choices in _CHOICES.items():
        if texts[name] and texts[name] not in choices and name not in errors:
            errors[name] = f"{LABELS[name]}不是可选值：{texts[name]!r}"
    for name in ("buyer_region_code", "seller_region_code"):
        if texts[name] and not _REGION.fullmatch(texts[name]) and name not in errors:
            errors[name] = f"{LABELS[name]}须为 6 位数字（GB/T 2260）"
    total = parse_amount(data.get("total_amount"), "total_amount", errors)
    tech = parse_amount(data.get("tech_transaction_amount"), "tech_transaction_amount", errors)
    if total is not None and tech is not None and tech > total:
        errors["tech_transaction_amount"] = "技术交易额不能大于合同成交额"
    if total is not None and total <= 0 and "total_amount" not in errors:
        errors["total_amount"] = "合同成交额须大于零"
    signed_on = _date(data.get("signed_on"), "signed_on", errors)
    if signed_on is None and "signed_on" not in errors:
        errors["signed_on"] = "请填写签订日期"
    if signed_on and signed_on > (today or dt.datetime.now(CHINA_TZ).date()):
        errors["signed_on"] = "签订日期不能晚于今天"
    valid_from = _date(data.get("valid_from"), "valid_from", errors)
    valid_to = _date(data.get("valid_to"), "valid_to", errors, OPEN_END_YEAR)
    if valid_from and valid_to and valid_from > valid_to:
        errors["valid_to"] = "有效期止不能早于有效期起"
    deal_id = _deal_id(data.get("deal_id"), errors)
    if errors:
        raise ValidationError(errors)
    assert total is not None and tech is not None and signed_on is not None
    return ContractInput(
        **{name: texts[name] for name in texts},
        total_amount=total,
        tech_transaction_amount=tech,
        signed_on=signed_on,
        valid_from=valid_from,
        valid_to=valid_to,
        deal_id=deal_id,
    )
