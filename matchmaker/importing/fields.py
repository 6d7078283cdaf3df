"""Parsers for single cells: money, dates, lists, maturity and modes. Raise FieldError."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from models.enums import (
    COOPERATION_MODE_LABELS,
    MATURITY_LABELS,
    SOLUTION_MODE_LABELS,
    CooperationMode,
    Maturity,
    SolutionMode,
)

WAN = Decimal(10_000)
MAX_WAN = Decimal(100_000_000)
NEGOTIABLE = {"面议", "议价", "协商", "价格面议", "面谈", "negotiable", "-", "—", ""}
_THOUSANDS = re.compile(r"\d{1,3}(,\d{3})+(\.\d+)?")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_LIST_SPLIT = re.compile(r"[、,，;；/|\s]+")


class FieldError(ValueError):
    """A cell's value is invalid; the message says why in Chinese."""


def normalise_org_name(name: str) -> str:
    """Organisation name with spaces removed and brackets unified to full width."""
    return re.sub(r"\s+", "", norm(name)).replace("(", "（").replace(")", "）")


def clean(value: object) -> str:
    """Cell text, stripped; lists are joined with 、 (free text keeps its own punctuation)."""
    if value is None:
        return ""
    if isinstance(value, list):
        value = "、".join(str(v) for v in value)
    return str(value).strip()


def norm(value: object) -> str:
    """Cell text for parsing codes and numbers: NFKC (full-width digits and letters to ASCII)."""
    return unicodedata.normalize("NFKC", clean(value)).strip()


def split_list(value: object) -> list[str]:
    """A list cell: JSON list or text separated by 、，,;；/ or spaces."""
    items = [norm(v) for v in value] if isinstance(value, list) else _LIST_SPLIT.split(norm(value))
    return [i for i in dict.fromkeys(items) if i]


def parse_wan(value: object) -> Decimal | None:
    """An amount in 万元 ("50", "1,200.5", "50万元") as exact yuan; None when empty."""
    raw = norm(value)
    text = re.sub(r"(万元|万)$", "", raw).strip()
    if not text:
        return None
    if text.endswith("元"):
        raise FieldError(f"金额请以万元填写（不带“元”）：{raw!r}")
    if "," in text:
        if not _THOUSANDS.fullmatch(text):
            raise FieldError(f"千位分隔符位置不对：{raw!r}")
        text = text.replace(",", "")
    if not _NUMBER.fullmatch(text):
        raise FieldError(f"不是有效金额：{raw!r}（应为以万元计的数字，如 50 或 12.5）")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise FieldError(f"不是有效金额：{norm(value)!r}（应为以万元计的数字，如 50 或 12.5）") from None
    if not amount.is_finite() or amount < 0:
        raise FieldError(f"金额不能为负数或非数字：{norm(value)!r}")
    if amount > MAX_WAN:
        raise FieldError(f"金额过大：{norm(value)!r} 万元")
    yuan = amount * WAN
    if yuan != yuan.quantize(Decimal("0.01")):
        raise FieldError(f"金额精度超过分：{norm(value)!r} 万元")
    return yuan.quantize(Decimal("0.01"))


def parse_price(value: object) -> tuple[Decimal | None, bool]:
    """A price cell: ``(None, True)`` for 面议, else ``(yuan, False)``."""
    text = norm(value)
    if text.lower() in NEGOTIABLE:
        return None, True
    return parse_wan(text), False


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日", "%Y-%m", "%Y年%m月")


def parse_date(value: object) -> dt.date | None:
    """A date in the usual Chinese and ISO spellings; None when empty."""
    text = norm(value)
    if not text:
        return None
    text = text.split(" ")[0].split("T")[0]
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise FieldError(f"不是有效日期：{text!r}（应为 2027-12-31 这样的格式）")


def parse_bool(value: object) -> bool:
    """是/否, yes/no, true/false, 1/0; empty is False."""
    text = norm(value).lower()
    if text in ("", "否", "no", "false", "0", "n", "×"):
        return False
    if text in ("是", "yes", "true", "1", "y", "√", "✓"):
        return True
    raise FieldError(f"应为“是”或“否”：{text!r}")


