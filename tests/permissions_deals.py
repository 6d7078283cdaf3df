"""Deals (对接项目) and technology contracts (技术合同) in the permission matrix.

Importing this module registers ``DEALS`` and ``CONTRACTS`` in ``tests.permissions.OBJECT_KINDS``
(how the world places and creates them) and adds their endpoints to the web table
(``WEB_ENDPOINTS``) and the API table (``API_ENDPOINTS``). Expectations stay
``policy.allowed`` with the facts read back from the rows (``facts_of_deal``,
``facts_of_contract``), which must also equal what the services compute (``deal_facts``,
``contract_facts``): a service building other facts than the rows say fails the world.

Relations, from the subject's attributes (a user may be a deal's broker or a contract's
submitter whatever its role is now: an admin can change roles, so these two are tried for
every subject with a user):

* ``BROKERED`` — a deal the subject brokers; a contract of a deal the subject brokers;
* ``SUBMITTED_BY`` — a contract the subject submitted;
* own need / achievement side (deal), own buyer / seller (contract) — the subject's organisation
  is a party (subjects with an organisation and no jurisdiction);
* inside / outside — the deal's county, the contract seller's region (where it is registered)
  relative to the subject's jurisdiction;
* other — none of these: other organisations' parties, another broker, outside any jurisdiction.

States: deals ``recommended``, ``signed`` and ``closed``; a stage move is tried only where it is
legal (recommended → contacted, signed → closed with a reason). Contracts ``submitted``,
``registered``, ``rejected``, ``revoked``, and two of 5,000,000 yuan or more: awaiting the first
review, and first-reviewed by another bureau user (the next ``register`` registers it).

Left out on purpose: the API has no ``GET /deals/<id>`` (no deal VIEW cell there);
``/contracts/queue`` is REGISTER used as a list (like the API's review queue, see
``tests.permissions_api``); ``GET /contracts/new?deal_id=`` combines CREATE with a deal's VIEW.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaker.policy import Facts, Obj, Verb
from matchmaker.services.accounts import create_user
from matchmaker.services.contracts import contract_facts, next_registration_number
from matchmaker.services.deals import deal_facts
from matchmaker.services.demo import DEMO_PASSWORD
from models import Achievement, Contract, Deal, DealEvent, Need, Organization, User
from models.base import CHINA_TZ, utcnow
from models.contract import SECOND_REVIEW_THRESHOLD
from models.enums import ContractStatus, DealStage, ListingKind, ListingStatus, Role
from tests.factories import contract_body
from tests.functional.api.helpers import PREFIX
from tests.permissions import (
    INSIDE,
    OBJECT_KINDS,
    OTHER,
    OUTSIDE,
    OWN,
    OWN_ACHIEVEMENT_SIDE,
    OWN_NEED_SIDE,
    Call,
    Endpoint,
    ObjectSpec,
    Placement,
    Profile,
    Request,
    Target,
    World,
    target_of,
)
from tests.permissions_api import API_ENDPOINTS
from tests.permissions_web import WEB_ENDPOINTS

# --------------------------------------------------------------------------- relations and states

BROKERED = "brokered by the subject"
SUBMITTED_BY = "submitted by the subject"
OWN_BUYER = "own (buyer)"
OWN_SELLER = "own (seller)"

RECOMMENDED = DealStage.RECOMMENDED.value
SIGNED = DealStage.SIGNED.value
CLOSED = DealStage.CLOSED.value
SUBMITTED = ContractStatus.SUBMITTED.value
REGISTERED = ContractStatus.REGISTERED.value
REJECTED = ContractStatus.REJECTED.value
REVOKED = ContractStatus.REVOKED.value
LARGE = "submitted, ≥ 5,000,000 yuan"
LARGE_REVIEWED = "submitted, ≥ 5,000,000 yuan, first review by another bureau user"
CONTRACT_STATUSES: dict[str, str] = {LARGE: SUBMITTED, LARGE_REVIEWED: SUBMITTED}

OTHER_BROKER = "matrix-broker"  # the broker of deals that are not the subject's, and submitter of others' contracts
FIRST_REVIEWER = "matrix-bureau2"  # the other bureau user who first-reviewed LARGE_REVIEWED contracts
REGISTRAR = "matrix-registrar"  # who registered the REGISTERED and REVOKED contracts
PARTY_ACCOUNTS = ("enterprise", "research")  # a created contract's buyer and seller: their organisations
SIGNED_ON = (dt.date.today() - dt.timedelta(days=30)).isoformat()
AMOUNT = Decimal("125000.00")
LARGE_AMOUNT = SECOND_REVIEW_THRESHOLD + Decimal("1000000.00")
_serial = itertools.count(1)


def _relations(profile: Profile, first: str, second: str, *mine: str) -> tuple[str, ...]:
    """``mine`` for a subject with a user, then by jurisdiction, by organisation (a party on either side), or other."""
    relations = mine if profile.subject.username is not None else ()
    if profile.jurisdiction_code:
        return (*relations, INSIDE, OUTSIDE)
    if profile.organization_id is not None:
        return (*relations, first, second, OTHER)
    return (*relations, OTHER)


def _parties(world: World, profile: Profile, relation: str, first: str, second: str) -> tuple[Placement, ...]:
    """The two parties: the subject's organisation on the side ``relation`` names, inside both, or others'."""

    def side(own: str, index: int) -> Placement:
        where = OWN if relation == own else INSIDE if relation == INSIDE else OTHER
        return world.placement(profile, where, index)

    return (side(first, 0), side(second, 1))


def _users(session: Session, names: Sequence[str]) -> dict[str, int]:
    return {
        name: user_id
        for user_id, name in session.execute(select(User.id, User.username).where(User.username.in_(names)))
    }


class _Listings:
    """Published listings that deals point at, one per (kind, owner, region) in one transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.made: dict[tuple[str, Placement], Need | Achievement] = {}

    def get(self, kind: str, placement: Placement) -> Need | Achievement:
        key = (kind, placement)
        if key not in self.made:
            listing = World._listing(kind, placement, ListingStatus.PUBLISHED.value, None)
            self.session.add(listing)
            self.made[key] = listing
        return self.made[key]

    def deal(self, parties: Sequence[Placement], broker_id: int, stage: str, title: str) -> Deal:
        """A deal between a need of the first party and an achievement of the second, in the need's county."""
        need, achievement = self.get(ListingKind.NEED, parties[0]), self.get(ListingKind.ACHIEVEMENT, parties[1])
        assert isinstance(need, Need) and isinstance(achievement, Achievement)
        deal = Deal(
            title=title,
            need=need,
            achievement=achievement,
            broker_id=broker_id,
            region_code=need.region_code,
            stage=stage,
            stage_since=utcnow(),
            close_reason="权限矩阵测试：双方暂停合作" if stage == CLOSED else "",
        )
        deal.events.append(DealEvent(actor="matrix", from_stage=None, to_stage=stage, note=""))
        self.session.add(deal)
        return deal


