"""JSON Schemas of deals and technology contracts (components of the OpenAPI document), as Python data."""

from __future__ import annotations

from matchmaker.api.openapi_schemas import (
    DATE_TIME,
    INTEGER,
    REGION_CODE,
    STRING,
    Schema,
    enum_schema,
    object_schema,
    page_schema,
)
from matchmaker.services.contract_input import REQUIRED as CONTRACT_REQUIRED
from models.enums import TECH_FIELDS, ContractStatus, ContractType, DealStage, IpType, PartyNature

DATE: Schema = {"type": "string", "format": "date"}
NULLABLE_DATE: Schema = {"type": ["string", "null"], "format": "date"}
NULLABLE_DATE_TIME: Schema = {"type": ["string", "null"], "format": "date-time"}
CONTRACT_AMOUNT: Schema = {
    "type": "string",
    "pattern": r"^(0|[1-9]\d{0,12})(\.\d{1,2})?$",
    "description": "Yuan as a string with at most two decimals; numbers, signs, exponents and separators are refused",
    "examples": ["1250000.50"],
}
PARTY_NATURE: Schema = {"enum": enum_schema(PartyNature)}
CONTRACT_INPUT_FIELDS: Schema = {
    "project_name": {"type": "string", "maxLength": 200},
    "contract_type": {"enum": enum_schema(ContractType), "description": "合同类型"},
    "tech_field": {"enum": list(TECH_FIELDS), "description": "技术领域"},
    "ip_type": {"enum": enum_schema(IpType), "description": "知识产权类型"},
    "buyer_name": {"type": "string", "maxLength": 200},
    "buyer_region_code": {"type": "string", "pattern": r"^\d{6}$"},
    "buyer_nature": PARTY_NATURE,
    "seller_name": {"type": "string", "maxLength": 200},
    "seller_region_code": {"type": "string", "pattern": r"^\d{6}$", "description": "Where it is registered"},
    "seller_nature": PARTY_NATURE,
    "total_amount": {**CONTRACT_AMOUNT, "description": "合同成交额 (yuan)"},
    "tech_transaction_amount": {**CONTRACT_AMOUNT, "description": "技术交易额 (yuan), at most total_amount"},
    "signed_on": DATE,
    "valid_from": NULLABLE_DATE,
    "valid_to": NULLABLE_DATE,
    "deal_id": {"type": ["integer", "null"], "minimum": 1, "description": "A signed deal this contract concludes"},
}
_MONEY_ANSWER: Schema = {"type": "string", "pattern": r"^\d+\.\d{2}$", "description": "Yuan, two decimals"}
CONTRACT_PROPERTIES: Schema = {
    "id": INTEGER,
    "status": {"enum": enum_schema(ContractStatus)},
    "registration_number": {"type": ["string", "null"], "pattern": r"^\d{16}$", "description": "合同登记编号"},
    "amendment_no": INTEGER,
    "amends_id": {"type": ["integer", "null"]},
    "superseded_by_id": {"type": ["integer", "null"]},
    "version": INTEGER,
    **CONTRACT_INPUT_FIELDS,
    "total_amount": _MONEY_ANSWER,
    "tech_transaction_amount": _MONEY_ANSWER,
    "deal_id": {"type": ["integer", "null"]},
    "buyer_region_name": {"type": ["string", "null"]},
    "seller_region_name": {"type": ["string", "null"]},
    "buyer_organization_id": {"type": ["integer", "null"]},
    "seller_organization_id": {"type": ["integer", "null"]},
    "needs_second_review": {"type": "boolean", "description": "5,000,000 yuan or more: two bureau reviewers"},
    "awaiting_second_review": {"type": "boolean", "description": "The first review is recorded"},
    "submitted_by": STRING,
    "office_code": {"type": ["string", "null"], "description": "The registering office's region code"},
    "first_review_by": STRING,
    "first_review_at": NULLABLE_DATE_TIME,
    "registered_by": STRING,
    "registered_at": NULLABLE_DATE_TIME,
    "rejection_reason": STRING,
    "revoked_by": STRING,
    "revoked_at": NULLABLE_DATE_TIME,
    "revocation_reason": STRING,
    "amendment_reason": STRING,
    "created_at": DATE_TIME,
    "updated_at": DATE_TIME,
}
DEAL_STAGE: Schema = {"enum": enum_schema(DealStage)}
DEAL_PROPERTIES: Schema = {
    "id": INTEGER,
    "title": STRING,
    "need_id": {"type": ["integer", "null"]},
    "achievement_id": {"type": ["integer", "null"]},
    "proposal_id": {"type": ["integer", "null"]},
    "broker": {"type": "string", "description": "The broker's user name"},
    "region_code": REGION_CODE,
    "region_name": {"type": ["string", "null"]},
    "stage": DEAL_STAGE,
    "stage_since": DATE_TIME,
    "close_reason": STRING,
    "version": {"type": "integer", "description": "Send it back when moving the stage to detect concurrent moves"},
    "events": {"type": "array", "items": {"$ref": "#/components/schemas/DealEvent"}},
    "created_at": DATE_TIME,
    "updated_at": DATE_TIME,
}
VERSION: Schema = {"type": "integer", "minimum": 1, "description": "The version read; 409 when no longer current"}
REASON: Schema = {"type": "string", "maxLength": 2000}


