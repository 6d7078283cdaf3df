"""The permission matrix: every (subject, relation, object, state, verb) cell tried for real.

The expectation of a cell always comes from ``matchmaker.policy.allowed`` with the facts of the
real object (read back from the database), never from a second table of role expectations.

Layers, so that another transport (the JSON API with Bearer tokens) can be added by a table:

* ``Subject`` — who acts: anonymous, a user who logged in and was then disabled, one per role.
* ``World`` — the database side: organisations, the disabled user, and objects created directly
  as rows in the state a cell needs (fresh ones for verbs that change state). Listings and
  proposals are built here; other objects (deals, contracts) by an ``ObjectKind`` registered in
  ``OBJECT_KINDS`` (``tests.permissions_deals``, which also adds their endpoints to both tables).
* ``Transport`` — how an (object, verb) is tried: ``endpoints[(obj, verb)]`` lists request
  builders (``Endpoint``), ``open`` logs a subject in and returns a ``Caller``, ``classify``
  turns a response into allowed / denied. ``TRANSPORTS`` holds them by name, each registered when
  its module is imported: ``web`` (pages and forms; ``tests.permissions_web``) and ``api`` (the
  JSON API with Bearer tokens; ``API_ENDPOINTS`` in ``tests.permissions_api`` maps e.g.
  ``(need, edit)`` → ``PATCH /api/v1/needs/<id>`` with a JSON body). The disabled subject's
  token stops working the same way its cookie does.
* ``run_matrix`` — plans every cell of one transport, creates the objects, performs the
  requests and returns one ``CellResult`` per cell.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Protocol

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from matchmaker.policy import Actor, Facts, Obj, allowed, can_see, in_jurisdiction
from matchmaker.runtime import Runtime
from matchmaker.services.accounts import create_user, set_user_active
from matchmaker.services.demo import DEMO_PASSWORD
from matchmaker.services.indexing import sync_index
from matchmaker.services.organizations import get_or_create_organization
from models import Achievement, MatchProposal, Need, User, enqueue
from models.enums import ListingKind, ListingStatus, OutboxOperation, Role

# --------------------------------------------------------------------------- subjects


@dataclass(frozen=True)
class Subject:
    """Who makes the requests: ``username`` None is anonymous; ``disabled`` logs in, then is disabled."""

    name: str
    username: str | None
    disabled: bool = False

    @property
    def may_be_sent_to_login(self) -> bool:
        """True for subjects without a live session or token (anonymous, disabled).

        For them a redirect to the login page (web) or a 401 (API) is a refusal; for anyone else
        it means the session or token was lost, which is an error of the test.
        """
        return self.username is None or self.disabled


DISABLED_USERNAME = "matrix-disabled"
DISABLED_ROLE = Role.ENTERPRISE
DISABLED_ORG_OF = "enterprise"  # the disabled user belongs to this demo account's organisation

SUBJECTS: tuple[Subject, ...] = (
    Subject("anonymous", None),
    Subject("disabled", DISABLED_USERNAME, disabled=True),
    Subject("enterprise", "enterprise"),
    Subject("research", "research"),
    Subject("broker", "broker"),
    Subject("bureau", "bureau"),
    Subject("admin", "admin"),
)

# --------------------------------------------------------------------------- relations and states

OWN = "own"
OTHER = "other"
INSIDE = "inside jurisdiction"
OUTSIDE = "outside jurisdiction"
OWN_NEED_SIDE = "own (need side)"
OWN_ACHIEVEMENT_SIDE = "own (achievement side)"
NO_RELATION = "-"

NO_STATE = "-"
DRAFT = ListingStatus.DRAFT.value
PENDING = ListingStatus.PENDING_REVIEW.value
PUBLISHED = ListingStatus.PUBLISHED.value
BOTH_PUBLISHED = "both published"
NEED_UNDER_REVIEW = "need back under review"

# Regions of objects placed relative to the demo bureau's jurisdiction (140600 朔州市).
INSIDE_REGION = "140602"  # 朔城区
OUTSIDE_REGION = "140105"  # 太原市小店区
OTHER_ORGANIZATIONS = ("权限矩阵测试甲公司", "权限矩阵测试乙研究院")

LISTING_KINDS: tuple[str, ...] = (ListingKind.NEED.value, ListingKind.ACHIEVEMENT.value)
MODELS: dict[str, type[Need] | type[Achievement]] = {ListingKind.NEED: Need, ListingKind.ACHIEVEMENT: Achievement}


@dataclass(frozen=True)
class Profile:
    """What the world knows of a subject: its user row's organisation, region and jurisdiction."""

    subject: Subject
    organization_id: int | None = None
    region_code: str | None = None
    jurisdiction_code: str | None = None


