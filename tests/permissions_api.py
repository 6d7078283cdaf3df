"""The permission matrix's second transport: the JSON API under /api/v1 with Bearer tokens.

It reuses every layer of ``tests.permissions`` (subjects, world, objects, ``run_matrix``) and
only adds what is particular to the API: ``API_ENDPOINTS`` (the (object, verb) → request table),
``ApiCaller`` (a subject's token) and ``classify_api`` (status codes and JSON error bodies).
Importing this module registers the transport as ``TRANSPORTS["api"]``.

Left out on purpose: ``GET /api/v1/<kind>s?scope=review``. It is the REVIEW verb used as a list,
but the service grants it with the facts ``region_codes=(actor.jurisdiction_code,)`` while an
object-free cell of the matrix is expected with no facts at all, where REVIEW's JURISDICTION rule
refuses everyone. It therefore does not map onto one (object, verb) cell; the review queue is
covered by tests/functional/api/test_listings.py instead. A proposal has no endpoint of its
own in the API (as on the web), so there is no proposal VIEW cell either. The deal and contract
endpoints are added to ``API_ENDPOINTS`` by ``tests.permissions_deals`` when it is imported.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from werkzeug.test import TestResponse

from matchmaker.policy import Obj, Verb
from models.enums import ListingKind
from tests.functional.api.helpers import PREFIX, ApiClient
from tests.permissions import (
    DRAFT,
    PENDING,
    PROPOSAL_STATES,
    PUBLISHED,
    TRANSPORTS,
    Call,
    Endpoint,
    Outcome,
    Request,
    Subject,
    Target,
    Transport,
    target_of,
)

# Valid bodies of POST /api/v1/<kind>s: a permitted create is a 201, never a 422.
API_LISTING_BODIES: dict[str, dict[str, Any]] = {
    ListingKind.NEED: {
        "title": "权限矩阵测试：接口发布的需求",
        "problem": "烧结砖窑余热散失",
        "keywords": ["余热回收"],
    },
    ListingKind.ACHIEVEMENT: {
        "title": "权限矩阵测试：接口发布的成果",
        "summary": "隧道窑烟气换热器",
        "keywords": ["余热回收"],
        "trl": 6,
    },
}


def _get(path: str) -> Callable[[Call], Request]:
    """A builder of a GET of a fixed path (object-free endpoints)."""
    return lambda call: Request("GET", path)


def _on_target(
    method: str, path: Callable[[Target], str], body: Callable[[Target], Any] = lambda t: None
) -> Callable[[Call], Request]:
    """A builder of ``method`` on a path (and JSON body, None for none) computed from the cell's object."""

    def build(call: Call) -> Request:
        target = target_of(call)
        return Request(method, path(target), json=body(target))

    return build


def _api_listing_endpoints(kind: str) -> dict[tuple[str, str], tuple[Endpoint, ...]]:
    """The endpoints of one listing kind, with object states in which a permitted call is valid."""
    base = f"{PREFIX}/{kind}s"
    body = API_LISTING_BODIES[kind]

    def item(suffix: str = "") -> Callable[[Target], str]:
        return lambda target: f"{base}/{target.id}{suffix}"

    def edit_body(target: Target) -> dict[str, Any]:
        return {"title": f"权限矩阵测试：接口修改的{kind}（{target.id}）", "version": target.version}

    return {
        (kind, Verb.LIST): (
            Endpoint(f"GET {base}?scope=published", _get(f"{base}?scope=published")),
            Endpoint(f"GET {base}?scope=mine", _get(f"{base}?scope=mine")),
            Endpoint(f"GET {PREFIX}/search?kind={kind}", _get(f"{PREFIX}/search?kind={kind}&q=余热回收")),
        ),
        (kind, Verb.OVERSEE): (Endpoint(f"GET {base}?scope=all", _get(f"{base}?scope=all")),),
        (kind, Verb.CREATE): (Endpoint(f"POST {base}", lambda call: Request("POST", base, json=dict(body))),),
        (kind, Verb.VIEW): (Endpoint(f"GET {base}/<id>", _on_target("GET", item()), (PUBLISHED, DRAFT, PENDING)),),
        (kind, Verb.EDIT): (
            Endpoint(f"PATCH {base}/<id>", _on_target("PATCH", item(), edit_body), (DRAFT, PUBLISHED), mutates=True),
        ),
        (kind, Verb.SUBMIT): (
            Endpoint(f"POST {base}/<id>/submit", _on_target("POST", item("/submit")), (DRAFT,), mutates=True),
        ),
        (kind, Verb.CLOSE): (
            Endpoint(f"POST {base}/<id>/close", _on_target("POST", item("/close")), (PUBLISHED, DRAFT), mutates=True),
        ),
        (kind, Verb.REVIEW): (
            Endpoint(
                f"POST {base}/<id>/review publish",
                _on_target("POST", item("/review"), lambda t: {"decision": "publish"}),
                (PENDING,),
                mutates=True,
            ),
            Endpoint(
                f"POST {base}/<id>/review return",
                _on_target("POST", item("/review"), lambda t: {"decision": "return", "comment": "请补充指标"}),
                (PENDING,),
                mutates=True,
            ),
        ),
        (kind, Verb.MATCHES): (
            # A published listing without proposals is matched on the first GET: reads share objects.
            Endpoint(f"GET {base}/<id>/matches?top=3", _on_target("GET", item("/matches?top=3")), (PUBLISHED, DRAFT)),
        ),
    }