_MATURITY_SYNONYMS: dict[str, str] = {
    **{label: code for code, label in MATURITY_LABELS.items()},
    **{code.value: code.value for code in Maturity},
    "实验室阶段": Maturity.LAB,
    "研发阶段": Maturity.LAB,
    "样品": Maturity.LAB,
    "小试阶段": Maturity.PILOT_SMALL,
    "小批量试制": Maturity.PILOT_SMALL,
    "中试阶段": Maturity.PILOT,
    "工程化": Maturity.PILOT,
    "试生产": Maturity.PILOT,
    "产业化阶段": Maturity.INDUSTRIAL,
    "已产业化": Maturity.INDUSTRIAL,
    "规模化生产": Maturity.INDUSTRIAL,
    "批量生产": Maturity.INDUSTRIAL,
    "成熟应用": Maturity.INDUSTRIAL,
    "推广应用": Maturity.INDUSTRIAL,
    "已应用": Maturity.INDUSTRIAL,
}


def parse_maturity(value: object) -> tuple[str, int | None, bool]:
    """``(maturity, trl, recognised)``: glossary value where clear, else the text verbatim."""
    text = norm(value)
    if not text:
        return "", None, True
    trl_match = re.fullmatch(r"(?:trl)?\s*([1-9])\s*级?", text.lower())
    if trl_match:
        trl = int(trl_match.group(1))
        maturity = (
            Maturity.LAB
            if trl <= 3
            else Maturity.PILOT_SMALL
            if trl <= 5
            else Maturity.PILOT
            if trl <= 7
            else Maturity.INDUSTRIAL
        )
        return str(maturity), trl, True
    code = _MATURITY_SYNONYMS.get(text) or _MATURITY_SYNONYMS.get(text.lower())
    return (str(code), None, True) if code else (text, None, False)


def parse_trl(value: object) -> int | None:
    """Technology readiness level 1–9 (GB/T 22900); None when empty."""
    text = norm(value)
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= 9:
        raise FieldError(f"技术就绪度应为 1–9 的整数：{text!r}")
    return int(text)


_SOLUTION_SYNONYMS: dict[str, str] = {
    **{label: code for code, label in SOLUTION_MODE_LABELS.items()},
    **{code.value: code.value for code in SolutionMode},
    "自主研发": SolutionMode.INDEPENDENT,
    "自主开发": SolutionMode.INDEPENDENT,
    "委托开发": SolutionMode.COMMISSIONED,
    "委托": SolutionMode.COMMISSIONED,
    "合作开发": SolutionMode.COOPERATIVE,
    "联合开发": SolutionMode.COOPERATIVE,
    "联合研发": SolutionMode.COOPERATIVE,
    "产学研合作": SolutionMode.COOPERATIVE,
    "转让": SolutionMode.TRANSFER,
    "成果转让": SolutionMode.TRANSFER,
    "专利转让": SolutionMode.TRANSFER,
    "入股": SolutionMode.EQUITY,
    "作价入股": SolutionMode.EQUITY,
}

_COOPERATION_SYNONYMS: dict[str, str] = {
    **{label: code for code, label in COOPERATION_MODE_LABELS.items()},
    **{code.value: code.value for code in CooperationMode},
    "技术转让": CooperationMode.TRANSFER,
    "专利转让": CooperationMode.TRANSFER,
    "成果转让": CooperationMode.TRANSFER,
    "技术许可": CooperationMode.LICENSE,
    "专利许可": CooperationMode.LICENSE,
    "许可使用": CooperationMode.LICENSE,
    "技术入股": CooperationMode.EQUITY,
    "入股": CooperationMode.EQUITY,
    "合作研发": CooperationMode.CO_DEVELOPMENT,
    "联合开发": CooperationMode.CO_DEVELOPMENT,
    "委托研发": CooperationMode.COMMISSIONED_DEVELOPMENT,
    "技术咨询": CooperationMode.SERVICE,
    "技术服务与咨询": CooperationMode.SERVICE,
}


def parse_modes(value: object, kind: str) -> tuple[list[str], list[str]]:
    """``(modes, unrecognised)``: glossary values where clear, unknown ones kept verbatim."""
    table = _SOLUTION_SYNONYMS if kind == "need" else _COOPERATION_SYNONYMS
    modes: list[str] = []
    unknown: list[str] = []
    for item in split_list(value):
        code = table.get(item) or table.get(item.lower())
        if code:
            modes.append(str(code))
        else:
            modes.append(item)
            unknown.append(item)
    return list(dict.fromkeys(modes)), unknown
