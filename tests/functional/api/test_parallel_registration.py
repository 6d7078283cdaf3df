"""Fifty registrations sent at once over HTTP to a real threaded server, on SQLite and on PostgreSQL:
fifty 200 answers, fifty unique 16-digit numbers without gaps, no server error.

The service-level race (threads calling ``register_contract``) is in test_deals_contracts; this one
goes through everything a bureau's client meets: the WSGI server, token auth, the JSON API, the
session per request and the connection pool.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from werkzeug.serving import make_server

from matchmaker import create_app
from matchmaker.runtime import Runtime
from matchmaker.services.accounts import create_user
from matchmaker.services.contract_input import parse_contract
from matchmaker.services.contracts import submit_contract
from tests.factories import contract_body
from tests.fakes import HashingEmbedder
from tests.functional.test_deals_contracts import BROKER

COUNT = 50
PASSWORD = "a-long-password"


def _call(base: str, path: str, body: dict[str, Any], token: str | None = None) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        base + path, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def server(request: pytest.FixtureRequest) -> Iterator[tuple[str, list[int]]]:
    """A threaded server over a database holding COUNT submitted contracts; (base URL, contract ids)."""
    runtime: Runtime = request.getfixturevalue("runtime" if request.param == "sqlite" else "pg_runtime")
    with runtime.session_factory() as session:
        create_user(session, username="broker1", password=PASSWORD, role="broker")
        create_user(session, username="bureau1", password=PASSWORD, role="bureau", jurisdiction_code="140600")
        data = parse_contract(contract_body(), today=dt.date(2026, 11, 28))
        ids = [submit_contract(session, BROKER, data).id for _ in range(COUNT)]
        session.commit()
    app = create_app(runtime.config)  # its own runtime (engine and pool) over the same database
    app.extensions["matchmaker"].__dict__["embedder"] = HashingEmbedder()
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}/api/v1", ids
    httpd.shutdown()
    thread.join()
    app.extensions["matchmaker"].close()


def test_fifty_parallel_registrations_over_http(server: tuple[str, list[int]]) -> None:
    base, ids = server
    status, body = _call(base, "/auth/token", {"username": "bureau1", "password": PASSWORD})
    assert status == 200, body
    token = body["token"]
    barrier = threading.Barrier(COUNT)

    def register(contract_id: int) -> tuple[int, dict[str, Any]]:
        barrier.wait()
        return _call(base, f"/contracts/{contract_id}/register", {}, token)

    with ThreadPoolExecutor(max_workers=COUNT) as pool:
        answers = list(pool.map(register, ids))
    assert [status for status, _ in answers] == [200] * COUNT, [a for a in answers if a[0] != 200][:3]
    numbers = [body["registration_number"] for _, body in answers]
    assert len(set(numbers)) == COUNT and all(len(n) == 16 and n.isdigit() for n in numbers)
    assert {n[4:10] for n in numbers} == {"140600"}
    assert sorted(int(n[-6:]) for n in numbers) == list(range(1, COUNT + 1))