# --------------------------------------------------------------------------- deals


def facts_of_deal(deal: Deal, need: Need | None, achievement: Achievement | None, broker: str) -> Facts:
    """The policy facts of a deal row: parties (need and achievement owners), its county, its broker."""
    owners = (need.organization_id if need else None, achievement.organization_id if achievement else None)
    return Facts(owners, (deal.region_code,), usernames=(broker,))


class DealKind:
    """Deals of the subject (as broker), of its organisation (either side), in or out of its county, or others'."""

    def prepare(self, world: World, session: Session) -> Mapping[str, Any]:
        """Another broker's account; a published need that object-free requests open deals on."""
        if session.scalar(select(User.id).where(User.username == OTHER_BROKER)) is None:
            create_user(session, username=OTHER_BROKER, password=DEMO_PASSWORD, role=Role.BROKER, actor="matrix")
        need_id = session.scalar(
            select(Need.id).where(Need.status == ListingStatus.PUBLISHED).order_by(Need.id).limit(1)
        )
        assert need_id is not None, "the demo data has published needs"
        return {"deal_need_id": need_id}

    def relations(self, profile: Profile) -> tuple[str, ...]:
        """See the module docstring."""
        return _relations(profile, OWN_NEED_SIDE, OWN_ACHIEVEMENT_SIDE, BROKERED)

    def spec(self, world: World, profile: Profile, relation: str, state: str) -> ObjectSpec:
        """A deal in stage ``state`` between the parties ``relation`` names, brokered by the subject or another."""
        parties = _parties(world, profile, relation, OWN_NEED_SIDE, OWN_ACHIEVEMENT_SIDE)
        broker = profile.subject.username if relation == BROKERED else OTHER_BROKER
        assert broker is not None
        return ObjectSpec(Obj.DEAL, parties, (state,), (broker,))

    def create(self, world: World, session: Session, specs: Sequence[ObjectSpec]) -> list[Target]:
        """The deals (and the published listings they pair), facts checked against the service's."""
        users = _users(session, [spec.usernames[0] for spec in specs])
        listings = _Listings(session)
        deals = [
            listings.deal(
                spec.placements, users[spec.usernames[0]], spec.statuses[0], f"权限矩阵测试对接项目（{next(_serial)}）"
            )
            for spec in specs
        ]
        session.flush()
        targets = []
        for spec, deal in zip(specs, deals, strict=True):
            broker = spec.usernames[0]
            facts = facts_of_deal(deal, deal.need, deal.achievement, broker)
            assert facts == deal_facts(deal, broker), (facts, deal_facts(deal, broker))
            owners = "×".join(str(org) for org in facts.organization_ids)
            described = f"deal#{deal.id}({deal.stage}, broker {broker}, parties {owners}, {deal.region_code})"
            targets.append(Target(Obj.DEAL, deal.id, deal.version, facts, described))
        return targets


