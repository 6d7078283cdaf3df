"""Integrity rules around deals and contracts: what a broker may open a deal on, one waiting contract
per deal, revocation undoing registration (pending amendments refused, the deal signed again),
amendments kept within the registering office, and the database constraint behind the services.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from matchmaker.policy import Actor
from matchmaker.runtime import Runtime
from matchmaker.services.contract_input import parse_contract
from matchmaker.services.contracts import amend_contract, register_contract, reject_contract, revoke_contract
from matchmaker.services.deals import DealInput, move_deal, open_deal
from matchmaker.services.errors import ConflictError, ValidationError
from matchmaker.services.statistics import region_statistics
from models import Achievement, AuditEvent, Contract, Deal, MatchProposal, Need
from models.enums import ContractStatus, DealStage, ListingStatus, ProposalStatus
from models.migrate import downgrade, upgrade
from tests.factories import contract_body
from tests.functional.test_deals_contracts import BROKER, BUREAU, _submit, _users

TODAY = dt.date(2026, 11, 28)


@pytest.fixture
def rt(runtime: Runtime) -> Runtime:
    """A runtime (SQLite) with a broker, bureau users and one published need."""
    _users(runtime)
    return runtime


def _proposal(runtime: Runtime, achievement_status: str = ListingStatus.PUBLISHED) -> int:
    """A proposal between the published need and a new achievement in ``achievement_status``."""
    with runtime.session_factory() as session:
        need_id = session.scalar(select(Need.id))
        achievement = Achievement(external_id=f"A-{achievement_status}", title="陶瓷透水砖成套技术")
        achievement.region_code, achievement.status = "140681", achievement_status
        session.add(achievement)
        session.flush()
        proposal = MatchProposal(need_id=need_id, achievement_id=achievement.id, score=0.8, engine_version="t")
        session.add(proposal)
        session.commit()
        return proposal.id


def _signed_deal(runtime: Runtime) -> int:
    with runtime.session_factory() as session:
        deal = open_deal(session, BROKER, DealInput(need_id=session.scalar(select(Need.id))))
        for stage in (DealStage.CONTACTED, DealStage.NEGOTIATING, DealStage.SIGNED):
            move_deal(session, BROKER, deal.id, stage)
        session.commit()
        return deal.id


def _registered(runtime: Runtime, **overrides: str) -> int:
    """A contract submitted by the broker and registered by the bureau."""
    contract_id = _submit(runtime, **overrides)
    with runtime.session_factory() as session:
        register_contract(session, BUREAU, contract_id)
        session.commit()
    return contract_id


def _waiting_rows(deal_id: int, count: int) -> list[Contract]:
    """``count`` submitted contracts of one deal written as rows, past the services' checks."""
    data = parse_contract(contract_body(), today=TODAY)
    return [
        Contract(**{**data.values(), "deal_id": deal_id}, status=ContractStatus.SUBMITTED, submitted_by="x")
        for _ in range(count)
    ]


def _contract_count(runtime: Runtime) -> int:
    with runtime.session_factory() as session:
        stats = region_statistics(session, "140681", dt.date(2000, 1, 1), dt.date(2100, 12, 31))
        return stats.seller.summary.count


# ---------------------------------------------------------------- opening deals


def test_a_broker_cannot_open_a_deal_on_what_they_may_not_see(rt: Runtime) -> None:
    hidden = _proposal(rt, ListingStatus.DRAFT)
    with rt.session_factory() as session:
        draft_id = session.scalar(select(Achievement.id).where(Achievement.status == ListingStatus.DRAFT))
        with pytest.raises(ValidationError, match=r"成果 \d+ 不存在") as listing:
            open_deal(session, BROKER, DealInput(achievement_id=draft_id))
        assert "achievement_id" in listing.value.errors
        with pytest.raises(ValidationError, match=r"匹配推荐 \d+ 不存在") as proposal:
            open_deal(session, BROKER, DealInput(proposal_id=hidden))
        assert "proposal_id" in proposal.value.errors
        assert session.scalar(select(func.count()).select_from(Deal)) == 0
        assert session.get(MatchProposal, hidden).status == ProposalStatus.PROPOSED  # type: ignore[union-attr]


def test_a_declined_proposal_is_not_converted_and_a_converted_one_is_audited(rt: Runtime) -> None:
    declined, fine = _proposal(rt), None
    with rt.session_factory() as session:
        session.get(MatchProposal, declined).status = ProposalStatus.DECLINED  # type: ignore[union-attr]
        session.commit()
        with pytest.raises(ConflictError, match="已被拒绝"):
            open_deal(session, BROKER, DealInput(proposal_id=declined))
        session.rollback()
        proposal = session.get(MatchProposal, declined)
        assert proposal is not None
        proposal.status = ProposalStatus.ACCEPTED
        session.commit()
        fine = declined
        open_deal(session, BROKER, DealInput(proposal_id=fine))
        session.commit()
        audit = session.scalar(select(AuditEvent).where(AuditEvent.action == "proposal.convert"))
        assert audit is not None and audit.object_id == str(fine) and audit.actor == "broker1"
        assert audit.before == {"status": "accepted"} and audit.after == {"status": "converted"}