def relations_for(profile: Profile, obj: str) -> tuple[str, ...]:
    """Where objects are placed relative to the subject (from its attributes, not its role).

    A subject with a jurisdiction sees objects inside / outside it; a subject with an
    organisation sees its own objects (for a proposal: either side its own) and another
    organisation's; anyone else only other organisations' objects. Registered kinds decide.
    """
    if obj in OBJECT_KINDS:
        return OBJECT_KINDS[obj].relations(profile)
    if profile.jurisdiction_code:
        return (INSIDE, OUTSIDE)
    if profile.organization_id is not None:
        return (OWN_NEED_SIDE, OWN_ACHIEVEMENT_SIDE, OTHER) if obj == Obj.PROPOSAL else (OWN, OTHER)
    return (OTHER,)


# --------------------------------------------------------------------------- objects


@dataclass(frozen=True)
class Target:
    """One object a request acts on, with the policy facts read back from its database rows."""

    obj: str  # need, achievement or proposal
    id: int
    version: int
    facts: Facts
    description: str
    listing_ids: tuple[int, ...] = ()  # a proposal's need and achievement; a listing's own id


@dataclass(frozen=True)
class Placement:
    """Owner and region of one listing."""

    organization_id: int | None
    region_code: str


@dataclass(frozen=True)
class ObjectSpec:
    """An object to create: a listing (``placements`` has one entry), a proposal (need, achievement),
    or an object of ``OBJECT_KINDS`` (e.g. a deal: need and achievement, its stage, its broker)."""

    obj: str
    placements: tuple[Placement, ...]
    statuses: tuple[str, ...]
    usernames: tuple[str, ...] = ()  # users the object belongs to (a deal's broker, a contract's submitter)


class ObjectKind(Protocol):
    """How the world places and creates one more kind of object (``OBJECT_KINDS[obj]``)."""

    def prepare(self, world: World, session: Session) -> Mapping[str, Any]:
        """Create what the kind's objects need (idempotent); names and ids object-free requests refer to."""
        ...

    def relations(self, profile: Profile) -> tuple[str, ...]:
        """Where objects are placed relative to the subject."""
        ...

    def spec(self, world: World, profile: Profile, relation: str, state: str) -> ObjectSpec:
        """What to create for a cell."""
        ...

    def create(self, world: World, session: Session, specs: Sequence[ObjectSpec]) -> list[Target]:
        """Create the objects (the caller commits); their targets, facts read back from the rows."""
        ...


OBJECT_KINDS: dict[str, ObjectKind] = {}


def facts_of_listing(listing: Need | Achievement) -> Facts:
    """The policy facts of a listing row: owner, region, published."""
    return Facts((listing.organization_id,), (listing.region_code,), listing.status == ListingStatus.PUBLISHED)


def facts_of_proposal(need: Need, achievement: Achievement) -> Facts:
    """The policy facts of a proposal: both owners, both regions, published when both listings are."""
    return Facts(
        (need.organization_id, achievement.organization_id),
        (need.region_code, achievement.region_code),
        need.status == ListingStatus.PUBLISHED and achievement.status == ListingStatus.PUBLISHED,
    )


def actor_of(user: User | None) -> Actor:
    """The policy's view of a user row: no role when missing or disabled."""
    if user is None:
        return Actor("anonymous", None)
    role = user.role if user.is_active else None
    return Actor(user.username, role, user.organization_id, user.jurisdiction_code)


_TITLES: dict[str, str] = {
    ListingKind.NEED: "权限矩阵测试需求：煤矸石烧结砖窑余热回收",
    ListingKind.ACHIEVEMENT: "权限矩阵测试成果：隧道窑烟气余热回收换热器",
}
_serial = itertools.count(1)


