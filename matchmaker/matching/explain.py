"""Explanations in words and numbers: shared terms and each feature's contribution."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from indexer.types import IndexDocument
from matchmaker.matching.features import shared_body_terms
from models.enums import MATURITY_LABELS

FEATURE_LABELS = {
    "fusion": "关键词与语义排名融合",
    "semantic": "语义相似",
    "keyword": "关键词检索",
    "title_overlap": "标题与关键词重合",
    "tech_field": "技术领域一致",
    "industry": "应用行业一致",
    "region": "地域相近",
    "maturity": "成熟度",
    "mode": "合作方式契合",
    "budget": "预算与价格",
    "freshness": "发布时间",
}


def _region_phrase(value: float, need: IndexDocument, names: Mapping[str, str]) -> str | None:
    code = need.region_code or ""
    if value >= 1.0:
        return f"同在{names.get(code, '同一县区')}"
    if value >= 0.6:
        return f"同在{names.get(code[:4] + '00', '同一市')}"
    if value >= 0.3:
        return f"同在{names.get(code[:2] + '0000', '同一省')}"
    return None


def explain(
    query: IndexDocument,
    candidate: IndexDocument,
    features: Mapping[str, float],
    contributions: Mapping[str, float],
    shared_terms: list[str],
    *,
    cosine: float,
    keyword_rank: int | None,
    vector_rank: int | None,
    region_names: Mapping[str, str],
) -> dict[str, Any]:
    """A JSON-ready explanation of why ``candidate`` was proposed for ``query``."""
    need, ach = (query, candidate) if query.kind == "need" else (candidate, query)
    reasons: list[str] = []
    if shared_terms:
        reasons.append("共有关键术语" + "".join(f"“{t}”" for t in shared_terms[:4]))
    if features.get("semantic", 0) >= 0.6:
        reasons.append(f"内容语义相近（余弦{cosine:.2f}）")
    if features.get("tech_field") == 1.0:
        reasons.append(f"同属{need.tech_field}领域")
    if features.get("industry") == 1.0:
        common = sorted(set(need.industries) & set(ach.industries))
        reasons.append(f"面向{('、'.join(common)) or '同一'}行业")
    region = _region_phrase(features.get("region", 0.0), need, region_names)
    if region:
        reasons.append(region)
    if ach.maturity in MATURITY_LABELS and features.get("maturity", 0) >= 0.8:
        reasons.append(f"成果已达{MATURITY_LABELS[ach.maturity]}阶段")
    if features.get("mode") == 1.0:
        reasons.append("合作方式契合")
    if features.get("budget") == 1.0:
        reasons.append("价格在预算之内")
    body = shared_body_terms(query, candidate)
    return {
        "reason": "；".join(reasons) if reasons else "内容有一定相关性",
        "shared_terms": shared_terms[:12],
        "shared_body_terms": body,
        "features": {k: round(v, 4) for k, v in features.items()},
        "contributions": {k: round(v, 4) for k, v in contributions.items()},
        "labels": FEATURE_LABELS,
        "cosine": round(cosine, 4),
        "keyword_rank": keyword_rank,
        "vector_rank": vector_rank,
    }
