"""The OpenAPI document: valid, in step with the routes, and true to what the API answers."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from openapi_schema_validator import OAS31Validator, oas31_format_checker
from openapi_spec_validator import validate

from tests.functional.api.helpers import ApiClient, published_need_with_proposals

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def document(anonymous: ApiClient) -> dict[str, Any]:
    """The document as served (without a token: it is public)."""
    response = anonymous.get("/openapi.json")
    assert response.status_code == 200
    return dict(response.get_json())


def conforms(document: dict[str, Any], schema_name: str, instance: Any) -> None:
    """Assert ``instance`` is valid against a schema of the document's components."""
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": document["components"]}
    OAS31Validator(schema, format_checker=oas31_format_checker).validate(instance)


def test_the_document_is_valid_openapi(document: dict[str, Any]) -> None:
    validate(document)
    assert document["openapi"].startswith("3.1")
    assert {"Need", "Achievement", "Match", "Proposal", "Error", "Page"} <= set(document["components"]["schemas"])


def test_every_api_rule_is_documented_and_nothing_else(app: Flask, document: dict[str, Any]) -> None:
    routes = {
        (re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        for method in rule.methods or ()
        if method.lower() in METHODS
    }
    documented = {(path, method) for path, item in document["paths"].items() for method in item if method in METHODS}
    assert routes == documented


def test_operations_declare_their_errors(document: dict[str, Any]) -> None:
    operations = [op for item in document["paths"].values() for method, op in item.items() if method in METHODS]
    assert len({op["operationId"] for op in operations}) == len(operations)
    for op in operations:
        public = op.get("security") == []
        assert public or "401" in op["responses"], op["operationId"]
        for status in op["responses"]:
            assert status.isdigit()


def test_answers_conform_to_the_schemas(
    api: Callable[[str], ApiClient], anonymous: ApiClient, app: Flask, document: dict[str, Any]
) -> None:
    conforms(
        document, "Token", anonymous.post("/auth/token", {"username": "broker", "password": "demo-password"}).get_json()
    )
    enterprise, research = api("enterprise"), api("research")
    need = enterprise.post(
        "/needs", {"title": "契约测试需求", "budget": "1.50", "valid_until": "2027-01-01"}
    ).get_json()
    conforms(document, "Need", need)
    conforms(document, "Need", enterprise.patch(f"/needs/{need['id']}", {"version": 1, "budget": None}).get_json())
    conforms(document, "Achievement", research.post("/achievements", {"title": "契约测试成果", "trl": 3}).get_json())
    conforms(document, "NeedPage", enterprise.get("/needs?per_page=50").get_json())
    conforms(document, "AchievementPage", research.get("/achievements?scope=mine&per_page=50").get_json())
    need_id, proposal_ids = published_need_with_proposals(app)
    conforms(document, "MatchList", enterprise.get(f"/needs/{need_id}/matches").get_json())
    decision = {"decision": "decline", "reason": "price"}
    conforms(document, "Proposal", enterprise.post(f"/proposals/{proposal_ids[0]}/decision", decision).get_json())
    conforms(document, "Proposal", api("broker").post(f"/proposals/{proposal_ids[0]}/pursue").get_json())
    conforms(document, "SearchPage", enterprise.get("/search", query_string={"q": "煤矸石"}).get_json())
    conforms(document, "Error", enterprise.post("/needs", {"budget": "x"}).get_json())
    conforms(document, "Error", anonymous.get("/needs").get_json())
