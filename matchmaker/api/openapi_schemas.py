"""JSON Schemas of the API's objects (components of the OpenAPI document), as Python data."""

from __future__ import annotations

from typing import Any

from matchmaker.services.proposals import DECLINE_REASONS
from models.enums import (
    INDUSTRIES,
    TECH_FIELDS,
    CooperationMode,
    ListingStatus,
    Maturity,
    ProposalStatus,
    SolutionMode,
)

Schema = dict[str, Any]


def ref(name: str) -> Schema:
    """A reference to a schema of the components."""
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: Schema) -> Schema:
    """``schema`` or null (OpenAPI 3.1 / JSON Schema 2020-12)."""
    return {"anyOf": [schema, {"type": "null"}]}


STRING: Schema = {"type": "string"}
INTEGER: Schema = {"type": "integer"}
DATE_TIME: Schema = {"type": "string", "format": "date-time"}
STRINGS: Schema = {"type": "array", "items": STRING}
MONEY: Schema = {
    "type": ["string", "null"],
    "pattern": r"^\d{1,12}(\.\d{1,2})?$",
    "description": "Exact amount in yuan as a string with at most two decimals; answers always carry two.",
    "examples": ["1200000.00"],
}
REGION_CODE: Schema = {"type": ["string", "null"], "pattern": r"^\d{6}$", "description": "GB/T 2260 code"}
TECH_FIELD: Schema = {"type": "string", "description": "技术领域", "examples": list(TECH_FIELDS)}
KEYWORDS: Schema = {"type": "array", "items": STRING, "maxItems": 5, "description": "关键词 (1–5)"}


def enum_schema(values: Any) -> list[str]:
    """The string values of an enumeration, for a schema's ``enum``."""
    return [str(v) for v in values]


NEED_FIELDS: Schema = {
    "title": {"type": "string", "maxLength": 200},
    "problem": {"type": "string", "description": "主要问题"},
    "key_technology": {"type": "string", "description": "技术关键"},
    "expected_target": {"type": "string", "description": "预期目标"},
    "indicators": {"type": "string", "description": "技术指标"},
    "keywords": KEYWORDS,
    "tech_field": TECH_FIELD,
    "industry": {"type": "string", "description": "应用行业", "examples": list(INDUSTRIES)},
    "budget": MONEY,
    "solution_modes": {"type": "array", "items": {"enum": enum_schema(SolutionMode)}, "description": "解决方式"},
    "valid_until": {"type": ["string", "null"], "format": "date"},
    "contact": {"type": "string"},
}
ACHIEVEMENT_FIELDS: Schema = {
    "title": {"type": "string", "maxLength": 200},
    "summary": {"type": "string", "description": "成果简介"},
    "keywords": KEYWORDS,
    "tech_field": TECH_FIELD,
    "industries": {"type": "array", "items": STRING, "description": "应用行业"},
    "maturity": {"enum": ["", *enum_schema(Maturity)], "description": "成熟度"},
    "trl": {"type": ["integer", "null"], "minimum": 1, "maximum": 9},
    "ip_type": STRING,
    "ip_number": STRING,
    "ip_status": STRING,
    "cooperation_modes": {"type": "array", "items": {"enum": enum_schema(CooperationMode)}, "description": "合作方式"},
    "price": MONEY,
    "price_negotiable": {"type": "boolean"},
    "contact": STRING,
}
ORGANIZATION: Schema = nullable(
    {"type": "object", "required": ["id", "name"], "properties": {"id": INTEGER, "name": STRING}}
)


def _listing(kind: str, fields: Schema) -> Schema:
    properties: Schema = {
        "id": INTEGER,
        "kind": {"const": kind},
        "external_id": STRING,
        "status": {"enum": enum_schema(ListingStatus)},
        "version": {"type": "integer", "description": "Send it back in PATCH to detect concurrent edits"},
        **fields,
        "region_code": REGION_CODE,
        "region_name": {"type": ["string", "null"]},
        "organization": ORGANIZATION,
        "review_comment": STRING,
        "created_at": DATE_TIME,
        "updated_at": DATE_TIME,
    }
    return {"type": "object", "required": list(properties), "properties": properties}


def _input(fields: Schema, required: list[str], extra: Schema | None = None) -> Schema:
    properties = {name: schema for name, schema in fields.items()}
    properties["keywords"] = {"anyOf": [KEYWORDS, STRING]}
    properties["region_code"] = {**REGION_CODE, "description": "Defaults to the organisation's region"}
    properties.update(extra or {})
    return {"type": "object", "required": required, "properties": properties, "additionalProperties": False}


