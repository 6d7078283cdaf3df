"""The OpenAPI 3.1 document of /api/v1, as Python data, and the view that serves it."""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import jsonify
from werkzeug.wrappers import Response

from matchmaker.api.openapi_contract_schemas import deal_contract_schemas, stats_schemas
from matchmaker.api.openapi_schemas import Schema, ref, schemas
from models.enums import ContractStatus, DealStage

PREFIX = "/api/v1"
ERRORS: dict[int, str] = {
    400: "Malformed request (the body is not a JSON object)",
    401: "No token, or the token is unknown, expired, revoked or of a disabled user",
    403: "The policy does not allow this action",
    404: "Unknown, or invisible to the caller",
    409: "Wrong state, or a stale version",
    422: "An invalid field; `field` names it and `errors` lists every one",
    429: "Too many failed attempts",
    503: "The search backend is unavailable",
}
LISTING_FILTERS = ("status", "region", "field", "industry", "mode", "q")


def _json(schema: Schema) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _query(name: str, description: str, schema: Schema | None = None) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema or {}}


def _path_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}


def _operation(
    operation_id: str,
    summary: str,
    ok: tuple[int, str, str | None],
    errors: tuple[int, ...],
    body: str | None = None,
    parameters: list[dict[str, Any]] | None = None,
    public: bool = False,
    body_required: bool = True,
) -> dict[str, Any]:
    status, description, schema = ok
    response: dict[str, Any] = {"description": description}
    if schema is not None:
        response["content"] = _json(ref(schema))
    responses: dict[str, Any] = {str(status): response}
    if not public:
        errors = (401, *errors)
    responses.update({str(code): {"$ref": f"#/components/responses/E{code}"} for code in sorted(errors)})
    op: dict[str, Any] = {"operationId": operation_id, "summary": summary, "responses": responses}
    if parameters:
        op["parameters"] = parameters
    if body is not None:
        op["requestBody"] = {"required": body_required, "content": _json(ref(body))}
    if public:
        op["security"] = []
    return op


def _listing_paths(kind: str, model: str) -> dict[str, Any]:
    base = f"{PREFIX}/{kind}s"
    item = f"{base}/{{listing_id}}"
    ident = [_path_param("listing_id")]
    filters = [
        _query(
            "scope",
            "mine, published (default), review (bureau) or all",
            {"enum": ["mine", "published", "review", "all"]},
        ),
        *[_query(name, f"filter on {name}") for name in LISTING_FILTERS],
        *([_query("maturity", "filter on maturity")] if kind == "achievement" else []),
        _query("page", "page number from 1", {"type": "integer", "minimum": 1, "default": 1}),
        _query("per_page", "items per page", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}),
    ]
    created = (201, "The new draft; Location names it", model)
    return {
        base: {
            "get": _operation(
                f"list_{kind}s",
                f"List {kind}s of a scope",
                (200, "A page", f"{model}Page"),
                (403, 422),
                parameters=filters,
            ),
            "post": _operation(
                f"create_{kind}", f"Post a {kind} as a draft", created, (400, 403, 422), f"{model}Input"
            ),
        },
        item: {
            "get": _operation(f"get_{kind}", f"One {kind}", (200, "The listing", model), (404,), parameters=ident),
            "patch": _operation(
                f"update_{kind}",
                f"Change fields of an own {kind}; a published one goes back to review",
                (200, "The changed listing", model),
                (400, 403, 404, 409, 422),
                f"{model}Patch",
                ident,
            ),
        },
        f"{item}/submit": {
            "post": _operation(
                f"submit_{kind}",
                "Send a draft to review",
                (200, "Pending review", model),
                (403, 404, 409),
                parameters=ident,
            ),
        },
        f"{item}/review": {
            "post": _operation(
                f"review_{kind}",
                "Bureau: publish or return with a comment",
                (200, "Published or returned", model),
                (400, 403, 404, 409, 422),
                "Review",
                ident,
            ),
        },
        f"{item}/close": {
            "post": _operation(
                f"close_{kind}", f"Close an own {kind}", (200, "Closed", model), (403, 404, 409), parameters=ident
            ),
        },
        f"{item}/matches": {
            "get": _operation(
                f"{kind}_matches",
                "Stored explained matches, best first; a published listing without any gets live matches "
                "(proposal_id null), computed without storing anything",
                (200, "Matches", "MatchList"),
                (403, 404, 422, 503),
                parameters=[
                    *ident,
                    _query("top", "at most this many", {"type": "integer", "minimum": 1, "maximum": 50, "default": 10}),
                ],
            ),
        },
    }


def _page_params(name: str, values: list[str]) -> list[dict[str, Any]]:
    return [
        _query(name, f"only this {name}", {"enum": values}),
        _query("page", "page number from 1", {"type": "integer", "minimum": 1, "default": 1}),
        _query("per_page", "items per page", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}),
    ]


