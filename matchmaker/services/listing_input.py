"""Parse a need or an achievement typed into a form or sent to the API; every error names its field.

Unlike an import, which keeps unknown words verbatim with a warning, interactive input is strict:
choices must be the glossary's values, amounts must be exact.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from matchmaker.importing.fields import FieldError, clean, norm, parse_date, parse_wan, split_list
from matchmaker.importing.validate import KEYWORD_MAX_CHARS, KEYWORDS_MAX, MAX_LENGTHS, NEED_BODY_MAX, SUMMARY_MAX
from matchmaker.services.errors import ValidationError
from matchmaker.services.listings import ACHIEVEMENT_FIELDS, NEED_FIELDS
from models.enums import INDUSTRIES, TECH_FIELDS, CooperationMode, ListingKind, Maturity, SolutionMode

TITLE_MAX = 200
MAX_AMOUNT_YUAN = Decimal("100000000000")  # 1,000 亿元: anything above is a typing error
_YUAN = re.compile(r"^\d{1,12}(\.\d{1,2})?$")

# The fields a person types: the stored fields plus the region, chosen from a list.
NEED_INPUT_FIELDS = (*NEED_FIELDS, "region_code")
ACHIEVEMENT_INPUT_FIELDS = (*ACHIEVEMENT_FIELDS, "region_code")
INPUT_FIELDS = {ListingKind.NEED: NEED_INPUT_FIELDS, ListingKind.ACHIEVEMENT: ACHIEVEMENT_INPUT_FIELDS}


def parse_yuan(value: object) -> Decimal | None:
    """An API amount: a string of yuan with at most two decimals ("1200000.50"); None when empty."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise FieldError('金额须为字符串形式的元，如 "1200000.50"')
    text = value.strip()
    if not _YUAN.fullmatch(text):
        raise FieldError(f"不是有效金额（元，最多两位小数）：{value!r}")
    try:
        amount = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern already rules this out
        raise FieldError(f"不是有效金额：{value!r}") from None
    if amount > MAX_AMOUNT_YUAN:
        raise FieldError(f"金额过大：{value!r}")
    return amount.quantize(Decimal("0.01"))


def _text(limit: int | None) -> Callable[[object], str]:
    def parse(value: object) -> str:
        if value is not None and not isinstance(value, str | int | float):
            raise FieldError("应为文本")
        text = clean(value)
        if limit is not None and len(text) > limit:
            raise FieldError(f"内容过长（{len(text)} 字，上限 {limit}）")
        return text

    return parse


def _choice(options: tuple[str, ...], label: str) -> Callable[[object], str]:
    def parse(value: object) -> str:
        text = clean(value)
        if text and text not in options:
            raise FieldError(f"未知的{label}：{text!r}")
        return text

    return parse


def _choices(options: tuple[str, ...], label: str) -> Callable[[object], list[str]]:
    def parse(value: object) -> list[str]:
        if value is not None and not isinstance(value, str | list):
            raise FieldError("应为列表")
        items = split_list(value)
        unknown = [i for i in items if i not in options]
        if unknown:
            raise FieldError(f"未知的{label}：{'、'.join(unknown)}")
        return items

    return parse


def _keywords(value: object) -> list[str]:
    if value is not None and not isinstance(value, str | list):
        raise FieldError("应为列表或以、分隔的文本")
    items = split_list(value)
    if len(items) > KEYWORDS_MAX:
        raise FieldError(f"关键词最多 {KEYWORDS_MAX} 个，实际 {len(items)} 个")
    for item in items:
        if len(item) > KEYWORD_MAX_CHARS:
            raise FieldError(f"关键词过长：{item[:30]!r}")
    return items


def _region_code(value: object) -> str | None:
    text = norm(value)
    if not text:
        return None
    if not re.fullmatch(r"\d{6}", text):
        raise FieldError(f"行政区划代码应为 6 位数字：{text!r}")
    return text


def _date(value: object) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    return parse_date(value)