# ---------------------------------------------------------------- one waiting contract per deal


def test_a_deal_has_at_most_one_contract_waiting_for_registration(rt: Runtime) -> None:
    deal_id = _signed_deal(rt)
    first = _submit(rt, deal_id=str(deal_id))
    with pytest.raises(ConflictError, match="待登记"):
        _submit(rt, deal_id=str(deal_id))  # a double click does not count twice
    with rt.session_factory() as session:
        reject_contract(session, BUREAU, first, "技术交易额有误")
        session.commit()
    second = _submit(rt, deal_id=str(deal_id))  # after a rejection a corrected contract may be submitted
    with rt.session_factory() as session:
        register_contract(session, BUREAU, second)
        session.commit()
    with pytest.raises(ConflictError, match="已签约"):
        _submit(rt, deal_id=str(deal_id))  # registered: the deal is done
    assert _contract_count(rt) == 1


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_the_database_refuses_a_second_waiting_contract_of_a_deal(
    database: str, request: pytest.FixtureRequest
) -> None:
    runtime: Runtime = request.getfixturevalue("runtime" if database == "sqlite" else "pg_runtime")
    _users(runtime)
    deal_id = _signed_deal(runtime)
    with runtime.session_factory() as session:
        rows = _waiting_rows(deal_id, 2)
        session.add(rows[0])
        session.flush()
        session.add(rows[1])
        with pytest.raises(IntegrityError):
            session.flush()


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_the_migration_refuses_double_submissions_already_stored(database: str, request: pytest.FixtureRequest) -> None:
    """Databases from before migration 0005 may hold two waiting contracts of one deal: the upgrade
    keeps the earliest, refuses the others with a reason and an audit event, then builds the index."""
    runtime: Runtime = request.getfixturevalue("runtime" if database == "sqlite" else "pg_runtime")
    _users(runtime)
    deal_id = _signed_deal(runtime)
    downgrade(runtime.engine, "0004")
    with runtime.session_factory() as session:
        rows = _waiting_rows(deal_id, 3)
        session.add_all(rows)
        session.commit()
        ids = [row.id for row in rows]
    upgrade(runtime.engine)
    with runtime.session_factory() as session:
        statuses = [session.get(Contract, i).status for i in ids]  # type: ignore[union-attr]
        assert statuses == [ContractStatus.SUBMITTED, ContractStatus.REJECTED, ContractStatus.REJECTED]
        assert "重复提交" in session.get(Contract, ids[1]).rejection_reason  # type: ignore[union-attr]
        audited = session.scalars(
            select(AuditEvent.object_id).where(AuditEvent.actor == "migration-0005").order_by(AuditEvent.id)
        ).all()
        assert audited == [str(ids[1]), str(ids[2])]


@pytest.mark.postgres
def test_two_concurrent_submissions_for_one_deal_on_postgresql(pg_runtime: Runtime) -> None:
    """The service checks first; two transactions racing past the check meet the unique index."""
    _users(pg_runtime)
    deal_id = _signed_deal(pg_runtime)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def submit() -> None:
        try:
            barrier.wait()
            _submit(pg_runtime, deal_id=str(deal_id))
            outcomes.append("ok")
        except (ConflictError, IntegrityError) as exc:
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("ok") == 1
    with pg_runtime.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Contract).where(Contract.deal_id == deal_id)) == 1


# ---------------------------------------------------------------- revocation undoes registration


def test_revoking_refuses_the_pending_amendment_and_signs_the_deal_again(rt: Runtime) -> None:
    deal_id = _signed_deal(rt)
    contract_id = _registered(rt, deal_id=str(deal_id))
    with rt.session_factory() as session:
        number = session.get(Contract, contract_id).registration_number  # type: ignore[union-attr]
        assert number is not None
    larger = parse_contract(contract_body(total_amount="2000000.00"), today=TODAY)
    with rt.session_factory() as session:
        amendment_id = amend_contract(session, BROKER, contract_id, larger, "补充协议").id
        session.commit()
    assert _contract_count(rt) == 1
    with rt.session_factory() as session:
        revoke_contract(session, BUREAU, contract_id, "合同已解除")
        session.commit()
        amendment = session.get(Contract, amendment_id)
        assert amendment is not None and amendment.status == ContractStatus.REJECTED
        assert amendment.rejection_reason == "原合同已撤销登记：合同已解除"
        with pytest.raises(ConflictError):
            register_contract(session, BUREAU, amendment_id)  # a revoked contract never comes back
        deal = session.get(Deal, deal_id)
        assert deal is not None and deal.stage == DealStage.SIGNED
        assert deal.events[-1].from_stage == DealStage.REGISTERED and number in deal.events[-1].note
        actions = session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.object_id == str(amendment_id), AuditEvent.object_type == "contract"
            )
        ).all()
        assert actions == ["contract.amend", "contract.reject"]
    assert _contract_count(rt) == 0
    replacement = _submit(rt, deal_id=str(deal_id))  # the deal is signed again: a corrected contract may follow
    with rt.session_factory() as session:
        register_contract(session, BUREAU, replacement)
        session.commit()
        assert session.get(Deal, deal_id).stage == DealStage.REGISTERED  # type: ignore[union-attr]
    assert _contract_count(rt) == 1


