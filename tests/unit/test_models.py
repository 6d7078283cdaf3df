import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import StatementError

import config as config_module
from matchmaker.runtime import Runtime
from models import Need, Organization, make_engine
from models.organization import credit_code_check_char, is_valid_credit_code
from tests.migrations import assert_migrations_round_trip


def test_credit_code_check_digit() -> None:
    assert is_valid_credit_code("91350100M000100Y43")
    assert not is_valid_credit_code("91350100M000100Y44")
    assert not is_valid_credit_code("short")
    assert credit_code_check_char("91350100M000100Y4") == "3"


def test_sqlite_connections_have_foreign_keys_wal_and_busy_timeout(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 10000


def test_migrations_upgrade_downgrade_and_match_the_models(tmp_path) -> None:
    assert_migrations_round_trip(make_engine(f"sqlite:///{tmp_path / 'm.db'}"))


def test_money_round_trips_exactly_and_refuses_sub_fen(runtime: Runtime) -> None:
    amounts = [Decimal("0.01"), Decimal("123456789.99"), Decimal("0.10"), Decimal("99999999999.99")]
    with runtime.session_factory() as session:
        for i, amount in enumerate(amounts):
            session.add(Need(external_id=f"M{i}", title="t", budget=amount))
        session.commit()
    with runtime.session_factory() as session:
        stored = [session.query(Need).filter_by(external_id=f"M{i}").one().budget for i in range(len(amounts))]
        assert stored == amounts
        assert all(isinstance(a, Decimal) for a in stored)
        raw = session.execute(text("SELECT budget FROM needs WHERE external_id='M0'")).scalar()
        assert raw == 1
    with runtime.session_factory() as session:
        session.add(Need(external_id="bad", title="t", budget=Decimal("0.001")))
        with pytest.raises(StatementError):
            session.commit()


def test_version_increments_on_update(runtime: Runtime) -> None:
    with runtime.session_factory() as session:
        need = Need(external_id="V1", title="a")
        session.add(need)
        session.commit()
        assert need.version == 1
        need.title = "b"
        session.commit()
        assert need.version == 2


def test_timestamps_are_utc(runtime: Runtime) -> None:
    with runtime.session_factory() as session:
        org = Organization(name="x", kind="enterprise")
        session.add(org)
        session.commit()
    with runtime.session_factory() as session:
        stored = session.get(Organization, org.id)
        assert stored is not None and stored.created_at.tzinfo == dt.UTC


def test_foreign_keys_are_enforced(runtime: Runtime) -> None:
    from sqlalchemy.exc import IntegrityError

    with runtime.session_factory() as session:
        session.add(Need(external_id="F1", title="t", region_code="999999"))
        with pytest.raises(IntegrityError):
            session.commit()


def test_production_config_requires_secret_key() -> None:
    from config import ProductionConfig, get_config

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        ProductionConfig({})
    assert get_config("production", {"SECRET_KEY": "x"}).DEMO_ACCOUNTS_ALLOWED is False
    assert config_module.TestingConfig({}).TESTING is True
    with pytest.raises(ValueError, match="unknown feature"):
        config_module.TestingConfig({"MATCH_WEIGHTS": "nonsense=1"})