def _trl(value: object) -> int | None:
    if value is None or value == "":
        return None
    text = norm(value)
    if not text.isdigit() or not 1 <= int(text) <= 9:
        raise FieldError(f"技术就绪度应为 1–9 的整数：{text!r}")
    return int(text)


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = norm(value).lower()
    if text in ("", "0", "false", "no", "n", "否", "off"):
        return False
    if text in ("1", "true", "yes", "y", "是", "on"):
        return True
    raise FieldError(f"应为是或否：{text!r}")


def _parsers(kind: str, amounts_in_wan: bool) -> dict[str, Callable[[object], Any]]:
    amount: Callable[[object], Decimal | None] = parse_wan if amounts_in_wan else parse_yuan
    common: dict[str, Callable[[object], Any]] = {
        "title": _text(TITLE_MAX),
        "keywords": _keywords,
        "tech_field": _choice(TECH_FIELDS, "技术领域"),
        "region_code": _region_code,
        "contact": _text(MAX_LENGTHS["contact"]),
    }
    if kind == ListingKind.NEED:
        return {
            **common,
            "problem": _text(NEED_BODY_MAX),
            "key_technology": _text(NEED_BODY_MAX),
            "expected_target": _text(NEED_BODY_MAX),
            "indicators": _text(NEED_BODY_MAX),
            "industry": _choice(INDUSTRIES, "应用行业"),
            "budget": amount,
            "solution_modes": _choices(tuple(m.value for m in SolutionMode), "解决方式"),
            "valid_until": _date,
        }
    return {
        **common,
        "summary": _text(SUMMARY_MAX),
        "industries": _choices(INDUSTRIES, "应用行业"),
        "maturity": _choice(tuple(m.value for m in Maturity), "成熟度"),
        "trl": _trl,
        "ip_type": _text(MAX_LENGTHS["ip_type"]),
        "ip_number": _text(MAX_LENGTHS["ip_number"]),
        "ip_status": _text(MAX_LENGTHS["ip_status"]),
        "cooperation_modes": _choices(tuple(m.value for m in CooperationMode), "合作方式"),
        "price": amount,
        "price_negotiable": _flag,
    }


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list):
        return any(isinstance(v, str) and "\x00" in v for v in value)
    return False


def parse_listing_input(
    kind: str, data: Mapping[str, Any], *, partial: bool = False, amounts_in_wan: bool = False
) -> dict[str, Any]:
    """Clean values for the fields present in ``data``; raises ValidationError naming each bad field.

    ``partial`` (PATCH) accepts a subset of fields; otherwise the title is required. Unknown
    field names are errors too, so a misspelt field is never silently ignored.
    """
    parsers = _parsers(kind, amounts_in_wan)
    errors: dict[str, str] = {}
    unknown = [name for name in data if name not in parsers]
    for name in unknown:
        errors[name] = "未知字段"
    values: dict[str, Any] = {}
    for name, parse in parsers.items():
        if name not in data:
            continue
        if _has_nul(data[name]):
            errors[name] = "含有不允许的控制字符"
            continue
        try:
            values[name] = parse(data[name])
        except FieldError as exc:
            errors[name] = str(exc)
    if not partial and not values.get("title"):
        errors.setdefault("title", "名称不能为空")
    elif "title" in values and not values["title"]:
        errors["title"] = "名称不能为空"
    if kind == ListingKind.NEED:
        body = sum(len(values.get(n) or "") for n in ("problem", "key_technology", "expected_target"))
        if body > NEED_BODY_MAX:
            errors.setdefault("problem", f"需求概述三段合计 {body} 字，超过 {NEED_BODY_MAX} 字上限")
    if kind == ListingKind.ACHIEVEMENT and "price" in values:
        if values["price"] is not None:
            values["price_negotiable"] = False
        elif "price_negotiable" not in values:
            values["price_negotiable"] = True
    if errors:
        raise ValidationError(errors)
    return values
