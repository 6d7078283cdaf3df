"""The policy table's rules and the region arithmetic behind jurisdictions."""

from __future__ import annotations

import pytest

from matchmaker.policy import POLICY, Actor, Facts, Obj, Verb, allowed, in_jurisdiction, region_prefix

ENTERPRISE = Actor("e", "enterprise", organization_id=1)
BUREAU = Actor("b", "bureau", organization_id=9, jurisdiction_code="140600")


@pytest.mark.parametrize(
    ("code", "prefix"), [("140000", "14"), ("140600", "1406"), ("140681", "140681"), ("110100", "1101")]
)
def test_region_prefix(code: str, prefix: str) -> None:
    assert region_prefix(code) == prefix


def test_jurisdiction_contains_its_counties_only() -> None:
    assert in_jurisdiction("140600", "140681")
    assert in_jurisdiction("140600", "140600")
    assert not in_jurisdiction("140600", "140105")
    assert in_jurisdiction("140000", "140105")
    assert not in_jurisdiction(None, "140681") and not in_jurisdiction("140600", None)


def test_owners_edit_their_own_drafts_only() -> None:
    own, other = Facts((1,), ("140681",), False), Facts((2,), ("140681",), False)
    assert allowed(ENTERPRISE, Obj.NEED, Verb.EDIT, own)
    assert not allowed(ENTERPRISE, Obj.NEED, Verb.EDIT, other)
    assert not allowed(ENTERPRISE, Obj.NEED, Verb.VIEW, other)
    assert allowed(ENTERPRISE, Obj.NEED, Verb.VIEW, Facts((2,), ("140681",), True))
    assert not allowed(ENTERPRISE, Obj.ACHIEVEMENT, Verb.CREATE)


def test_bureau_reviews_inside_its_jurisdiction() -> None:
    inside, outside = Facts((5,), ("140681",), False), Facts((5,), ("140105",), False)
    assert allowed(BUREAU, Obj.NEED, Verb.REVIEW, inside)
    assert not allowed(BUREAU, Obj.NEED, Verb.REVIEW, outside)
    assert allowed(BUREAU, Obj.NEED, Verb.VIEW, inside) and not allowed(BUREAU, Obj.NEED, Verb.VIEW, outside)
    assert not allowed(BUREAU, Obj.NEED, Verb.EDIT, inside)


def test_nobody_without_a_role_may_do_anything() -> None:
    nobody = Actor("anonymous", None)
    for role, obj, verb in POLICY:
        assert not allowed(nobody, obj, verb, Facts((1,), ("140681",), True)), (role, obj, verb)


def test_the_table_grants_each_role_its_work() -> None:
    granted = {(role, obj, verb) for role, obj, verb in POLICY}
    assert ("enterprise", "need", "submit") in granted and ("research", "achievement", "submit") in granted
    assert ("broker", "proposal", "pursue") in granted and ("bureau", "need", "review") in granted
    assert ("admin", "user", "manage") in granted and ("enterprise", "proposal", "decide") in granted
    assert ("broker", "need", "edit") not in granted and ("admin", "need", "review") not in granted