# --------------------------------------------------------------------------- contracts


def facts_of_contract(contract: Contract, deal_broker: str | None) -> Facts:
    """The policy facts of a contract row: buyer and seller, the seller's region, its submitter and deal's broker."""
    usernames = (contract.submitted_by, *((deal_broker,) if deal_broker else ()))
    return Facts(
        (contract.buyer_organization_id, contract.seller_organization_id),
        (contract.seller_region_code,),
        usernames=usernames,
    )


def office_of(region_code: str) -> str:
    """The registering office of a seller's region: its city's bureau (140602 → 140600)."""
    return region_code[:4] + "00"


class ContractKind:
    """Contracts the subject submitted or brokered, of its organisation (buyer or seller), in or out of its
    jurisdiction, or others'; in every registration state."""

    def prepare(self, world: World, session: Session) -> Mapping[str, Any]:
        """The organisations of a created contract's buyer and seller (so that both parties may submit it)."""
        names = {}
        for key, username in zip(("buyer_name", "seller_name"), PARTY_ACCOUNTS, strict=True):
            user = session.scalar(select(User).where(User.username == username))
            assert user is not None and user.organization is not None, username
            names[key] = user.organization.name
        return names

    def relations(self, profile: Profile) -> tuple[str, ...]:
        """See the module docstring."""
        return _relations(profile, OWN_BUYER, OWN_SELLER, SUBMITTED_BY, BROKERED)

    def spec(self, world: World, profile: Profile, relation: str, state: str) -> ObjectSpec:
        """A contract in ``state``; ``usernames`` are its submitter and (if it has a deal) the deal's broker."""
        parties = _parties(world, profile, relation, OWN_BUYER, OWN_SELLER)
        subject = profile.subject.username or ""
        if relation == SUBMITTED_BY:
            return ObjectSpec(Obj.CONTRACT, parties, (state,), (subject,))
        if relation == BROKERED:
            return ObjectSpec(Obj.CONTRACT, parties, (state,), (OTHER_BROKER, subject))
        return ObjectSpec(Obj.CONTRACT, parties, (state,), (OTHER_BROKER,))

    def create(self, world: World, session: Session, specs: Sequence[ObjectSpec]) -> list[Target]:
        """The contracts (and the signed deals they came from), facts checked against the service's."""
        org_ids = {p.organization_id for spec in specs for p in spec.placements}
        rows = session.execute(select(Organization.id, Organization.name).where(Organization.id.in_(org_ids)))
        names = {org_id: name for org_id, name in rows}
        brokers = _users(session, [name for spec in specs for name in spec.usernames[1:]])
        listings = _Listings(session)
        deals = {  # the need side is the buyer, the achievement side the seller
            i: listings.deal(
                spec.placements, brokers[spec.usernames[1]], SIGNED, f"权限矩阵测试对接项目（{next(_serial)}）"
            )
            for i, spec in enumerate(specs)
            if len(spec.usernames) > 1
        }
        session.flush()
        now = utcnow()
        year = now.astimezone(CHINA_TZ).year
        contracts = []
        for i, spec in enumerate(specs):
            contract = self._contract(spec, names)
            contract.deal_id = deals[i].id if i in deals else None
            state = spec.statuses[0]
            if state == LARGE_REVIEWED:
                contract.first_review_by, contract.first_review_at = FIRST_REVIEWER, now
            if state in (REGISTERED, REVOKED):
                office = office_of(contract.seller_region_code)
                contract.registration_number = next_registration_number(session, office, year)
                contract.office_code, contract.registered_by, contract.registered_at = office, REGISTRAR, now
            if state == REVOKED:
                contract.revoked_by, contract.revoked_at = REGISTRAR, now
                contract.revocation_reason = "权限矩阵测试：合同双方已解除合同"
            if state == REJECTED:
                contract.rejection_reason = "权限矩阵测试：未约定验收标准"
            session.add(contract)
            contracts.append(contract)
        session.flush()
        targets = []
        for spec, contract in zip(specs, contracts, strict=True):
            facts = facts_of_contract(contract, spec.usernames[1] if len(spec.usernames) > 1 else None)
            assert facts == contract_facts(session, contract), (facts, contract_facts(session, contract))
            owners = "×".join(str(org) for org in facts.organization_ids)
            deal = f", deal#{contract.deal_id}" if contract.deal_id else ""
            described = (
                f"contract#{contract.id}({spec.statuses[0]}, buyer×seller {owners}, seller in "
                f"{contract.seller_region_code}, by {contract.submitted_by}{deal})"
            )
            targets.append(Target(Obj.CONTRACT, contract.id, contract.version, facts, described))
        return targets

    @staticmethod
    def _contract(spec: ObjectSpec, names: Mapping[int | None, str]) -> Contract:
        buyer, seller = spec.placements
        state = spec.statuses[0]
        amount = LARGE_AMOUNT if state in (LARGE, LARGE_REVIEWED) else AMOUNT
        return Contract(
            project_name=f"权限矩阵测试技术合同（{next(_serial)}）",
            contract_type="transfer",
            tech_field="新材料",
            ip_type="invention_patent",
            buyer_name=names[buyer.organization_id],
            buyer_region_code=buyer.region_code,
            buyer_nature="enterprise",
            buyer_organization_id=buyer.organization_id,
            seller_name=names[seller.organization_id],
            seller_region_code=seller.region_code,
            seller_nature="university",
            seller_organization_id=seller.organization_id,
            total_amount=amount,
            tech_transaction_amount=amount,
            signed_on=dt.date.fromisoformat(SIGNED_ON),
            status=CONTRACT_STATUSES.get(state, state),
            submitted_by=spec.usernames[0],
        )