class World:
    """The database side of the matrix over one app: organisations, users and objects."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.runtime: Runtime = app.extensions["matchmaker"]
        with self.runtime.session_factory() as session:
            self.other_org_ids = tuple(
                get_or_create_organization(session, name, "enterprise", OUTSIDE_REGION, "", "matrix")[0].id
                for name in OTHER_ORGANIZATIONS
            )
            if session.scalar(select(User).where(User.username == DISABLED_USERNAME)) is None:
                owner = session.scalar(select(User).where(User.username == DISABLED_ORG_OF))
                assert owner is not None and owner.organization is not None
                create_user(
                    session,
                    username=DISABLED_USERNAME,
                    password=DEMO_PASSWORD,
                    role=DISABLED_ROLE,
                    organization=owner.organization.name,
                    actor="matrix",
                )
            self.refs: dict[str, Any] = {}  # what object-free requests refer to (``Call.refs``)
            for kind in OBJECT_KINDS.values():
                self.refs.update(kind.prepare(self, session))
            session.commit()

    def user(self, subject: Subject) -> User | None:
        """The subject's user row as it is now (None for anonymous)."""
        if subject.username is None:
            return None
        with self.runtime.session_factory() as session:
            user = session.scalar(select(User).where(User.username == subject.username))
            assert user is not None, f"no user {subject.username}"
            session.expunge(user)
            return user

    def profile(self, subject: Subject) -> Profile:
        """Organisation, its region and the jurisdiction of the subject's user."""
        with self.runtime.session_factory() as session:
            user = session.scalar(select(User).where(User.username == subject.username)) if subject.username else None
            if user is None:
                return Profile(subject)
            region = user.organization.region_code if user.organization else None
            return Profile(subject, user.organization_id, region, user.jurisdiction_code)

    def actor(self, subject: Subject) -> Actor:
        """The policy's view of the subject now."""
        return actor_of(self.user(subject))

    def set_active(self, subject: Subject, active: bool) -> None:
        """Enable or disable the subject's user with the accounts service (disabling revokes its sessions)."""
        assert subject.username is not None
        with self.runtime.session_factory() as session:
            set_user_active(session, subject.username, active, actor="matrix")
            session.commit()

    def placement(self, profile: Profile, relation: str, side: int = 0) -> Placement:
        """Owner and region of a listing placed at ``relation`` to the subject (``side`` picks an other org)."""
        if relation == OWN:
            return Placement(profile.organization_id, profile.region_code or OUTSIDE_REGION)
        region = INSIDE_REGION if relation == INSIDE else OUTSIDE_REGION
        return Placement(self.other_org_ids[side], region)

    def spec(self, profile: Profile, obj: str, relation: str, state: str) -> ObjectSpec:
        """What to create for a cell: a listing of ``obj``, a proposal or a registered kind, placed and in ``state``."""
        if obj in OBJECT_KINDS:
            return OBJECT_KINDS[obj].spec(self, profile, relation, state)
        if obj != Obj.PROPOSAL:
            return ObjectSpec(obj, (self.placement(profile, relation),), (state,))
        if relation == OWN_NEED_SIDE:
            need_rel, ach_rel = OWN, OTHER
        elif relation == OWN_ACHIEVEMENT_SIDE:
            need_rel, ach_rel = OTHER, OWN
        else:
            need_rel = ach_rel = relation
        need_status = PENDING if state == NEED_UNDER_REVIEW else PUBLISHED
        return ObjectSpec(
            obj,
            (self.placement(profile, need_rel, 0), self.placement(profile, ach_rel, 1)),
            (need_status, PUBLISHED),
        )

    def create(self, specs: list[ObjectSpec], *, index: bool = False, title: str | None = None) -> list[Target]:
        """Create every object of ``specs`` in one transaction; their targets in the same order.

        ``index`` also puts the listings in the search index (through the outbox, like the services).
        """
        made: dict[int, Target] = {}
        with self.runtime.session_factory() as session:
            for obj, kind in OBJECT_KINDS.items():
                positions = [i for i, spec in enumerate(specs) if spec.obj == obj]
                made.update(zip(positions, kind.create(self, session, [specs[i] for i in positions]), strict=True))
            session.commit()
        rest = [i for i in range(len(specs)) if i not in made]
        made.update(zip(rest, self._create_listings([specs[i] for i in rest], index, title), strict=True))
        return [made[i] for i in range(len(specs))]

    def _create_listings(self, specs: list[ObjectSpec], index: bool, title: str | None) -> list[Target]:
        if not specs:
            return []
        with self.runtime.session_factory() as session:
            rows: list[tuple[ObjectSpec, list[Need | Achievement], MatchProposal | None]] = []
            for spec in specs:
                kinds = LISTING_KINDS if spec.obj == Obj.PROPOSAL else (spec.obj,)
                listings = [
                    self._listing(kind, placement, status, title)
                    for kind, placement, status in zip(kinds, spec.placements, spec.statuses, strict=True)
                ]
                session.add_all(listings)
                rows.append((spec, listings, None))
            session.flush()
            for i, (spec, listings, _) in enumerate(rows):
                if spec.obj == Obj.PROPOSAL:
                    proposal = MatchProposal(
                        need_id=listings[0].id,
                        achievement_id=listings[1].id,
                        score=0.5,
                        components={},
                        shared_terms=[],
                        explanation={},
                        engine_version="matrix-test",
                    )
                    session.add(proposal)
                    rows[i] = (spec, listings, proposal)
                if index:
                    for listing in listings:
                        kind = ListingKind.NEED if isinstance(listing, Need) else ListingKind.ACHIEVEMENT
                        enqueue(session, kind, listing.id, OutboxOperation.UPSERT, listing.version)
            session.flush()
            targets = [self._target(spec, listings, proposal) for spec, listings, proposal in rows]
            session.commit()
        if index:
            sync_index(self.runtime)
        return targets

    @staticmethod
    def _listing(kind: str, placement: Placement, status: str, title: str | None) -> Need | Achievement:
        model = MODELS[kind]
        serial = next(_serial)
        listing = model(
            external_id=f"matrix-{kind}-{serial}",
            title=title or f"{_TITLES[kind]}（{serial}）",
            keywords=["余热回收", "煤矸石"],
            tech_field="新能源与节能",
            status=status,
            region_code=placement.region_code,
        )
        listing.organization_id = placement.organization_id
        return listing

    @staticmethod
    def _target(spec: ObjectSpec, listings: list[Need | Achievement], proposal: MatchProposal | None) -> Target:
        def describe(listing: Need | Achievement) -> str:
            kind = "need" if isinstance(listing, Need) else "achievement"
            return f"{kind}#{listing.id}(org {listing.organization_id}, {listing.region_code}, {listing.status})"

        if proposal is None:
            (listing,) = listings
            return Target(
                spec.obj, listing.id, listing.version, facts_of_listing(listing), describe(listing), (listing.id,)
            )
        need, ach = listings
        assert isinstance(need, Need) and isinstance(ach, Achievement)
        return Target(
            Obj.PROPOSAL,
            proposal.id,
            0,
            facts_of_proposal(need, ach),
            f"proposal#{proposal.id}[{describe(need)} × {describe(ach)}]",
            (need.id, ach.id),
        )