def page_schema(item: str) -> Schema:
    """A page of ``item`` objects (the shared Page envelope)."""
    return {"allOf": [ref("Page"), {"properties": {"items": {"type": "array", "items": ref(item)}}}]}


PROPOSAL_DECISIONS: Schema = {
    "score": {"type": "number"},
    "status": {"enum": enum_schema(ProposalStatus)},
    "need_decision": {"enum": enum_schema(ProposalStatus)},
    "achievement_decision": {"enum": enum_schema(ProposalStatus)},
    "decline_reason": STRING,
    "pursued": {"type": "boolean"},
    "shared_terms": STRINGS,
    "explanation": {"type": "object", "description": "reason, contributions and labels of the score"},
}
MATCH_PROPERTIES: Schema = {
    "id": {"type": "integer", "description": "The counterpart listing's id"},
    "kind": {"enum": ["need", "achievement"], "description": "The counterpart's kind"},
    "proposal_id": {"type": ["integer", "null"], "description": "null for a live (unsaved) match"},
    "external_id": STRING,
    "title": STRING,
    "organization": ORGANIZATION,
    "region_code": REGION_CODE,
    "region_name": {"type": ["string", "null"]},
    **PROPOSAL_DECISIONS,
}
PROPOSAL_PROPERTIES: Schema = {
    "id": INTEGER,
    "need_id": INTEGER,
    "achievement_id": INTEGER,
    **PROPOSAL_DECISIONS,
    "created_at": DATE_TIME,
    "updated_at": DATE_TIME,
}
SEARCH_RESULT_PROPERTIES: Schema = {
    "kind": {"enum": ["need", "achievement"]},
    "id": INTEGER,
    "external_id": STRING,
    "title": STRING,
    "score": {"type": "number"},
    "matched_terms": STRINGS,
    "title_html": {"type": "string", "description": "HTML-escaped title, query terms in <mark>"},
    "snippet_html": STRING,
}


def object_schema(properties: Schema, required: list[str] | None = None) -> Schema:
    """An object schema; every property is required unless ``required`` says otherwise."""
    return {"type": "object", "required": required or list(properties), "properties": properties}


def schemas() -> dict[str, Schema]:
    """Every schema of the document's components."""
    return {
        "Error": object_schema(
            {
                "error": object_schema(
                    {
                        "status": INTEGER,
                        "message": {"type": "string", "description": "For people, in Chinese"},
                        "field": {"type": ["string", "null"], "description": "The field at fault (null when none)"},
                        "errors": {"type": "object", "additionalProperties": STRING},
                    },
                    ["status", "message"],
                )
            }
        ),
        "Credentials": object_schema({"username": STRING, "password": STRING}),
        "Token": object_schema({"token": STRING, "token_type": {"const": "Bearer"}, "expires_at": DATE_TIME}),
        "Page": object_schema({"items": {"type": "array"}, "total": INTEGER, "page": INTEGER, "per_page": INTEGER}),
        "Need": _listing("need", NEED_FIELDS),
        "Achievement": _listing("achievement", ACHIEVEMENT_FIELDS),
        "NeedPage": page_schema("Need"),
        "AchievementPage": page_schema("Achievement"),
        "NeedInput": _input(NEED_FIELDS, ["title"]),
        "AchievementInput": _input(ACHIEVEMENT_FIELDS, ["title"]),
        "NeedPatch": _input(NEED_FIELDS, [], {"version": INTEGER}),
        "AchievementPatch": _input(ACHIEVEMENT_FIELDS, [], {"version": INTEGER}),
        "Review": object_schema({"decision": {"enum": ["publish", "return"]}, "comment": STRING}, ["decision"]),
        "Match": object_schema(MATCH_PROPERTIES),
        "MatchList": object_schema({"matches": {"type": "array", "items": ref("Match")}}),
        "Proposal": object_schema(PROPOSAL_PROPERTIES),
        "Decision": object_schema(
            {
                "decision": {"enum": ["accept", "decline"]},
                "reason": {"enum": ["", *DECLINE_REASONS], "description": "Required to decline"},
                "note": {"type": "string", "maxLength": 500, "description": "Required with reason other"},
            },
            ["decision"],
        ),
        "Pursue": object_schema({"pursued": {"type": "boolean", "default": True}}, []),
        "SearchResult": object_schema(SEARCH_RESULT_PROPERTIES),
        "SearchPage": {
            "allOf": [
                page_schema("SearchResult"),
                {"properties": {"query": STRING, "terms": STRINGS}},
            ]
        },
    }