DEALS = DealKind()
CONTRACTS = ContractKind()

# --------------------------------------------------------------------------- endpoints

DEAL_VIEW_STATES = (RECOMMENDED, SIGNED, CLOSED)
CONTRACT_VIEW_STATES = (SUBMITTED, REGISTERED, REJECTED, REVOKED)
REGISTER_STATES = (SUBMITTED, LARGE, LARGE_REVIEWED)
REASON = "权限矩阵测试：原因"
AMENDMENT_REASON = "权限矩阵测试：更正技术交易额"


def contract_fields(refs: Mapping[str, Any], **overrides: str) -> dict[str, str]:
    """A valid contract (form fields or API body) between the demo enterprise (buyer) and university (seller)."""
    return contract_body(
        buyer_name=refs["buyer_name"],
        seller_name=refs["seller_name"],
        signed_on=SIGNED_ON,
        valid_from=SIGNED_ON,
        valid_to="2030-12-31",
        **overrides,
    )


Payload = Callable[[Call], dict[str, Any]]


def _builder(
    method: str, path: str | Callable[[Target], str], payload: Payload | None, web: bool
) -> Callable[[Call], Request]:
    """A request to a fixed path or one computed from the cell's object, with a form (web) or a JSON body (API)."""

    def build(call: Call) -> Request:
        url = path if isinstance(path, str) else path(target_of(call))
        data = payload(call) if payload else None
        return Request(method, url, form=data or {}) if web else Request(method, url, json=data)

    return build