# --------------------------------------------------------------------------- transports


@dataclass(frozen=True)
class Request:
    """A transport-neutral request: web transports send ``form``; an API transport ``json``."""

    method: str
    path: str
    form: Mapping[str, str | list[str]] = field(default_factory=dict)
    json: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Call:
    """What a request builder gets: the object kind of the cell, its target (None: object-free) and
    the world's ``refs`` (e.g. the need an object-free request opens a deal on)."""

    kind: str
    target: Target | None
    refs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Endpoint:
    """One way to try a verb: a label, a request builder and the object states it is tried in.

    ``states`` is ``(NO_STATE,)`` for object-free endpoints (lists, create forms); ``mutates``
    endpoints get a fresh object per cell.
    """

    label: str
    build: Callable[[Call], Request]
    states: tuple[str, ...] = (NO_STATE,)
    mutates: bool = False

    @property
    def object_free(self) -> bool:
        """True when the endpoint acts on no existing object."""
        return self.states == (NO_STATE,)


class Outcome(StrEnum):
    """How a response is read."""

    ALLOWED = "allowed"
    DENIED = "denied"
    ERROR = "error"  # neither: a 400, a 409, a 500, or a logged-in subject sent to the login page


class Caller(Protocol):
    """One subject's connection through a transport."""

    def send(self, request: Request) -> TestResponse:
        """Perform ``request``."""
        ...


@dataclass(frozen=True)
class Transport:
    """A way to reach the app: its endpoint table, how a subject connects, how answers are read."""

    name: str
    endpoints: Mapping[tuple[str, str], tuple[Endpoint, ...]]
    open: Callable[[Flask, Subject], Caller]
    classify: Callable[[TestResponse, Subject], tuple[Outcome, str]]


def target_of(call: Call) -> Target:
    """The cell's object (for builders of endpoints that act on one)."""
    assert call.target is not None, "this endpoint needs an object"
    return call.target


# A proposal is tried with both listings published and with its need back under review.
PROPOSAL_STATES = (BOTH_PUBLISHED, NEED_UNDER_REVIEW)


# The transports by name: ``web`` (tests.permissions_web) and ``api`` (tests.permissions_api)
# register themselves when imported.
TRANSPORTS: dict[str, Transport] = {}


# --------------------------------------------------------------------------- the matrix


@dataclass(frozen=True)
class Cell:
    """One planned cell; ``target`` is filled in once the objects exist."""

    subject: Subject
    relation: str
    obj: str
    state: str
    verb: str
    endpoint: Endpoint
    spec: ObjectSpec | None
    target: Target | None = None


