"""Search over the API: fused results with highlights, filters, argument errors, backend down."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from indexer.backends.base import SearchBackendError
from models import Achievement
from tests.functional.api.helpers import ApiClient, assert_error, runtime_of


def test_search_returns_highlighted_results_of_both_kinds(api: Callable[[str], ApiClient]) -> None:
    body = api("broker").get("/search", query_string={"q": "煤矸石", "per_page": 20}).get_json()
    assert body["total"] > 0 and body["items"] and (body["page"], body["per_page"]) == (1, 20)
    assert body["query"] == "煤矸石" and body["terms"]
    first = body["items"][0]
    assert set(first) >= {"kind", "id", "external_id", "title", "score", "matched_terms", "title_html"}
    assert "<mark>" in first["title_html"] and first["matched_terms"]
    assert {i["kind"] for i in body["items"]} <= {"need", "achievement"}


def test_search_narrows_by_kind_and_filters(api: Callable[[str], ApiClient]) -> None:
    client = api("enterprise")
    needs = client.get("/search", query_string={"q": "煤矸石", "kind": "need"}).get_json()
    assert needs["items"] and {i["kind"] for i in needs["items"]} == {"need"}
    filtered = client.get("/search", query_string={"q": "煤矸石", "kind": "achievement", "maturity": "industrial"})
    for item in filtered.get_json()["items"]:
        detail = client.get(f"/achievements/{item['id']}").get_json()
        assert detail["maturity"] == "industrial"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({}, "q"),
        ({"q": "  "}, "q"),
        ({"q": "煤" * 201}, "q"),
        ({"q": "煤\x00"}, "q"),
        ({"q": "煤", "kind": "contract"}, "kind"),
        ({"q": "煤", "per_page": "0"}, "per_page"),
        ({"q": "煤", "page": "-1"}, "page"),
    ],
)
def test_bad_search_arguments_are_422(api: Callable[[str], ApiClient], query: dict[str, Any], field: str) -> None:
    assert_error(api("broker").get("/search", query_string=query), 422, field)


class _BrokenBackend:
    def __getattr__(self, name: str) -> Any:
        def fail(*args: Any, **kwargs: Any) -> Any:
            raise SearchBackendError("connection refused")

        return fail


def test_search_is_503_json_when_the_backend_is_down(
    api: Callable[[str], ApiClient], app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = api("broker")
    monkeypatch.setitem(runtime_of(app).__dict__, "backend", _BrokenBackend())
    error = assert_error(client.get("/search?q=煤矸石"), 503)
    assert "检索服务暂时不可用" in error["message"]
    assert client.get("/needs").status_code == 200  # the rest keeps working


def test_matching_on_request_is_503_when_the_backend_is_down(
    api: Callable[[str], ApiClient], app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = api("research")
    achievement = client.post("/achievements", {"title": "新成果"}).get_json()
    client.post(f"/achievements/{achievement['id']}/submit")
    # published directly: the demo bureau's jurisdiction does not cover the university
    with runtime_of(app).session_factory() as session:
        row = session.get(Achievement, achievement["id"])
        assert row is not None
        row.status = "published"
        session.commit()
    monkeypatch.setitem(runtime_of(app).__dict__, "backend", _BrokenBackend())
    assert_error(client.get(f"/achievements/{achievement['id']}/matches"), 503)