def _endpoints(web: bool) -> dict[tuple[str, str], tuple[Endpoint, ...]]:
    """The deal and contract endpoints of one transport (``web``: pages and forms; else the JSON API).

    The web's forms carry text and the page's version; the API's bodies numbers, and its amend no version.
    """
    wire: Callable[[int], Any] = str if web else int
    deals, contracts = ("/deals", "/contracts") if web else (f"{PREFIX}/deals", f"{PREFIX}/contracts")
    lists, creates = ("/", "/new") if web else ("", "")

    def endpoint(
        method: str, path: str, payload: Payload | None = None, states: tuple[str, ...] | None = None, label: str = ""
    ) -> Endpoint:
        """``states`` None: object-free (``path`` as is); else ``<id>`` in ``path`` is the cell's object."""
        label = f"{method} {path}{label}"
        if states is None:
            return Endpoint(label, _builder(method, path, payload, web))

        def target_path(target: Target) -> str:
            return path.replace("<id>", str(target.id))

        return Endpoint(label, _builder(method, target_path, payload, web), states, mutates=method == "POST")

    def stage(to: str, note: str = "") -> Payload:
        return lambda call: {"stage": to, "note": note, "version": wire(target_of(call).version)}

    def decision(reason: str | None = None) -> Payload:
        return lambda call: {"version": wire(target_of(call).version), **({"reason": reason} if reason else {})}

    def new_deal(call: Call) -> dict[str, Any]:
        return {"need_id": wire(call.refs["deal_need_id"]), "title": "权限矩阵测试：新开的对接项目"}

    def amendment(call: Call) -> dict[str, Any]:
        target = target_of(call)
        fields: dict[str, Any] = {
            **contract_fields(
                call.refs,
                project_name=f"权限矩阵测试：变更的技术合同（{target.id}）",
                seller_region_code=str(target.facts.region_codes[0]),  # an amendment stays with its office
            ),
            "amendment_reason": AMENDMENT_REASON,
        }
        return {**fields, "version": wire(target.version)} if web else fields

    table: dict[tuple[str, str], tuple[Endpoint, ...]] = {
        (Obj.DEAL, Verb.LIST): (endpoint("GET", f"{deals}{lists}"),),
        (Obj.DEAL, Verb.CREATE): (endpoint("POST", f"{deals}{creates}", new_deal),),
        (Obj.DEAL, Verb.STAGE): (
            endpoint("POST", f"{deals}/<id>/stage", stage(DealStage.CONTACTED), (RECOMMENDED,), " contacted"),
            endpoint("POST", f"{deals}/<id>/stage", stage(CLOSED, REASON), (SIGNED,), " closed"),
        ),
        (Obj.CONTRACT, Verb.LIST): (endpoint("GET", f"{contracts}{lists}"),),
        (Obj.CONTRACT, Verb.CREATE): (
            endpoint("POST", f"{contracts}{creates}", lambda call: contract_fields(call.refs)),
        ),
        (Obj.CONTRACT, Verb.VIEW): (endpoint("GET", f"{contracts}/<id>", None, CONTRACT_VIEW_STATES),),
        (Obj.CONTRACT, Verb.REGISTER): (endpoint("POST", f"{contracts}/<id>/register", decision(), REGISTER_STATES),),
        (Obj.CONTRACT, Verb.REJECT): (endpoint("POST", f"{contracts}/<id>/reject", decision(REASON), (SUBMITTED,)),),
        (Obj.CONTRACT, Verb.REVOKE): (endpoint("POST", f"{contracts}/<id>/revoke", decision(REASON), (REGISTERED,)),),
        (Obj.CONTRACT, Verb.AMEND): (endpoint("POST", f"{contracts}/<id>/amend", amendment, (REGISTERED,)),),
    }
    if web:  # the pages with the forms, and the deal page (the API has no single deal to GET)
        table[(Obj.DEAL, Verb.CREATE)] = (endpoint("GET", "/deals/new"), *table[(Obj.DEAL, Verb.CREATE)])
        table[(Obj.DEAL, Verb.VIEW)] = (endpoint("GET", "/deals/<id>", None, DEAL_VIEW_STATES),)
        table[(Obj.CONTRACT, Verb.CREATE)] = (endpoint("GET", "/contracts/new"), *table[(Obj.CONTRACT, Verb.CREATE)])
        table[(Obj.CONTRACT, Verb.AMEND)] = (
            endpoint("GET", "/contracts/<id>/amend", None, (REGISTERED,)),
            *table[(Obj.CONTRACT, Verb.AMEND)],
        )
    return table


WEB_DEAL_ENDPOINTS = _endpoints(web=True)
API_DEAL_ENDPOINTS = _endpoints(web=False)

OBJECT_KINDS[Obj.DEAL] = DEALS
OBJECT_KINDS[Obj.CONTRACT] = CONTRACTS
WEB_ENDPOINTS.update(WEB_DEAL_ENDPOINTS)
API_ENDPOINTS.update(API_DEAL_ENDPOINTS)
