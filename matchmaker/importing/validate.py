"""Validate mapped rows into clean records; every problem names the row and the field."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from matchmaker.importing.columns import REQUIRED, DuplicateColumnError, map_headers
from matchmaker.importing.fields import (
    FieldError,
    clean,
    norm,
    normalise_org_name,
    parse_bool,
    parse_date,
    parse_maturity,
    parse_modes,
    parse_price,
    parse_trl,
    parse_wan,
    split_list,
)
from matchmaker.importing.readers import SourceTable
from models.enums import OrganizationKind
from models.organization import is_valid_credit_code

TITLE_MAX = 200
NEED_BODY_MAX = 1500
SUMMARY_MAX = 2000
KEYWORDS_MAX = 5
KEYWORD_MAX_CHARS = 20
_EXTERNAL_ID = re.compile(r"^[\w.\-:/]{1,64}$")

ORG_KIND_SYNONYMS = {
    **{k.value: k.value for k in OrganizationKind},
    "企业": "enterprise",
    "公司": "enterprise",
    "高校": "university",
    "大学": "university",
    "高等院校": "university",
    "科研院所": "institute",
    "研究院": "institute",
    "研究所": "institute",
    "科技局": "bureau",
    "政府部门": "bureau",
    "服务机构": "agency",
    "中介机构": "agency",
}


@dataclass
class RowIssue:
    """An error or warning about one row (0 for the whole file) and one field."""

    row: int
    field: str
    column: str
    message: str

    def __str__(self) -> str:
        where = f"第 {self.row} 行" if self.row else "文件"
        col = f"「{self.column}」" if self.column else ""
        return f"{where}{col}（{self.field}）：{self.message}" if self.field else f"{where}：{self.message}"


@dataclass
class ValidRow:
    """A row that passed validation: clean values keyed by glossary field names."""

    row: int
    values: dict[str, Any]


@dataclass
class ValidationResult:
    """Outcome of validating a whole table."""

    kind: str
    rows: list[ValidRow] = field(default_factory=list)
    errors: list[RowIssue] = field(default_factory=list)
    warnings: list[RowIssue] = field(default_factory=list)
    bad_rows: set[int] = field(default_factory=set)
    total: int = 0
    present: set[str] = field(default_factory=set)


def guess_organization_kind(name: str, default: str) -> str:
    """Organisation kind from its name: 大学/学院 → university, 研究院/所 → institute."""
    if re.search(r"(大学|学院|学校)", name):
        return "university"
    if re.search(r"(研究院|研究所|研究中心|科学院|农科院)", name) and "公司" not in name:
        return "institute"
    return default


def derived_external_id(kind: str, title: str, organization: str) -> str:
    """A stable external id for rows without one: re-importing the same listing updates it."""
    digest = hashlib.sha1(f"{kind}|{title}|{organization}".encode()).hexdigest()[:12]
    return f"auto-{digest}"


class _RowChecker:
    def __init__(self, result: ValidationResult, number: int, columns: dict[str, str]) -> None:
        self.result, self.number, self.columns = result, number, columns
        self.ok = True

    def error(self, name: str, message: str) -> None:
        self.result.errors.append(RowIssue(self.number, name, self.columns.get(name, name), message))
        self.result.bad_rows.add(self.number)
        self.ok = False

    def warn(self, name: str, message: str) -> None:
        self.result.warnings.append(RowIssue(self.number, name, self.columns.get(name, name), message))

    def parse(self, name: str, parser: Callable[[object], Any], raw: object) -> Any:
        try:
            return parser(raw)
        except FieldError as exc:
            self.error(name, str(exc))
            return None


def _common(check: _RowChecker, cells: dict[str, Any], kind: str, values: dict[str, Any]) -> None:
    title = clean(cells.get("title"))
    if not title:
        check.error("title", "名称不能为空")
    elif len(title) > TITLE_MAX:
        check.error("title", f"名称过长（{len(title)} 字，上限 {TITLE_MAX}）")
    values["title"] = title
    raw_kw = cells.get("keywords", "")
    keywords = split_list(raw_kw)
    if len(keywords) > KEYWORDS_MAX:
        check.error("keywords", f"关键词最多 {KEYWORDS_MAX} 个，实际 {len(keywords)} 个")
    for kw in keywords:
        if len(kw) > KEYWORD_MAX_CHARS:
            check.error("keywords", f"关键词过长：{kw[:30]!r}")
    values["keywords"] = keywords
    values["tech_field"] = clean(cells.get("tech_field"))
    values["region"] = clean(cells.get("region"))
    values["organization"] = normalise_org_name(clean(cells.get("organization")))
    contact = clean(cells.get("contact"))
    phone = clean(cells.get("contact_phone"))
    values["contact"] = " ".join(p for p in (contact, phone) if p)
    ext = norm(cells.get("external_id"))
    if ext and not _EXTERNAL_ID.fullmatch(ext):
        check.error("external_id", f"编号只能含字母、数字和 -_.:/，且不超过 64 字符：{ext[:40]!r}")
    values["external_id"] = ext or derived_external_id(kind, title, values["organization"])
    if not ext:
        check.warn("external_id", f"没有编号，按名称与单位生成 {values['external_id']}")


def _need(check: _RowChecker, cells: dict[str, Any], values: dict[str, Any]) -> None:
    for name in ("problem", "key_technology", "expected_target", "indicators"):
        values[name] = clean(cells.get(name))
    body = sum(len(values[n]) for n in ("problem", "key_technology", "expected_target"))
    if body > NEED_BODY_MAX:
        check.error("problem", f"需求概述三段合计 {body} 字，超过 {NEED_BODY_MAX} 字上限")
    values["industry"] = clean(cells.get("industry"))
    values["budget"] = check.parse("budget", parse_wan, cells.get("budget"))
    modes, unknown = parse_modes(cells.get("solution_modes"), "need")
    if unknown:
        check.warn("solution_modes", f"未识别的解决方式，按原文保留：{'、'.join(unknown)}")
    values["solution_modes"] = modes
    values["valid_until"] = check.parse("valid_until", parse_date, cells.get("valid_until"))


def _achievement(check: _RowChecker, cells: dict[str, Any], values: dict[str, Any]) -> None:
    values["summary"] = clean(cells.get("summary"))
    if len(values["summary"]) > SUMMARY_MAX:
        check.error("summary", f"成果简介 {len(values['summary'])} 字，超过 {SUMMARY_MAX} 字上限")
    values["industries"] = split_list(cells.get("industry"))
    maturity, trl, known = parse_maturity(cells.get("maturity"))
    if not known:
        check.warn("maturity", f"未识别的成熟度，按原文保留：{maturity}")
    trl_cell = check.parse("trl", parse_trl, cells.get("trl"))
    values["maturity"], values["trl"] = maturity, trl_cell if trl_cell is not None else trl
    values["ip_type"] = clean(cells.get("ip_type"))
    values["ip_number"] = clean(cells.get("ip_number"))
    values["ip_status"] = clean(cells.get("ip_status"))
    modes, unknown = parse_modes(cells.get("cooperation_modes"), "achievement")
    if unknown:
        check.warn("cooperation_modes", f"未识别的合作方式，按原文保留：{'、'.join(unknown)}")
    values["cooperation_modes"] = modes
    try:
        price, negotiable = parse_price(cells.get("price"))
    except FieldError as exc:
        check.error("price", str(exc))
        price, negotiable = None, True
    values["price"], values["price_negotiable"] = price, negotiable


def _organization(check: _RowChecker, cells: dict[str, Any], values: dict[str, Any]) -> None:
    name = normalise_org_name(clean(cells.get("name")))
    if not name:
        check.error("name", "单位名称不能为空")
    elif len(name) > 200:
        check.error("name", "单位名称过长")
    values["name"] = name
    raw_kind = norm(cells.get("kind"))
    kind = ORG_KIND_SYNONYMS.get(raw_kind) or ORG_KIND_SYNONYMS.get(raw_kind.lower())
    if raw_kind and not kind:
        check.error("kind", f"未知的单位类型：{raw_kind!r}（企业/高校/科研院所/科技局/服务机构）")
    values["kind"] = kind or guess_organization_kind(name, "enterprise")
    code = norm(cells.get("credit_code")).upper()
    if code and not is_valid_credit_code(code):
        check.error("credit_code", f"统一社会信用代码无效（18 位且校验位正确）：{code!r}")
    values["credit_code"] = code or None
    values["region"] = clean(cells.get("region"))
    values["is_high_tech"] = check.parse("is_high_tech", parse_bool, cells.get("is_high_tech"))
    values["is_tech_sme"] = check.parse("is_tech_sme", parse_bool, cells.get("is_tech_sme"))


# Longest value each short text field takes (the database column sizes).
MAX_LENGTHS = {
    "tech_field": 64,
    "industry": 64,
    "maturity": 64,
    "ip_type": 64,
    "ip_number": 64,
    "ip_status": 64,
    "region": 200,
    "organization": 200,
    "contact": 200,
}


def _check_lengths(check: _RowChecker, values: dict[str, Any]) -> None:
    for name, limit in MAX_LENGTHS.items():
        value = values.get(name)
        if isinstance(value, str) and len(value) > limit:
            check.error(name, f"内容过长（{len(value)} 字，上限 {limit}）")
    for item in values.get("industries", []):
        if len(item) > MAX_LENGTHS["industry"]:
            check.error("industry", f"行业名称过长：{item[:20]}…")


def validate_table(kind: str, table: SourceTable) -> ValidationResult:
    """Map headers, then validate every row; duplicates of an id or name are errors."""
    result = ValidationResult(kind=kind, total=len(table.rows))
    try:
        mapping, unknown = map_headers(kind, table.headers)
    except DuplicateColumnError as exc:
        result.errors.append(RowIssue(0, "", "", str(exc)))
        return result
    if unknown:
        result.warnings.append(RowIssue(0, "", "", f"忽略未识别的列：{'、'.join(unknown)}"))
    missing = [name for name in REQUIRED[kind] if name not in mapping.values()]
    if missing:
        result.errors.append(
            RowIssue(
                0,
                missing[0],
                missing[0],
                f"缺少必需的列 {missing[0]}（如“需求名称”“成果名称”“单位名称”）",
            )
        )
        return result
    columns = {name: header for header, name in mapping.items()}
    result.present = set(columns)
    seen: dict[tuple[str, str], int] = {}
    unique_field = "name" if kind == "organization" else "external_id"
    for source in table.rows:
        cells = {mapping[h]: v for h, v in source.cells.items() if h in mapping}
        check = _RowChecker(result, source.number, columns)
        values: dict[str, Any] = {}
        if kind == "organization":
            _organization(check, cells, values)
        else:
            _common(check, cells, kind, values)
            (_need if kind == "need" else _achievement)(check, cells, values)
        _check_lengths(check, values)
        unique = [unique_field, "credit_code"] if kind == "organization" else [unique_field]
        for name in unique:
            key = values.get(name)
            if key and (name, key) in seen:
                check.error(name, f"与第 {seen[name, key]} 行重复：{key}")
            elif key:
                seen[name, key] = source.number
        if check.ok:
            result.rows.append(ValidRow(source.number, values))
    return result
