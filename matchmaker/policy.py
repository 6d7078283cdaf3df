"""Who may do what: one policy table read by the services, the views and the permission tests.

A cell of the table is (role, object, verb) → rule. A rule looks at the facts of one object
(owning organisation, region, status) and at the actor (organisation, jurisdiction). Anything
not in the table is refused. Anonymous and disabled users have no role and may do nothing
beyond logging in.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from models.enums import ListingStatus, Role


class Rule(StrEnum):
    """How a cell of the policy decides."""

    ALWAYS = "always"
    OWN = "own"  # the object belongs to the actor's organisation
    PUBLISHED = "published"  # the object is published (visible to every logged-in role)
    OWN_OR_PUBLISHED = "own_or_published"
    JURISDICTION = "jurisdiction"  # the object's region lies in the actor's jurisdiction
    JURISDICTION_OR_PUBLISHED = "jurisdiction_or_published"
    # Proposals: ``Facts.organization_ids`` is (need owner, achievement owner).
    NEED_SIDE = "need_side"  # the actor's organisation owns the proposal's need
    ACHIEVEMENT_SIDE = "achievement_side"  # … owns the proposal's achievement
    SELF = "self"  # the actor is one of ``Facts.usernames`` (a deal's broker, a contract's submitter)
    PARTY = "party"  # the actor's organisation is a party (deal: need/achievement owners; contract: buyer/seller)


class Verb(StrEnum):
    """Actions on objects."""

    LIST = "list"
    VIEW = "view"
    CREATE = "create"
    EDIT = "edit"
    SUBMIT = "submit"
    CLOSE = "close"
    REVIEW = "review"
    MATCHES = "matches"  # see and refresh the listing's proposals
    DECIDE = "decide"  # accept or decline a proposal for one's own listing
    PURSUE = "pursue"  # a broker marks a proposal worth pursuing
    MANAGE = "manage"  # admin work on users and organisations
    OVERSEE = "oversee"  # list every listing in every status (inside the actor's jurisdiction, if any)
    STAGE = "stage"  # move a deal to another stage
    REGISTER = "register"  # register a contract (技术合同登记) or give it the first of two reviews
    REJECT = "reject"  # refuse to register a contract (不予登记)
    REVOKE = "revoke"  # revoke a registered contract (撤销)
    AMEND = "amend"  # submit a correction of a registered contract


class Obj(StrEnum):
    """Objects the policy knows."""

    NEED = "need"
    ACHIEVEMENT = "achievement"
    PROPOSAL = "proposal"
    USER = "user"
    ORGANIZATION = "organization"
    DEAL = "deal"
    CONTRACT = "contract"


P = Rule
_LISTING_OWNER: dict[Verb, Cell] = {
    Verb.LIST: P.ALWAYS,
    Verb.VIEW: P.OWN_OR_PUBLISHED,
    Verb.CREATE: P.ALWAYS,
    Verb.EDIT: P.OWN,
    Verb.SUBMIT: P.OWN,
    Verb.CLOSE: P.OWN,
    Verb.MATCHES: P.OWN,
}
_LISTING_READER: dict[Verb, Cell] = {Verb.LIST: P.ALWAYS, Verb.VIEW: P.PUBLISHED}

# A cell is one rule, or several that must all hold.
Cell = Rule | tuple[Rule, ...]
POLICY: dict[tuple[str, str, str], Cell] = {}


def _grant(role: Role, obj: Obj, cells: dict[Verb, Cell]) -> None:
    for verb, rule in cells.items():
        POLICY[(role.value, obj.value, verb.value)] = rule


_grant(Role.ENTERPRISE, Obj.NEED, _LISTING_OWNER)
_grant(Role.ENTERPRISE, Obj.ACHIEVEMENT, _LISTING_READER)
# Each side decides for itself, and only while both listings are published.
_grant(Role.ENTERPRISE, Obj.PROPOSAL, {Verb.VIEW: P.OWN, Verb.DECIDE: (P.NEED_SIDE, P.PUBLISHED)})
_grant(Role.RESEARCH, Obj.ACHIEVEMENT, _LISTING_OWNER)
_grant(Role.RESEARCH, Obj.NEED, _LISTING_READER)
_grant(Role.RESEARCH, Obj.PROPOSAL, {Verb.VIEW: P.OWN, Verb.DECIDE: (P.ACHIEVEMENT_SIDE, P.PUBLISHED)})
for _kind in (Obj.NEED, Obj.ACHIEVEMENT):
    _grant(Role.BROKER, _kind, {Verb.LIST: P.ALWAYS, Verb.VIEW: P.PUBLISHED, Verb.MATCHES: P.PUBLISHED})
    _grant(
        Role.BUREAU,
        _kind,
        {
            Verb.LIST: P.ALWAYS,
            Verb.OVERSEE: P.ALWAYS,
            Verb.VIEW: P.JURISDICTION_OR_PUBLISHED,
            Verb.REVIEW: P.JURISDICTION,
            Verb.MATCHES: P.PUBLISHED,
        },
    )
    _grant(Role.ADMIN, _kind, {Verb.LIST: P.ALWAYS, Verb.OVERSEE: P.ALWAYS, Verb.VIEW: P.ALWAYS})
_grant(Role.BROKER, Obj.PROPOSAL, {Verb.VIEW: P.PUBLISHED, Verb.PURSUE: P.PUBLISHED})
_grant(Role.BUREAU, Obj.PROPOSAL, {Verb.VIEW: P.PUBLISHED})
# Deals: the broker's own work; the parties and the bureau of the deal's county may look.
_grant(Role.BROKER, Obj.DEAL, {Verb.LIST: P.ALWAYS, Verb.CREATE: P.ALWAYS, Verb.VIEW: P.SELF, Verb.STAGE: P.SELF})
for _role in (Role.ENTERPRISE, Role.RESEARCH):
    _grant(_role, Obj.DEAL, {Verb.LIST: P.ALWAYS, Verb.VIEW: P.PARTY})
    # Parties submit their own contracts and see those they are party to.
    _grant(_role, Obj.CONTRACT, {Verb.LIST: P.ALWAYS, Verb.CREATE: P.ALWAYS, Verb.VIEW: P.PARTY})
_grant(Role.BUREAU, Obj.DEAL, {Verb.LIST: P.ALWAYS, Verb.VIEW: P.JURISDICTION})
_grant(Role.ADMIN, Obj.DEAL, {Verb.LIST: P.ALWAYS, Verb.VIEW: P.ALWAYS})
# Contracts: brokers submit and amend what they submitted; the bureau of the seller's region
# (技术合同由卖方所在地登记机构登记) registers, rejects and revokes.
_grant(
    Role.BROKER,
    Obj.CONTRACT,
    {Verb.LIST: P.ALWAYS, Verb.CREATE: P.ALWAYS, Verb.VIEW: P.SELF, Verb.AMEND: P.SELF},
)
_grant(
    Role.BUREAU,
    Obj.CONTRACT,
    {
        Verb.LIST: P.ALWAYS,
        Verb.CREATE: P.ALWAYS,
        Verb.VIEW: P.JURISDICTION,
        Verb.REGISTER: P.JURISDICTION,
        Verb.REJECT: P.JURISDICTION,
        Verb.REVOKE: P.JURISDICTION,
        Verb.AMEND: P.JURISDICTION,
    },
)
_grant(Role.ADMIN, Obj.CONTRACT, {Verb.LIST: P.ALWAYS, Verb.VIEW: P.ALWAYS})
_ADMINISTER: dict[Verb, Cell] = {Verb.LIST: P.ALWAYS, Verb.VIEW: P.ALWAYS, Verb.CREATE: P.ALWAYS, Verb.MANAGE: P.ALWAYS}
_grant(Role.ADMIN, Obj.USER, _ADMINISTER)
_grant(Role.ADMIN, Obj.ORGANIZATION, _ADMINISTER)


@dataclass(frozen=True)
class Actor:
    """The acting user as the policy sees it (None role: anonymous or disabled)."""

    username: str
    role: str | None
    organization_id: int | None = None
    jurisdiction_code: str | None = None


@dataclass(frozen=True)
class Facts:
    """What the policy needs to know about one object.

    ``organization_ids`` are the owners (a proposal has two: the need's and the achievement's;
    a contract its buyer and seller); ``region_codes`` the regions it lies in (a contract: the
    seller's, where it is registered); ``published`` whether every part is published;
    ``usernames`` the users it belongs to (a deal's broker, a contract's submitter).
    """

    organization_ids: tuple[int | None, ...] = ()
    region_codes: tuple[str | None, ...] = ()
    published: bool = False
    usernames: tuple[str, ...] = ()


NO_FACTS = Facts()


def region_prefix(code: str) -> str:
    """The GB/T 2260 code prefix shared by every region inside ``code`` (140600 → 1406)."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def in_jurisdiction(jurisdiction_code: str | None, region_code: str | None) -> bool:
    """True when ``region_code`` lies in (or is) the jurisdiction."""
    if not jurisdiction_code or not region_code:
        return False
    return region_code.startswith(region_prefix(jurisdiction_code))


def _owns(actor: Actor, facts: Facts) -> bool:
    return actor.organization_id is not None and actor.organization_id in facts.organization_ids


def _in_jurisdiction(actor: Actor, facts: Facts) -> bool:
    return any(in_jurisdiction(actor.jurisdiction_code, code) for code in facts.region_codes)


def rule_allows(rule: Rule, actor: Actor, facts: Facts) -> bool:
    """Evaluate one rule for an actor and an object."""
    if rule is Rule.ALWAYS:
        return True
    if rule is Rule.OWN:
        return _owns(actor, facts)
    if rule is Rule.PUBLISHED:
        return facts.published
    if rule is Rule.OWN_OR_PUBLISHED:
        return facts.published or _owns(actor, facts)
    if rule is Rule.JURISDICTION:
        return _in_jurisdiction(actor, facts)
    if rule is Rule.JURISDICTION_OR_PUBLISHED:
        return facts.published or _in_jurisdiction(actor, facts)
    if rule is Rule.SELF:
        return actor.username in facts.usernames
    if rule is Rule.PARTY:
        return _owns(actor, facts)
    side = 0 if rule is Rule.NEED_SIDE else 1
    ids = facts.organization_ids
    return actor.organization_id is not None and len(ids) > side and ids[side] == actor.organization_id


def allowed(actor: Actor, obj: str, verb: str, facts: Facts = NO_FACTS) -> bool:
    """True when the policy table grants ``verb`` on ``obj`` with these facts to ``actor``."""
    if actor.role is None:
        return False
    cell = POLICY.get((actor.role, obj, verb))
    if cell is None:
        return False
    rules = cell if isinstance(cell, tuple) else (cell,)
    return all(rule_allows(rule, actor, facts) for rule in rules)


def can_see(actor: Actor, obj: str, facts: Facts) -> bool:
    """Whether the object is visible at all (invisible objects are answered with 404, not 403)."""
    return allowed(actor, obj, Verb.VIEW, facts)


def is_published(status: str) -> bool:
    """Published listings are the only ones shown outside their organisation and jurisdiction."""
    return status == ListingStatus.PUBLISHED