@dataclass(frozen=True)
class CellResult:
    """The outcome of one cell, with its expectation from the policy."""

    transport: str
    subject: str
    relation: str
    obj: str
    state: str
    verb: str
    endpoint: str
    target: str
    expected: bool
    outcome: Outcome
    actual: str
    visible: bool | None = None  # policy.can_see for object cells: invisible objects answer 404, not 403

    @property
    def differs(self) -> bool:
        """True when the app did not do what the policy says."""
        return self.outcome is Outcome.ERROR or (self.outcome is Outcome.ALLOWED) != self.expected

    def line(self) -> str:
        """One readable line for a failure message."""
        want = "allowed" if self.expected else "denied"
        if not self.expected and self.visible is not None:
            want += " (visible: 403)" if self.visible else " (invisible: 404)"
        return (
            f"[{self.transport}] subject={self.subject} relation={self.relation} object={self.obj} "
            f"state={self.state} verb={self.verb} endpoint={self.endpoint!r} target={self.target}: "
            f"expected {want}, got {self.outcome.value} ({self.actual})"
        )


def plan_cells(world: World, transport: Transport, subjects: tuple[Subject, ...] = SUBJECTS) -> Iterator[Cell]:
    """Every cell of ``transport``: subject × relation × (object, verb) endpoint × object state."""
    for subject in subjects:
        profile = world.profile(subject)
        for (obj, verb), endpoints in transport.endpoints.items():
            for endpoint in endpoints:
                if endpoint.object_free:
                    yield Cell(subject, NO_RELATION, obj, NO_STATE, verb, endpoint, None)
                    continue
                for relation in relations_for(profile, obj):
                    for state in endpoint.states:
                        spec = world.spec(profile, obj, relation, state)
                        yield Cell(subject, relation, obj, state, verb, endpoint, spec)


def materialize(world: World, cells: list[Cell]) -> list[Cell]:
    """Create the objects of ``cells``: one shared object per spec for reads, a fresh one per mutating cell."""
    keys: list[tuple[Any, ...]] = []
    unique: dict[tuple[Any, ...], ObjectSpec] = {}
    for i, cell in enumerate(cells):
        if cell.spec is None:
            keys.append(())
            continue
        key: tuple[Any, ...] = (cell.spec, i) if cell.endpoint.mutates else (cell.spec,)
        keys.append(key)
        unique.setdefault(key, cell.spec)
    targets = dict(zip(unique, world.create(list(unique.values())), strict=True))
    return [replace(cell, target=targets[key]) if key else cell for cell, key in zip(cells, keys, strict=True)]


def expected(actor: Actor, cell: Cell) -> bool:
    """The policy's answer for the cell, with the facts of its real object (none for object-free cells)."""
    if cell.target is None:
        return allowed(actor, cell.obj, cell.verb)
    return allowed(actor, cell.obj, cell.verb, cell.target.facts)


def run_matrix(app: Flask, transport: Transport, subjects: tuple[Subject, ...] = SUBJECTS) -> list[CellResult]:
    """Plan, create, perform and classify every cell of ``transport`` for ``subjects``."""
    world = World(app)
    disabled = [subject for subject in subjects if subject.disabled]
    for subject in disabled:  # an earlier run over the same app (another transport) left it disabled
        world.set_active(subject, True)
    callers = {subject.name: transport.open(app, subject) for subject in subjects}
    for subject in disabled:
        world.set_active(subject, False)
    actors = {subject.name: world.actor(subject) for subject in subjects}
    cells = materialize(world, list(plan_cells(world, transport, subjects)))
    results = []
    for cell in cells:
        call = Call(cell.obj, cell.target, world.refs)
        response = callers[cell.subject.name].send(cell.endpoint.build(call))
        outcome, actual = transport.classify(response, cell.subject)
        results.append(
            CellResult(
                transport.name,
                cell.subject.name,
                cell.relation,
                cell.obj,
                cell.state,
                cell.verb,
                cell.endpoint.label,
                cell.target.description if cell.target else "-",
                expected(actors[cell.subject.name], cell),
                outcome,
                actual,
                can_see(actors[cell.subject.name], cell.obj, cell.target.facts) if cell.target else None,
            )
        )
    return results


# --------------------------------------------------------------------------- page helpers


def listing_ids(page: str, kind: str) -> set[int]:
    """Ids of the ``kind`` listings a page links to."""
    return {int(m) for m in re.findall(rf'href="/{kind}s/(\d+)"', page)}


def jurisdiction_of(actor: Actor, region_code: str | None) -> bool:
    """True when ``region_code`` lies in the actor's jurisdiction (the policy's own test)."""
    return in_jurisdiction(actor.jurisdiction_code, region_code)