def _strict(properties: Schema, required: list[str]) -> Schema:
    """A request body: exactly ``required`` members required, no members other than ``properties``."""
    return {"type": "object", "required": required, "properties": properties, "additionalProperties": False}


def deal_contract_schemas() -> dict[str, Schema]:
    """The schemas of deals and contracts."""
    return {
        "Deal": object_schema(DEAL_PROPERTIES),
        "DealEvent": object_schema(
            {
                "actor": STRING,
                "at": DATE_TIME,
                "from_stage": {"anyOf": [DEAL_STAGE, {"type": "null"}]},
                "to_stage": DEAL_STAGE,
                "note": STRING,
            }
        ),
        "DealPage": page_schema("Deal"),
        "DealInput": _strict(
            {
                "proposal_id": {"type": "integer", "minimum": 1, "description": "Takes the proposal's pair"},
                "need_id": {"type": "integer", "minimum": 1},
                "achievement_id": {"type": "integer", "minimum": 1},
                "title": {"type": "string", "maxLength": 200, "description": "Defaults to the pair's titles"},
                "region_code": {**REGION_CODE, "description": "Defaults to the need's region"},
                "note": {"type": "string", "maxLength": 2000},
            },
            [],
        ),
        "DealStageChange": _strict(
            {"stage": DEAL_STAGE, "note": {**REASON, "description": "Required to close"}, "version": VERSION},
            ["stage"],
        ),
        "Contract": object_schema(CONTRACT_PROPERTIES),
        "ContractPage": page_schema("Contract"),
        "ContractInput": _strict(CONTRACT_INPUT_FIELDS, list(CONTRACT_REQUIRED)),
        "ContractAmendment": _strict(
            {**CONTRACT_INPUT_FIELDS, "amendment_reason": REASON}, [*CONTRACT_REQUIRED, "amendment_reason"]
        ),
        "ContractRegistration": _strict({"version": VERSION}, []),
        "ContractReason": _strict({"reason": REASON, "version": VERSION}, ["reason"]),
    }


AMOUNT_OUT: Schema = {"type": "string", "pattern": r"^\d+\.\d{2}$", "description": "Exact yuan, two decimals"}
EXACT: Schema = {"type": ["string", "null"], "pattern": r"^\d+(\.\d+)?$", "description": "An exact decimal"}


def stats_schemas() -> dict[str, Schema]:
    """The schemas of region statistics."""
    group = object_schema(
        {
            "key": STRING,
            "label": STRING,
            "count": INTEGER,
            "total_amount": AMOUNT_OUT,
            "tech_transaction_amount": AMOUNT_OUT,
        }
    )
    groups: Schema = {"type": "array", "items": {"$ref": "#/components/schemas/ContractGroup"}}
    side = object_schema(
        {
            "count": INTEGER,
            "total_amount": AMOUNT_OUT,
            "tech_transaction_amount": AMOUNT_OUT,
            "by_type": groups,
            "by_field": groups,
        }
    )
    side_ref: Schema = {"$ref": "#/components/schemas/ContractSide"}
    lead = object_schema({"label": STRING, "median_days": EXACT, "samples": INTEGER})
    target = object_schema(
        {
            "year": INTEGER,
            "metric": {"enum": ["tech_contract_amount", "contract_count"]},
            "target": {"type": ["string", "integer"]},
            "actual": {"type": ["string", "integer", "null"]},
            "progress": {**EXACT, "description": "actual / target as an exact fraction"},
        }
    )
    return {
        "ContractGroup": group,
        "ContractSide": side,
        "RegionStats": object_schema(
            {
                "region_code": {"type": "string", "pattern": r"^\d{6}$"},
                "region_name": STRING,
                "from": DATE,
                "to": DATE,
                "needs_posted": INTEGER,
                "achievements_posted": INTEGER,
                "proposals_created": INTEGER,
                "deals_opened": INTEGER,
                "deals_by_stage": {"type": "object", "additionalProperties": INTEGER},
                "contracts": object_schema(
                    {
                        "seller": {**side_ref, "description": "技术输出"},
                        "buyer": {**side_ref, "description": "技术吸纳"},
                    }
                ),
                "funnel": object_schema({"proposals": INTEGER, "deals": INTEGER, "contracts": INTEGER}),
                "lead_times": object_schema({"to_first_proposal": lead, "to_contract": lead}),
                "targets": {"type": "array", "items": target},
            }
        ),
    }