def _proposal_item(action: str) -> Callable[[Target], str]:
    """The path of ``action`` on the cell's proposal."""
    return lambda target: f"{PREFIX}/proposals/{target.id}/{action}"


API_ENDPOINTS: dict[tuple[str, str], tuple[Endpoint, ...]] = {
    **_api_listing_endpoints(ListingKind.NEED),
    **_api_listing_endpoints(ListingKind.ACHIEVEMENT),
    (Obj.PROPOSAL, Verb.DECIDE): (
        Endpoint(
            f"POST {PREFIX}/proposals/<id>/decision accept",
            _on_target("POST", _proposal_item("decision"), lambda t: {"decision": "accept"}),
            PROPOSAL_STATES,
            mutates=True,
        ),
        Endpoint(
            f"POST {PREFIX}/proposals/<id>/decision decline",
            _on_target("POST", _proposal_item("decision"), lambda t: {"decision": "decline", "reason": "direction"}),
            PROPOSAL_STATES,
            mutates=True,
        ),
    ),
    (Obj.PROPOSAL, Verb.PURSUE): (
        Endpoint(
            f"POST {PREFIX}/proposals/<id>/pursue",
            _on_target("POST", _proposal_item("pursue"), lambda t: {"pursued": True}),
            PROPOSAL_STATES,
            mutates=True,
        ),
    ),
}


class ApiCaller:
    """One subject's API client: a Bearer token obtained with its password (none when anonymous)."""

    def __init__(self, app: Flask, subject: Subject) -> None:
        self.api = ApiClient(app)
        if subject.username is not None:
            response = self.api.login(subject.username)
            assert response.status_code == 200, f"no token for {subject.username}: {response.status_code}"
            probe = self.api.get(f"{PREFIX}/needs?scope=mine")
            assert probe.status_code == 200, f"the token of {subject.username} does not work: {probe.status_code}"

    def send(self, request: Request) -> TestResponse:
        """Send the request with the subject's token and its JSON body (if any)."""
        assert not request.form, "the API takes JSON bodies, not forms"
        return self.api.request(request.method, request.path, request.json)


def _is_json_error(response: TestResponse, status: int) -> bool:
    """True when the body is the API's JSON error of ``status`` (not, e.g., a routing 404 page)."""
    body = response.get_json(silent=True) if response.is_json else None
    error = body.get("error") if isinstance(body, dict) else None
    return isinstance(error, dict) and error.get("status") == status


def classify_api(response: TestResponse, subject: Subject) -> tuple[Outcome, str]:
    """Allowed: 2xx; denied: the API's JSON 401 / 403 / 404; anything else is an error cell.

    A subject without a live token (anonymous, disabled) must be answered 401 on every cell, and
    a subject with one never: a 403/404 for the former or a 401 for the latter is an error, as is
    a 401/403/404 that is not the API's JSON error (a mistyped URL must not pass as a refusal).
    """
    status = response.status_code
    if 200 <= status < 300:
        return Outcome.ALLOWED, str(status)
    if status not in (401, 403, 404):
        return Outcome.ERROR, str(status)
    if not _is_json_error(response, status):
        return Outcome.ERROR, f"{status} (not a JSON API error)"
    tokenless = subject.may_be_sent_to_login
    if (status == 401) != tokenless:
        why = "a live token refused" if status == 401 else "no live token, yet not 401"
        return Outcome.ERROR, f"{status} ({why})"
    return Outcome.DENIED, str(status)


API = Transport("api", API_ENDPOINTS, ApiCaller, classify_api)
TRANSPORTS[API.name] = API
