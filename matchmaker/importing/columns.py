"""Column headers as they appear on real forms, mapped to the glossary's field names."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

COMMON: dict[str, tuple[str, ...]] = {
    "external_id": ("id", "编号", "需求编号", "成果编号", "项目编号"),
    "keywords": ("keywords", "关键词", "关键字"),
    "tech_field": ("tech_field", "所属领域", "技术领域", "领域", "所属技术领域"),
    "region": (
        "region",
        "region_code",
        "所在地区",
        "所在地",
        "地区",
        "区域",
        "所属县区",
        "所在县区",
    ),
    "organization": (
        "organization",
        "单位名称",
        "企业名称",
        "需求单位",
        "需求企业",
        "完成单位",
        "成果单位",
        "成果持有单位",
        "持有单位",
        "依托单位",
    ),
    "contact": ("contact", "联系人", "联系方式"),
    "contact_phone": ("contact_phone", "联系电话", "电话", "手机"),
}

NEED: dict[str, tuple[str, ...]] = {
    **COMMON,
    "title": ("title", "需求名称", "技术需求名称", "需求标题", "项目名称", "名称"),
    "problem": (
        "problem",
        "description",
        "需求内容",
        "需求概述",
        "需求描述",
        "主要问题",
        "存在问题",
        "技术难题",
        "需求简介",
    ),
    "key_technology": ("key_technology", "技术关键", "关键技术"),
    "expected_target": ("expected_target", "预期目标", "预期效果"),
    "indicators": ("indicators", "技术指标", "主要技术指标", "需求指标"),
    "industry": ("industry", "应用行业", "所属行业", "行业"),
    "budget": ("budget", "拟投入资金", "投入资金", "预算", "拟投入金额"),
    "solution_modes": (
        "solution_modes",
        "cooperation_modes",
        "解决方式",
        "合作方式",
        "拟合作方式",
        "需求解决方式",
    ),
    "valid_until": ("valid_until", "有效期", "有效期至", "截止日期", "需求有效期"),
}

ACHIEVEMENT: dict[str, tuple[str, ...]] = {
    **COMMON,
    "title": ("title", "成果名称", "项目名称", "名称", "成果标题"),
    "summary": ("summary", "description", "成果简介", "成果介绍", "项目简介", "简介", "成果内容"),
    "industry": ("industry", "industries", "应用行业", "所属行业", "行业", "应用领域"),
    "maturity": ("maturity", "成熟度", "成果成熟度", "技术成熟度", "所处阶段", "成果阶段"),
    "trl": ("trl", "技术就绪度", "技术就绪水平"),
    "ip_type": ("ip_type", "知识产权类型", "知识产权形式", "知识产权"),
    "ip_number": ("ip_number", "专利号", "知识产权编号", "授权号"),
    "ip_status": ("ip_status", "知识产权状态", "专利状态"),
    "cooperation_modes": ("cooperation_modes", "合作方式", "转化方式", "交易方式"),
    "price": ("price", "价格", "转让价格", "交易价格", "参考价格", "意向价格"),
}

ORGANIZATION: dict[str, tuple[str, ...]] = {
    "name": ("name", "organization", "单位名称", "企业名称", "名称", "机构名称"),
    "kind": ("kind", "单位类型", "类型", "单位性质", "机构类型"),
    "credit_code": ("credit_code", "统一社会信用代码", "信用代码", "社会信用代码"),
    "region": COMMON["region"],
    "is_high_tech": ("is_high_tech", "高新技术企业", "是否高新技术企业"),
    "is_tech_sme": ("is_tech_sme", "科技型中小企业", "是否科技型中小企业"),
}

COLUMNS = {"need": NEED, "achievement": ACHIEVEMENT, "organization": ORGANIZATION}
REQUIRED = {"need": ("title",), "achievement": ("title",), "organization": ("name",)}


class DuplicateColumnError(ValueError):
    """Two columns of a file map to the same field."""


_BRACKETS = re.compile(r"[（(【\[][^）)】\]]*[）)】\]]")


def normalise_header(header: str) -> str:
    """Header without spaces, units in brackets, required-markers and case."""
    text = unicodedata.normalize("NFKC", header or "").strip().lower()
    text = _BRACKETS.sub("", text)
    return re.sub(r"[\s*＊:：]", "", text)


def recognises_headers(kind: str) -> Callable[[list[str]], bool]:
    """A test telling whether a row holds a required header of ``kind`` (for banner rows)."""
    required = {normalise_header(a) for name in REQUIRED[kind] for a in COLUMNS[kind][name]}
    return lambda row: any(normalise_header(cell) in required for cell in row)


def map_headers(kind: str, headers: list[str]) -> tuple[dict[str, str], list[str]]:
    """Map file headers to field names; returns ({header: field}, unknown headers)."""
    aliases = {normalise_header(a): name for name, names in COLUMNS[kind].items() for a in names}
    mapping: dict[str, str] = {}
    unknown: list[str] = []
    taken: set[str] = set()
    for header in headers:
        name = aliases.get(normalise_header(header))
        if name is not None and name in taken:
            first = next(h for h, n in mapping.items() if n == name)
            raise DuplicateColumnError(f"列“{first}”和“{header}”都对应字段 {name}，请只保留一列")
        if name is None:
            if header.strip():
                unknown.append(header)
            continue
        mapping[header] = name
        taken.add(name)
    return mapping, unknown
