from config import ProductionConfig
from matchmaker.runtime import Runtime
from matchmaker.services.accounts import authenticate
from matchmaker.services.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, create_demo_accounts


def test_one_demo_account_per_role_with_the_demo_password(runtime: Runtime) -> None:
    accounts = create_demo_accounts(runtime)
    assert [a.username for a in accounts] == ["enterprise", "enterprise2", "research", "broker", "bureau", "admin"]
    assert {a.role for a in accounts} == {"enterprise", "research", "broker", "bureau", "admin"}
    with runtime.session_factory() as session:
        for account in DEMO_ACCOUNTS:
            user = authenticate(session, runtime.config, account.username, DEMO_PASSWORD)
            assert user is not None and user.is_demo
        assert authenticate(session, runtime.config, "broker", "wrong") is None
        bureau = authenticate(session, runtime.config, "bureau", DEMO_PASSWORD)
        assert bureau is not None and bureau.jurisdiction_code == "140600"


def test_demo_passwords_are_refused_under_production_config(runtime: Runtime) -> None:
    create_demo_accounts(runtime)
    production = ProductionConfig({"SECRET_KEY": "s", "MATCHMAKER_HOME": str(runtime.config.HOME)})
    with runtime.session_factory() as session:
        assert authenticate(session, production, "admin", DEMO_PASSWORD) is None


def test_recreating_demo_accounts_does_not_duplicate(runtime: Runtime) -> None:
    from sqlalchemy import func, select

    from models import User

    create_demo_accounts(runtime)
    create_demo_accounts(runtime)
    with runtime.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(User)) == len(DEMO_ACCOUNTS)


def test_create_user_validates_each_field(runtime: Runtime) -> None:
    import pytest

    from matchmaker.services.accounts import create_user, set_user_active
    from matchmaker.services.errors import ServiceError

    with runtime.session_factory() as session:
        cases = [
            ({"username": "a b", "password": "longenough", "role": "broker"}, "username"),
            ({"username": "ok_user", "password": "longenough", "role": "king"}, "role"),
            ({"username": "ok_user", "password": "short", "role": "broker"}, "password"),
            ({"username": "ok_user", "password": "longenough", "role": "bureau"}, "jurisdiction"),
            (
                {"username": "ok_user", "password": "longenough", "role": "bureau", "jurisdiction_code": "999999"},
                "jurisdiction",
            ),
            (
                {"username": "ok_user", "password": "longenough", "role": "enterprise", "organization": "无此单位"},
                "organization",
            ),
        ]
        for kwargs, field in cases:
            with pytest.raises(ServiceError, match=field):
                create_user(session, **kwargs)
        create_user(session, username="bureau2", password="longenough", role="bureau", jurisdiction_code="140681")
        with pytest.raises(ServiceError, match="已存在"):
            create_user(session, username="bureau2", password="longenough", role="broker")
        user = set_user_active(session, "bureau2", False)
        session.commit()
        assert user.is_active is False
        assert authenticate(session, runtime.config, "bureau2", "longenough") is None


def test_running_the_demo_again_keeps_the_review_queue_size(runtime: Runtime) -> None:
    from matchmaker.services.demo import REVIEW_QUEUE_SIZE, load_demo, stage_review_queue

    load_demo(runtime)
    assert stage_review_queue(runtime) == 0
    with runtime.session_factory() as session:
        from sqlalchemy import func, select

        from models import Need

        pending = session.scalar(select(func.count()).select_from(Need).where(Need.status == "pending_review"))
    assert pending == REVIEW_QUEUE_SIZE