def _deal_contract_paths() -> dict[str, Any]:
    deal, contract = [_path_param("deal_id")], [_path_param("contract_id")]
    item = f"{PREFIX}/contracts/{{contract_id}}"
    one = (200, "The contract", "Contract")
    action = (400, 403, 404, 409, 422)
    return {
        f"{PREFIX}/deals": {
            "get": _operation(
                "list_deals",
                "Deals the caller may see: a broker's own, the parties', the bureau's jurisdiction (deal region)",
                (200, "A page, most recently changed first", "DealPage"),
                (403, 422),
                parameters=_page_params("stage", [str(s) for s in DealStage]),
            ),
            "post": _operation(
                "open_deal",
                "Broker: open a deal (stage recommended) from a proposal, or a need and/or an achievement",
                (201, "The new deal", "Deal"),
                (400, 403, 409, 422),
                "DealInput",
            ),
        },
        f"{PREFIX}/deals/{{deal_id}}/stage": {
            "post": _operation(
                "move_deal",
                "Broker: move an own deal to the next stage, or close it with a note; registered comes "
                "from registering its contract",
                (200, "The deal", "Deal"),
                action,
                "DealStageChange",
                deal,
            ),
        },
        f"{PREFIX}/contracts": {
            "get": _operation(
                "list_contracts",
                "Contracts the caller may see: submitted or brokered, party to, the bureau's jurisdiction "
                "(seller region)",
                (200, "A page, most recently changed first", "ContractPage"),
                (403, 422),
                parameters=_page_params("status", [str(s) for s in ContractStatus]),
            ),
            "post": _operation(
                "submit_contract",
                "Submit a signed contract for registration (a linked deal must be signed)",
                (201, "The submitted contract; Location names it", "Contract"),
                (400, 403, 409, 422),
                "ContractInput",
            ),
        },
        item: {"get": _operation("get_contract", "One contract", one, (404,), parameters=contract)},
        f"{item}/register": {
            "post": _operation(
                "register_contract",
                "Bureau of the seller's region: register (registration_number set), or for 5,000,000 yuan "
                "or more record the first review (awaiting_second_review) until another reviewer registers",
                one,
                action,
                "ContractRegistration",
                contract,
                body_required=False,
            ),
        },
        f"{item}/reject": {
            "post": _operation(
                "reject_contract", "Bureau: refuse to register (不予登记)", one, action, "ContractReason", contract
            ),
        },
        f"{item}/revoke": {
            "post": _operation(
                "revoke_contract", "Bureau: revoke a registration (撤销)", one, action, "ContractReason", contract
            ),
        },
        f"{item}/amend": {
            "post": _operation(
                "amend_contract",
                "Submit a correction of a registered contract; the original stays as registered",
                (201, "The amendment (same registration number, next amendment_no); Location names it", "Contract"),
                action,
                "ContractAmendment",
                contract,
            ),
        },
    }


def _paths() -> dict[str, Any]:
    proposal = [_path_param("proposal_id")]
    search_params = [
        _query("q", "the query (required, at most 200 characters)", {"type": "string"}),
        _query("kind", "all (default), need or achievement", {"enum": ["all", "need", "achievement"]}),
        *[_query(name, f"filter on {name}") for name in ("region", "field", "industry", "maturity", "mode")],
        _query("page", "page number from 1", {"type": "integer", "minimum": 1, "default": 1}),
        _query("per_page", "results per page", {"type": "integer", "minimum": 1, "maximum": 100, "default": 10}),
    ]
    return {
        f"{PREFIX}/auth/token": {
            "post": _operation(
                "issue_token",
                "Exchange credentials for a bearer token",
                (200, "A token", "Token"),
                (400, 401, 422, 429),
                "Credentials",
                public=True,
            ),
        },
        f"{PREFIX}/auth/logout": {
            "post": _operation("logout", "Revoke the presented token", (204, "Revoked", None), ()),
        },
        **_listing_paths("need", "Need"),
        **_listing_paths("achievement", "Achievement"),
        f"{PREFIX}/proposals/{{proposal_id}}/decision": {
            "post": _operation(
                "decide_proposal",
                "Accept, or decline with a reason",
                (200, "The proposal", "Proposal"),
                (400, 403, 404, 409, 422),
                "Decision",
                proposal,
            ),
        },
        f"{PREFIX}/proposals/{{proposal_id}}/pursue": {
            "post": _operation(
                "pursue_proposal",
                "Broker: mark or unmark as worth pursuing",
                (200, "The proposal", "Proposal"),
                (400, 403, 404, 422),
                "Pursue",
                proposal,
                body_required=False,
            ),
        },
        **_deal_contract_paths(),
        f"{PREFIX}/stats": {
            "get": _operation(
                "region_stats",
                "Bureau (own jurisdiction) or admin: statistics of a county, city or the province over a period "
                "of China-time dates; contracts by the seller's region (技术输出) and the buyer's (技术吸纳)",
                (200, "Every figure of the region and period", "RegionStats"),
                (403, 422),
                parameters=[
                    _query("region", "GB/T 2260 code; default the bureau's jurisdiction", {"pattern": r"^\d{6}$"}),
                    _query("from", "first day (default 1 January of this year)", {"type": "string", "format": "date"}),
                    _query("to", "last day (default today)", {"type": "string", "format": "date"}),
                ],
            ),
        },
        f"{PREFIX}/search": {
            "get": _operation(
                "search",
                "Search published listings",
                (200, "A page of results", "SearchPage"),
                (422, 503),
                parameters=search_params,
            ),
        },
        f"{PREFIX}/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document",
                "security": [],
                "responses": {
                    "200": {
                        "description": "OpenAPI 3.1",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            },
        },
    }


@cache
def openapi_document() -> dict[str, Any]:
    """The whole OpenAPI 3.1 document (built once)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "县域科技成果与技术需求对接平台 API",
            "version": "1.0.0",
            "description": "Needs, achievements, explained matches, search, deals and technology contract "
            "registration. Errors are "
            '`{"error": {"status", "message", "field", "errors"?}}`; amounts are strings of yuan.',
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": _paths(),
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "POST /api/v1/auth/token"}
            },
            "schemas": {**schemas(), **deal_contract_schemas(), **stats_schemas()},
            "responses": {
                f"E{code}": {"description": description, "content": _json(ref("Error"))}
                for code, description in ERRORS.items()
            },
        },
    }


def openapi_json() -> Response:
    """The OpenAPI document of this API (public)."""
    return jsonify(openapi_document())
