"""The web transport of the permission matrix: pages and forms with a logged-in browser session.

``WEB_ENDPOINTS`` maps (object, verb) to the requests that try it (listing pages and forms, the
proposal decisions); ``WebCaller`` logs a subject in through the login form and reuses one CSRF
token; ``classify_web`` reads an answer as allowed or denied. Importing this module registers the
transport as ``TRANSPORTS["web"]``; tests.permissions_deals adds the deal and contract pages.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.test import TestResponse

from matchmaker.policy import Obj, Verb
from models.enums import ListingKind
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
    Transport,
    target_of,
)
from tests.webclient import WebClient

LISTING_FORMS: dict[str, dict[str, str]] = {
    ListingKind.NEED: {"title": "权限矩阵测试：表单提交的需求", "problem": "余热散失", "region_code": ""},
    ListingKind.ACHIEVEMENT: {
        "title": "权限矩阵测试：表单提交的成果",
        "summary": "换热器",
        "trl": "",
        "region_code": "",
    },
}


def _web_listing_endpoints(kind: str) -> dict[tuple[str, str], tuple[Endpoint, ...]]:
    base = f"/{kind}s"
    form = LISTING_FORMS[kind]

    def detail(suffix: str = "") -> Callable[[Call], str]:
        return lambda call: f"{base}/{target_of(call).id}{suffix}"

    view, edit, submit, close, refresh = (
        detail(),
        detail("/edit"),
        detail("/submit"),
        detail("/close"),
        detail("/matches/refresh"),
    )

    def edit_form(call: Call) -> dict[str, str | list[str]]:
        return {**form, "version": str(target_of(call).version)}

    return {
        (kind, Verb.LIST): (
            Endpoint(f"GET {base}/", lambda call: Request("GET", f"{base}/")),
            Endpoint(f"GET {base}/mine", lambda call: Request("GET", f"{base}/mine")),
        ),
        (kind, Verb.OVERSEE): (Endpoint(f"GET {base}/overview", lambda call: Request("GET", f"{base}/overview")),),
        (kind, Verb.CREATE): (
            Endpoint(f"GET {base}/new", lambda call: Request("GET", f"{base}/new")),
            Endpoint(f"POST {base}/new", lambda call: Request("POST", f"{base}/new", dict(form))),
        ),
        (kind, Verb.VIEW): (
            Endpoint(f"GET {base}/<id>", lambda call: Request("GET", view(call)), (PUBLISHED, DRAFT, PENDING)),
        ),
        (kind, Verb.EDIT): (
            Endpoint(f"GET {base}/<id>/edit", lambda call: Request("GET", edit(call)), (DRAFT, PUBLISHED)),
            Endpoint(
                f"POST {base}/<id>/edit",
                lambda call: Request("POST", edit(call), edit_form(call)),
                (DRAFT, PUBLISHED),
                mutates=True,
            ),
        ),
        (kind, Verb.SUBMIT): (
            Endpoint(f"POST {base}/<id>/submit", lambda call: Request("POST", submit(call)), (DRAFT,), mutates=True),
        ),
        (kind, Verb.CLOSE): (
            Endpoint(
                f"POST {base}/<id>/close", lambda call: Request("POST", close(call)), (PUBLISHED, DRAFT), mutates=True
            ),
        ),
        (kind, Verb.REVIEW): (
            Endpoint(
                f"POST /review/{kind}/<id> publish",
                lambda call: Request("POST", f"/review/{kind}/{target_of(call).id}", {"decision": "publish"}),
                (PENDING,),
                mutates=True,
            ),
            Endpoint(
                f"POST /review/{kind}/<id> return",
                lambda call: Request(
                    "POST", f"/review/{kind}/{target_of(call).id}", {"decision": "return", "comment": "请补充指标"}
                ),
                (PENDING,),
                mutates=True,
            ),
        ),
        (kind, Verb.MATCHES): (
            Endpoint(
                f"POST {base}/<id>/matches/refresh",
                lambda call: Request("POST", refresh(call)),
                (PUBLISHED, DRAFT),
                mutates=True,
            ),
        ),
    }


def _proposal_path(call: Call, action: str) -> str:
    return f"/matches/{target_of(call).id}/{action}"


WEB_ENDPOINTS: dict[tuple[str, str], tuple[Endpoint, ...]] = {
    **_web_listing_endpoints(ListingKind.NEED),
    **_web_listing_endpoints(ListingKind.ACHIEVEMENT),
    # A proposal has no page of its own (it is shown on its listings' pages): no VIEW endpoint.
    (Obj.PROPOSAL, Verb.DECIDE): (
        Endpoint(
            "POST /matches/<id>/decide accept",
            lambda call: Request("POST", _proposal_path(call, "decide"), {"decision": "accept"}),
            PROPOSAL_STATES,
            mutates=True,
        ),
        Endpoint(
            "POST /matches/<id>/decide decline",
            lambda call: Request(
                "POST", _proposal_path(call, "decide"), {"decision": "decline", "reason": "direction", "note": ""}
            ),
            PROPOSAL_STATES,
            mutates=True,
        ),
    ),
    (Obj.PROPOSAL, Verb.PURSUE): (
        Endpoint(
            "POST /matches/<id>/pursue",
            lambda call: Request("POST", _proposal_path(call, "pursue"), {"pursued": "1"}),
            PROPOSAL_STATES,
            mutates=True,
        ),
    ),
}


class WebCaller:
    """A browser-like session of one subject: logged in through the form, one CSRF token reused."""

    def __init__(self, app: Flask, subject: Subject) -> None:
        self.web = WebClient(app)
        if subject.username is not None:
            response = self.web.login(subject.username)
            assert response.status_code == 302, f"login of {subject.username} failed: {response.status_code}"
            assert self.web.get("/needs/mine").status_code == 200, f"{subject.username} is not logged in"
        self.csrf_token = self.web.csrf()

    def send(self, request: Request) -> TestResponse:
        """GET, or POST the form with the session's CSRF token."""
        if request.method == "GET":
            return self.web.get(request.path)
        assert request.method == "POST", request.method
        return self.web.client.post(request.path, data={**request.form, "csrf_token": self.csrf_token})


def classify_web(response: TestResponse, subject: Subject) -> tuple[Outcome, str]:
    """Allowed: 2xx, or a redirect elsewhere than the login page; denied: 401/403/404 or login redirect.

    A redirect to the login page only counts as a refusal for anonymous and disabled subjects:
    for anyone else it means the session was lost, which is an error of the test.
    """
    status = response.status_code
    if 300 <= status < 400:
        location = urlsplit(response.headers.get("Location", "")).path
        actual = f"{status} → {location}"
        if location.startswith("/auth/login"):
            return (Outcome.DENIED if subject.may_be_sent_to_login else Outcome.ERROR), actual
        return Outcome.ALLOWED, actual
    if 200 <= status < 300:
        return Outcome.ALLOWED, str(status)
    if status in (401, 403, 404):
        return Outcome.DENIED, str(status)
    return Outcome.ERROR, str(status)


WEB = Transport("web", WEB_ENDPOINTS, WebCaller, classify_web)
TRANSPORTS[WEB.name] = WEB
