"""Bulk writer decisions per item (a scripted client: 429s and refused connections are hard to provoke
on the real node, which the contract and fault suites use for everything else), and the index layout."""

from __future__ import annotations

from typing import Any

import pytest
from elastic_transport import ApiResponseMeta, ConnectionError, ConnectionTimeout, HttpHeaders, NodeConfig
from elasticsearch import ApiError

from indexer.backends import es_schema as schema
from indexer.backends.base import SearchBackendError
from indexer.backends.elasticsearch import redact
from indexer.backends.es_bulk import BulkWriter
from indexer.types import SearchFilters


class ScriptedClient:
    """Answers each bulk call with the next scripted outcome: a list of item statuses or an exception."""

    def __init__(self, *outcomes: list[int] | Exception) -> None:
        self.outcomes = list(outcomes)
        self.calls: list[list[dict[str, Any]]] = []

    def bulk(self, operations: list[dict[str, Any]], require_alias: bool | None = None) -> dict[str, Any]:
        self.calls.append(operations)
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        actions = [op for op in operations if len(op) == 1 and next(iter(op)) in ("index", "delete")]
        items = []
        for action, status in zip(actions, outcome, strict=True):
            verb, meta = next(iter(action.items()))
            result: dict[str, Any] = {"_index": meta["_index"], "_id": meta["_id"], "status": status}
            if verb == "delete" and status == 404:
                result["result"] = "not_found"
            elif status >= 400:
                result["error"] = {"type": "x", "reason": f"reason {status}"}
            items.append({verb: result})
        return {"errors": any(s >= 300 for s in outcome), "items": items}


def _writer(client: ScriptedClient, sleeps: list[float]) -> BulkWriter:
    return BulkWriter(client, require_alias=True, refresh=False, attempts=3, backoff_s=0.5, sleep=sleeps.append)  # type: ignore[arg-type]


def _items(n: int) -> list[tuple[str, int, int, dict[str, Any]]]:
    return [("p-need", i, 2, {"id": i}) for i in range(1, n + 1)]


def test_rejected_items_are_retried_with_backoff_and_stale_ones_skipped() -> None:
    client, sleeps = ScriptedClient([201, 429, 409, 503], [200, 201]), []
    stats = _writer(client, sleeps).index(_items(4))
    assert (stats.written, stats.stale, stats.retries) == (3, 1, 1)
    assert sleeps == [0.5]
    retried = [op["index"]["_id"] for op in client.calls[1] if "index" in op]
    assert retried == ["2", "4"]
    first = client.calls[0][0]["index"]
    assert first["version"] == 2 and first["version_type"] == "external_gte"


def test_an_item_refused_for_good_names_the_document() -> None:
    client = ScriptedClient([201, 400])
    with pytest.raises(SearchBackendError, match="p-need/2: 400 reason 400"):
        _writer(client, []).index(_items(2))


def test_overload_that_never_clears_is_an_error_after_the_attempts() -> None:
    client, sleeps = ScriptedClient([429], [429], [429]), []
    with pytest.raises(SearchBackendError, match="过载"):
        _writer(client, sleeps).index(_items(1))
    assert sleeps == [0.5, 1.0]


def test_refused_connections_are_retried_then_reported() -> None:
    client, sleeps = ScriptedClient(ConnectionError("refused"), [201]), []
    assert _writer(client, sleeps).index(_items(1)).written == 1
    client = ScriptedClient(*[ConnectionError("refused")] * 3)
    with pytest.raises(SearchBackendError, match="无法连接"):
        _writer(client, []).index(_items(1))


def test_a_timeout_is_not_retried() -> None:
    client, sleeps = ScriptedClient(ConnectionTimeout("hung"), [201]), []
    with pytest.raises(SearchBackendError, match="超时"):
        _writer(client, sleeps).index(_items(1))
    assert sleeps == [] and len(client.calls) == 1


def test_a_503_answer_to_the_whole_request_is_retried() -> None:
    meta = ApiResponseMeta(503, "1.1", HttpHeaders(), 0.0, NodeConfig("http", "localhost", 9200))
    client = ScriptedClient(ApiError("unavailable", meta, {}), [201])
    assert _writer(client, []).index(_items(1)).written == 1


def test_missing_documents_in_a_delete_are_fine() -> None:
    client = ScriptedClient([200, 404])
    stats = BulkWriter(client, require_alias=True, refresh=False).delete([("p-need", 1, 3), ("p-need", 2, 3)])  # type: ignore[arg-type]
    assert stats.written == 1


def test_index_names_and_prefixes() -> None:
    assert schema.alias_name("shanxi", "need") == "shanxi-need"
    assert schema.next_index_name("p", "need", []) == "p-need-v000001"
    assert schema.next_index_name("p", "need", ["p-need-v000001", "p-need-v000009"]) == "p-need-v000010"
    for bad in ("", "Upper", "-x", "a b", "a*"):
        with pytest.raises(SearchBackendError, match="ELASTICSEARCH_PREFIX"):
            schema.check_prefix(bad)
    with pytest.raises(SearchBackendError, match="ELASTICSEARCH_VECTOR_INDEX"):
        schema.index_body("e", 4, "bbq_flat")


def test_filters_become_term_clauses_and_queries_lowercase_ascii() -> None:
    clauses = schema.filter_clauses(SearchFilters(region_code="140600", industry="焦化", mode="license"))
    assert {"terms": {"status": ["published"]}} in clauses
    assert {"term": {"region_path": "140600"}} in clauses and {"term": {"modes": "license"}} in clauses
    query = schema.keyword_query(["PLC", "控制", "plc"], SearchFilters())
    assert query is not None and query["bool"]["must"]["combined_fields"]["query"] == "plc 控制"
    assert schema.keyword_query([" ", ""], SearchFilters()) is None


def test_passwords_never_appear_in_messages() -> None:
    assert redact("https://u:secret@es.example:9200") == "https://u:***@es.example:9200"
    assert redact("http://127.0.0.1:59200") == "http://127.0.0.1:59200"
