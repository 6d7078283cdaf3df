"""Builders of test data: listings as import rows and as IndexDocuments."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from indexer.types import IndexDocument


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    """Write rows as JSON Lines and return the path."""
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def need_row(ext: str = "N1", **overrides: Any) -> dict[str, Any]:
    """A valid need import row."""
    row = {
        "id": ext,
        "title": "焦化废水酚氰深度处理技术需求",
        "problem": "焦化废水中挥发酚和氰化物浓度高，现有生化处理出水不稳定。",
        "key_technology": "高效脱酚菌种与高级氧化耦合工艺。",
        "expected_target": "出水达到炼焦化学工业污染物排放标准。",
        "keywords": ["焦化废水", "脱酚"],
        "tech_field": "资源与环境",
        "industry": "焦化",
        "region": "山西省吕梁市孝义市",
        "organization": "孝义市鹏飞焦化有限公司",
        "budget": "200",
        "solution_modes": ["合作研发"],
        "contact": "张工 13903510001",
    }
    row.update(overrides)
    return row


def achievement_row(ext: str = "A1", **overrides: Any) -> dict[str, Any]:
    """A valid achievement import row."""
    row = {
        "id": ext,
        "title": "焦化废水生物强化脱酚与臭氧催化氧化组合工艺",
        "summary": "采用高效降酚菌群强化生化段，臭氧催化氧化深度处理，出水COD低于80mg/L。",
        "keywords": ["焦化废水", "臭氧催化氧化"],
        "tech_field": "资源与环境",
        "industry": "焦化",
        "maturity": "中试",
        "cooperation_modes": ["技术许可", "合作开发"],
        "price": "150",
        "organization": "太原理工大学",
        "region": "山西省太原市万柏林区",
        "contact": "李老师 13903510002",
    }
    row.update(overrides)
    return row


def make_doc(
    doc_id: int,
    kind: str = "achievement",
    *,
    title: str = "",
    terms: list[str] | None = None,
    vector: list[float] | None = None,
    **fields: Any,
) -> IndexDocument:
    """An IndexDocument with the given terms in title, keywords and body."""
    terms = terms or []
    vec = np.asarray(vector if vector is not None else [1.0, 0.0, 0.0, 0.0], dtype=np.float32)
    vec = vec / (np.linalg.norm(vec) or 1.0)
    base: dict[str, Any] = {
        "kind": kind,
        "id": doc_id,
        "external_id": f"{kind[0].upper()}{doc_id}",
        "version": 1,
        "title": title or " ".join(terms),
        "title_terms": list(terms),
        "keyword_terms": [],
        "body_terms": list(terms),
        "vector": vec,
    }
    base.update(fields)
    return IndexDocument(**base)


def contract_body(**overrides: Any) -> dict[str, Any]:
    """A valid contract body in the API's flat names; the seller sits in 怀仁市 (140681)."""
    body = {
        "project_name": "煤矸石制备陶瓷透水砖技术转让",
        "contract_type": "transfer",
        "tech_field": "新材料",
        "ip_type": "invention_patent",
        "buyer_name": "怀仁市金沙陶瓷有限公司",
        "buyer_region_code": "140681",
        "buyer_nature": "enterprise",
        "seller_name": "太原理工大学",
        "seller_region_code": "140681",
        "seller_nature": "university",
        "total_amount": "1250000.50",
        "tech_transaction_amount": "1000000.25",
        "signed_on": "2026-10-08",
        "valid_from": "2026-10-08",
        "valid_to": "2028-10-07",
    }
    body.update(overrides)
    return body
