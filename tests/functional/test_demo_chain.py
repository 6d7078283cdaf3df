"""The demo's chain after matching: past contracts registered through the import, this year's
targets, four deals on the broker's board; running it again adds nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select

from config import TestingConfig
from matchmaker.runtime import Runtime
from matchmaker.services.contract_import import IMPORTER
from matchmaker.services.demo_chain import REGISTER_SIZE, TARGETS, load_chain
from matchmaker.services.statistics import region_statistics
from models import Contract, Deal, RegionTarget, RegistrationSequence, User
from models.base import CHINA_TZ
from models.enums import ContractStatus, DealStage


def test_the_chain_adds_a_register_targets_and_deals_once(demo_config: TestingConfig) -> None:
    rt = Runtime(demo_config)
    today = dt.datetime.now(CHINA_TZ).date()
    try:
        assert load_chain(rt, today).__dict__ == {"contracts": REGISTER_SIZE, "targets": 2 * len(TARGETS), "deals": 4}
        with rt.session_factory() as session:
            contracts = session.scalars(select(Contract)).all()
            assert len(contracts) == REGISTER_SIZE
            assert {c.status for c in contracts} == {ContractStatus.REGISTERED}
            assert {c.submitted_by for c in contracts} == {IMPORTER}
            assert len({c.registration_number for c in contracts}) == REGISTER_SIZE
            # Each office's sequence of the year stands at its highest imported number.
            for seq in session.scalars(select(RegistrationSequence)):
                highest = max(
                    int(str(c.registration_number)[10:])
                    for c in contracts
                    if str(c.registration_number)[:10] == f"{seq.year:04d}{seq.office_code}"
                )
                assert seq.last_value == highest
            broker = session.scalar(select(User).where(User.username == "broker"))
            assert broker is not None
            stages = sorted(session.scalars(select(Deal.stage).where(Deal.broker_id == broker.id)))
            assert stages == sorted(
                [DealStage.RECOMMENDED, DealStage.CONTACTED, DealStage.NEGOTIATING, DealStage.SIGNED]
            )
            targets = session.scalar(
                select(func.count()).select_from(RegionTarget).where(RegionTarget.year == today.year)
            )
            assert targets == 2 * len(TARGETS)
            stats = region_statistics(session, "140600", dt.date(today.year - 1, 1, 1), today)
            seller_sum = sum(
                (c.total_amount for c in contracts if str(c.seller_region_code).startswith("1406")), Decimal("0.00")
            )
            assert stats.seller.summary.total_amount == seller_sum > 0
            assert stats.buyer.summary.count == sum(1 for c in contracts if str(c.buyer_region_code).startswith("1406"))
            assert {t.metric for t in stats.targets} == {"tech_contract_amount", "contract_count"}
        assert load_chain(rt).__dict__ == {"contracts": 0, "targets": 0, "deals": 0}
    finally:
        rt.close()