def test_an_amendment_whose_original_was_revoked_cannot_be_registered(rt: Runtime) -> None:
    """Even if an amendment somehow still waits (e.g. written before this rule), registration refuses it."""
    contract_id = _registered(rt)
    with rt.session_factory() as session:
        amendment_id = amend_contract(
            session, BROKER, contract_id, parse_contract(contract_body(), today=TODAY), "更正"
        ).id
        original = session.get(Contract, contract_id)
        assert original is not None
        original.status = ContractStatus.REVOKED  # bypassing revoke_contract, as an old database might hold
        session.commit()
    with rt.session_factory() as session, pytest.raises(ConflictError, match="原合同已撤销"):
        register_contract(session, BUREAU, amendment_id)
    assert _contract_count(rt) == 0


# ---------------------------------------------------------------- amendments stay with their office


def test_an_amendment_cannot_move_the_seller_to_another_office(rt: Runtime) -> None:
    contract_id = _registered(rt)
    with rt.session_factory() as session:
        elsewhere = parse_contract(contract_body(seller_region_code="140105"), today=TODAY)  # 太原市小店区
        with pytest.raises(ValidationError, match="140600") as error:
            amend_contract(session, BROKER, contract_id, elsewhere, "卖方迁址")
        assert "seller_region_code" in error.value.errors
        inside = parse_contract(contract_body(seller_region_code="140602"), today=TODAY)  # 朔城区, same office
        assert amend_contract(session, BROKER, contract_id, inside, "卖方地址更正").amendment_no == 1


def test_an_amendment_registered_by_a_wider_bureau_keeps_the_office_of_its_number(rt: Runtime) -> None:
    province = Actor("bureau-province", "bureau", jurisdiction_code="140000")  # 山西省
    contract_id = _registered(rt)
    with rt.session_factory() as session:
        corrected = parse_contract(contract_body(project_name="名称更正"), today=TODAY)
        amendment_id = amend_contract(session, BROKER, contract_id, corrected, "名称更正").id
        amendment = register_contract(session, province, amendment_id)
        session.commit()
        assert amendment.office_code == "140600" and amendment.registration_number[4:10] == "140600"  # type: ignore[index]


def test_a_seller_already_outside_the_office_may_stay_where_it_is(rt: Runtime) -> None:
    """Old registers hold contracts whose seller lies outside the office of the number: correcting
    anything else must still be possible, only moving the seller elsewhere is refused."""
    contract_id = _registered(rt)
    with rt.session_factory() as session:
        stored = session.get(Contract, contract_id)
        assert stored is not None
        stored.seller_region_code = "140105"  # as an imported register row may have it
        session.commit()
    taiyuan = Actor("bureau-taiyuan", "bureau", jurisdiction_code="140100")
    with rt.session_factory() as session:
        same = parse_contract(contract_body(seller_region_code="140105", project_name="更正"), today=TODAY)
        assert amend_contract(session, taiyuan, contract_id, same, "名称更正").amendment_no == 1
        session.rollback()
        moved = parse_contract(contract_body(seller_region_code="140106"), today=TODAY)
        with pytest.raises(ValidationError, match="140600"):
            amend_contract(session, taiyuan, contract_id, moved, "卖方迁址")


@pytest.mark.postgres
def test_a_revocation_waits_for_an_amendment_being_written_on_postgresql(pg_runtime: Runtime) -> None:
    """Revoking while an amendment of the same contract is being written: the row lock makes the
    revocation wait, then it sees the amendment and refuses it (no pending amendment of a revoked
    contract is left in the queue)."""
    _users(pg_runtime)
    contract_id = _registered(pg_runtime)
    writer = pg_runtime.session_factory()
    amendment = amend_contract(writer, BROKER, contract_id, parse_contract(contract_body(), today=TODAY), "更正")
    revoked = threading.Event()

    def revoke() -> None:
        with pg_runtime.session_factory() as session:
            revoke_contract(session, BUREAU, contract_id, "合同已解除")
            session.commit()
        revoked.set()

    thread = threading.Thread(target=revoke)
    thread.start()
    assert not revoked.wait(1.0), "the revocation must wait for the amendment's transaction"
    writer.commit()
    writer.close()
    thread.join(30)
    assert revoked.is_set()
    with pg_runtime.session_factory() as session:
        stored = session.get(Contract, amendment.id)
        assert stored is not None and stored.status == ContractStatus.REJECTED
