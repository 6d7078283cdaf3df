"""Deals and contract registration at the service level: state machines, numbers, money, concurrency.

The money, numbering and concurrency tests run on SQLite and on the real PostgreSQL server.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, text

from matchmaker.policy import Actor
from matchmaker.runtime import Runtime
from matchmaker.services.accounts import create_user
from matchmaker.services.contract_input import parse_contract
from matchmaker.services.contracts import (
    amend_contract,
    register_contract,
    reject_contract,
    revoke_contract,
    submit_contract,
)
from matchmaker.services.deals import TRANSITIONS, DealInput, move_deal, open_deal
from matchmaker.services.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from matchmaker.services.organizations import get_or_create_organization
from models import AuditEvent, Contract, Deal, Need
from models.enums import ContractStatus, DealStage, ListingStatus
from tests.factories import contract_body

BROKER = Actor("broker1", "broker")
BUREAU = Actor("bureau1", "bureau", jurisdiction_code="140600")  # 朔州市
BUREAU2 = Actor("bureau2", "bureau", jurisdiction_code="140600")
OTHER_BUREAU = Actor("bureau3", "bureau", jurisdiction_code="140100")  # 太原市


def _users(runtime: Runtime) -> None:
    with runtime.session_factory() as session:
        org, _ = get_or_create_organization(session, "怀仁市金沙陶瓷有限公司", "enterprise", "140681", "", "test")
        for actor in (BROKER, BUREAU, BUREAU2, OTHER_BUREAU):
            create_user(
                session,
                username=actor.username,
                password="a-long-password",
                role=str(actor.role),
                jurisdiction_code=actor.jurisdiction_code,
            )
        need = Need(external_id="N1", title="煤矸石综合利用", region_code="140681", organization_id=org.id)
        session.add(need)
        need.status = ListingStatus.PUBLISHED
        session.commit()


@pytest.fixture
def rt(runtime: Runtime) -> Runtime:
    """A runtime (SQLite) with a broker, three bureau users, an enterprise and one need."""
    _users(runtime)
    return runtime


def _submit(runtime: Runtime, **overrides: Any) -> int:
    with runtime.session_factory() as session:
        contract = submit_contract(
            session, BROKER, parse_contract(contract_body(**overrides), today=dt.date(2026, 11, 28))
        )
        session.commit()
        return contract.id


def _deal(runtime: Runtime) -> int:
    with runtime.session_factory() as session:
        need_id = session.scalar(select(Need.id))
        deal = open_deal(session, BROKER, DealInput(need_id=need_id, note="从匹配推荐开始"))
        session.commit()
        return deal.id


# ---------------------------------------------------------------- deals


def _deal_at(runtime: Runtime, stage: str) -> int:
    """A deal moved along the legal path to ``stage``."""
    deal_id = _deal(runtime)
    path = [DealStage.CONTACTED, DealStage.NEGOTIATING, DealStage.SIGNED]
    with runtime.session_factory() as session:
        if stage == DealStage.CLOSED:
            move_deal(session, BROKER, deal_id, DealStage.CLOSED, "企业暂停项目")
        elif stage == DealStage.REGISTERED:
            session.get(Deal, deal_id).stage = DealStage.REGISTERED  # type: ignore[union-attr]
        else:
            for step in path[: [DealStage.RECOMMENDED, *path].index(stage)]:
                move_deal(session, BROKER, deal_id, step, "")
        session.commit()
    return deal_id


@pytest.mark.parametrize(("source", "target"), list(itertools.product(list(DealStage), list(DealStage))))
def test_every_deal_transition_is_legal_or_refused(rt: Runtime, source: str, target: str) -> None:
    deal_id = _deal_at(rt, source)
    legal = target in TRANSITIONS[source] and target != DealStage.REGISTERED
    with rt.session_factory() as session:
        if legal:
            deal = move_deal(session, BROKER, deal_id, target, "原因或备注")
            session.commit()
            assert deal.stage == target and deal.events[-1].to_stage == target
            assert deal.events[-1].from_stage == source and deal.events[-1].actor == "broker1"
        else:
            with pytest.raises(ConflictError):
                move_deal(session, BROKER, deal_id, target, "原因或备注")
            assert session.get(Deal, deal_id).stage == source  # type: ignore[union-attr]


def test_closing_a_deal_needs_a_reason_and_others_cannot_move_it(rt: Runtime) -> None:
    deal_id = _deal(rt)
    with rt.session_factory() as session:
        with pytest.raises(ValidationError, match="原因"):
            move_deal(session, BROKER, deal_id, DealStage.CLOSED, "  ")
        with pytest.raises(NotFoundError):
            move_deal(session, Actor("broker2", "broker"), deal_id, DealStage.CONTACTED)
        with pytest.raises(PermissionDeniedError):
            move_deal(session, BUREAU, deal_id, DealStage.CONTACTED)  # sees it (jurisdiction), may not move it
        with pytest.raises(ValidationError):
            move_deal(session, BROKER, deal_id, "won", "")
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "deal")).all()
        assert actions == ["deal.open"]


# ---------------------------------------------------------------- contracts


def test_registration_numbers_are_16_digits_per_office_and_year(rt: Runtime) -> None:
    ids = [_submit(rt) for _ in range(3)]
    with rt.session_factory() as session:
        numbers = [register_contract(session, BUREAU, i).registration_number for i in ids]
        session.commit()
    year = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).year
    assert numbers == [f"{year}140600{n:06d}" for n in (1, 2, 3)]
    assert all(n is not None and len(n) == 16 and n.isdigit() for n in numbers)


def test_contract_statuses_refuse_every_illegal_step(rt: Runtime) -> None:
    submitted, registered, rejected, revoked = (_submit(rt) for _ in range(4))
    with rt.session_factory() as session:
        register_contract(session, BUREAU, registered)
        reject_contract(session, BUREAU, rejected, "技术交易额计算有误")
        register_contract(session, BUREAU, revoked)
        revoke_contract(session, BUREAU, revoked, "合同已解除")
        session.commit()
    data = parse_contract(contract_body(), today=dt.date(2026, 11, 28))
    steps = {
        "register": lambda s, i: register_contract(s, BUREAU, i),
        "reject": lambda s, i: reject_contract(s, BUREAU, i, "理由"),
        "revoke": lambda s, i: revoke_contract(s, BUREAU, i, "理由"),
        "amend": lambda s, i: amend_contract(s, BUREAU, i, data, "金额更正"),
    }
    legal = {("register", submitted), ("reject", submitted), ("revoke", registered), ("amend", registered)}
    for (name, step), contract_id in itertools.product(steps.items(), (submitted, registered, rejected, revoked)):
        if (name, contract_id) in legal:
            continue
        with rt.session_factory() as session, pytest.raises(ConflictError):
            step(session, contract_id)
    with rt.session_factory() as session:
        with pytest.raises(ValidationError, match="原因"):
            reject_contract(session, BUREAU, submitted, "")
        statuses = {c.id: c.status for c in session.scalars(select(Contract))}
    assert statuses == {
        submitted: ContractStatus.SUBMITTED,
        registered: ContractStatus.REGISTERED,
        rejected: ContractStatus.REJECTED,
        revoked: ContractStatus.REVOKED,
    }


def test_only_the_bureau_of_the_sellers_region_registers(rt: Runtime) -> None:
    contract_id = _submit(rt)
    with rt.session_factory() as session:
        with pytest.raises(PermissionDeniedError):
            register_contract(session, BROKER, contract_id)  # the submitter sees it but may not register
        with pytest.raises(NotFoundError):
            register_contract(session, OTHER_BUREAU, contract_id)  # outside its jurisdiction: not even visible
        with pytest.raises(NotFoundError):
            register_contract(session, Actor("broker2", "broker"), contract_id)


def test_large_contracts_need_two_different_reviewers(rt: Runtime) -> None:
    large = _submit(rt, total_amount="5000000.00", tech_transaction_amount="4000000")
    small = _submit(rt, total_amount="4999999.99", tech_transaction_amount="4999999.99")
    with rt.session_factory() as session:
        assert register_contract(session, BUREAU, small).status == ContractStatus.REGISTERED
        first = register_contract(session, BUREAU, large)
        assert first.status == ContractStatus.SUBMITTED and first.first_review_by == "bureau1"
        with pytest.raises(ConflictError, match="另一位"):
            register_contract(session, BUREAU, large)
        second = register_contract(session, BUREAU2, large)
        session.commit()
        assert second.status == ContractStatus.REGISTERED and second.registered_by == "bureau2"
        actions = session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_type == "contract", AuditEvent.object_id == str(large))
            .order_by(AuditEvent.id)
        ).all()
        assert actions == ["contract.submit", "contract.first_review", "contract.register"]


def test_an_amendment_keeps_the_registered_original(rt: Runtime) -> None:
    original_id = _submit(rt)
    with rt.session_factory() as session:
        number = register_contract(session, BUREAU, original_id).registration_number
        session.commit()
    corrected = parse_contract(contract_body(total_amount="1300000.00"), today=dt.date(2026, 11, 28))
    with rt.session_factory() as session:
        amendment = amend_contract(session, BROKER, original_id, corrected, "补充协议增加合同金额")
        with pytest.raises(ConflictError, match="待登记"):
            amend_contract(session, BROKER, original_id, corrected, "再次变更")
        session.commit()
        amendment_id = amendment.id
    with rt.session_factory() as session:
        registered = register_contract(session, BUREAU, amendment_id)
        session.commit()
        assert (registered.registration_number, registered.amendment_no) == (number, 1)
        original = session.get(Contract, original_id)
        assert original is not None and original.superseded_by_id == amendment_id
        assert original.total_amount == Decimal("1250000.50") and original.status == ContractStatus.REGISTERED
        with pytest.raises(ConflictError, match="最新"):
            amend_contract(session, BROKER, original_id, corrected, "对旧版本变更")
        with pytest.raises(ConflictError, match="最新"):
            revoke_contract(session, BUREAU, original_id, "撤销旧版本")


def test_registration_moves_the_signed_deal_to_registered(rt: Runtime) -> None:
    deal_id = _deal(rt)
    with rt.session_factory() as session:
        with pytest.raises(ConflictError, match="已签约"):
            submit_contract(
                session, BROKER, parse_contract(contract_body(deal_id=deal_id), today=dt.date(2026, 11, 28))
            )
        for stage in (DealStage.CONTACTED, DealStage.NEGOTIATING, DealStage.SIGNED):
            move_deal(session, BROKER, deal_id, stage)
        session.commit()
    contract_id = _submit(rt, deal_id=str(deal_id))
    with rt.session_factory() as session:
        number = register_contract(session, BUREAU, contract_id).registration_number
        session.commit()
        deal = session.get(Deal, deal_id)
        assert deal is not None and deal.stage == DealStage.REGISTERED
        assert number is not None and number in deal.events[-1].note


# ---------------------------------------------------------------- money and concurrency, SQLite and PostgreSQL


def _money_round_trip(runtime: Runtime) -> None:
    amounts = ["0.01", "1234567.89", "9999999999999.99", "5000000", "0.10"]
    ids = [_submit(runtime, total_amount=a, tech_transaction_amount=a) for a in amounts]
    with runtime.session_factory() as session:
        stored = {c.id: c for c in session.scalars(select(Contract).where(Contract.id.in_(ids)))}
        raw = dict(session.execute(text("SELECT id, total_amount FROM contracts")).all())
    for contract_id, amount in zip(ids, amounts, strict=True):
        assert stored[contract_id].total_amount == Decimal(amount)
        assert stored[contract_id].tech_transaction_amount == Decimal(amount)
        assert raw[contract_id] == int(Decimal(amount) * 100)  # integer fen in the database
        assert isinstance(raw[contract_id], int)


def _parallel_registrations(runtime: Runtime, count: int = 50) -> None:
    ids = [_submit(runtime) for _ in range(count)]
    numbers: list[str] = []
    failures: list[BaseException] = []
    barrier = threading.Barrier(count)

    def register(contract_id: int) -> None:
        try:
            barrier.wait()
            with runtime.session_factory() as session:
                number = register_contract(session, BUREAU, contract_id).registration_number
                session.commit()
                assert number is not None
                numbers.append(number)
        except BaseException as exc:  # collected and reported below
            failures.append(exc)

    threads = [threading.Thread(target=register, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(set(numbers)) == count
    assert sorted(int(n[-6:]) for n in numbers) == list(range(1, count + 1))


def test_money_round_trip_is_exact_on_sqlite(rt: Runtime) -> None:
    _money_round_trip(rt)


def test_fifty_parallel_registrations_on_sqlite(rt: Runtime) -> None:
    _parallel_registrations(rt)


@pytest.mark.postgres
def test_money_round_trip_is_exact_on_postgresql(pg_runtime: Runtime) -> None:
    _users(pg_runtime)
    _money_round_trip(pg_runtime)


@pytest.mark.postgres
def test_fifty_parallel_registrations_on_postgresql(pg_runtime: Runtime) -> None:
    _users(pg_runtime)
    _parallel_registrations(pg_runtime)
