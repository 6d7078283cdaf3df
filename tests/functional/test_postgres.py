"""The same models, migrations and import service on a real PostgreSQL server."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from matchmaker.runtime import Runtime
from matchmaker.services.imports import ImportAborted, import_file
from matchmaker.services.matching import match_listings
from models import Need, Organization, Region
from tests.factories import achievement_row, need_row, write_jsonl
from tests.migrations import assert_migrations_round_trip

pytestmark = pytest.mark.postgres


def test_migrations_match_models_and_downgrade(pg_runtime: Runtime) -> None:
    engine = pg_runtime.engine
    assert engine.dialect.name == "postgresql"
    assert_migrations_round_trip(engine)
    with pg_runtime.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Region)) == 0


def test_regions_are_seeded(pg_runtime: Runtime) -> None:
    with pg_runtime.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Region).where(Region.code.like("14%"))) >= 129


def test_money_round_trips_exactly(pg_runtime: Runtime) -> None:
    amounts = [Decimal("0.01"), Decimal("123456789.99"), Decimal("99999999999.99")]
    with pg_runtime.session_factory() as session:
        for i, amount in enumerate(amounts):
            session.add(Need(external_id=f"M{i}", title="t", budget=amount))
        session.commit()
    with pg_runtime.session_factory() as session:
        got = [session.scalar(select(Need.budget).where(Need.external_id == f"M{i}")) for i in range(3)]
        assert got == amounts
        assert session.execute(text("SELECT budget FROM needs WHERE external_id='M1'")).scalar() == 12345678999


def test_import_and_match_on_postgres(pg_runtime: Runtime, tmp_path: Path) -> None:
    import_file(pg_runtime, "achievement", write_jsonl(tmp_path / "a.jsonl", [achievement_row("A1")]))
    import_file(pg_runtime, "need", write_jsonl(tmp_path / "n.jsonl", [need_row("N1")]))
    again = import_file(pg_runtime, "need", write_jsonl(tmp_path / "n.jsonl", [need_row("N1")]))
    assert again.outcomes == {"unchanged": 1}
    [run] = match_listings(pg_runtime, "need", ["N1"])
    assert run.results[0].candidate.external_id == "A1"
    with pytest.raises(ImportAborted):
        import_file(pg_runtime, "need", write_jsonl(tmp_path / "b.jsonl", [need_row("N2"), need_row("N3", budget="x")]))
    with pg_runtime.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Need)) == 1


def test_web_workflow_sessions_and_filters_on_postgres(pg_runtime: Runtime, tmp_path: Path) -> None:
    from matchmaker.policy import Actor
    from matchmaker.services import workflow
    from matchmaker.services.accounts import create_user
    from matchmaker.services.sessions import open_session, revoke_session, user_for_token

    import_file(pg_runtime, "achievement", write_jsonl(tmp_path / "a.jsonl", [achievement_row("A1")]))
    with pg_runtime.session_factory() as session:
        user = create_user(session, username="bureau1", password="password1", role="bureau", jurisdiction_code="141100")
        token = open_session(session, user, "web", 1)
        session.commit()
        assert user_for_token(session, token, "web") is not None
        revoke_session(session, token)
        session.commit()
        assert user_for_token(session, token, "web") is None
    with pg_runtime.session_factory() as session:
        org = Organization(name="孝义市鹏飞焦化有限公司", kind="enterprise")
        session.add(org)
        session.commit()
    owner = Actor("e", "enterprise", organization_id=org.id)
    bureau = Actor("bureau1", "bureau", jurisdiction_code="141100")
    ref = workflow.create_listing(
        pg_runtime,
        owner,
        "need",
        {"title": "焦化废水脱酚", "industry": "焦化", "solution_modes": ["cooperative"], "region_code": "141181"},
    )
    workflow.submit_listing(pg_runtime, owner, "need", ref.id)
    workflow.review_listing(pg_runtime, bureau, "need", ref.id, "publish")
    with pg_runtime.session_factory() as session:
        query = workflow.ListingQuery(scope="published", mode="cooperative", industry="焦化", region_code="141100")
        page = workflow.list_listings(session, owner, "need", query)
        assert [n.id for n in page.items] == [ref.id]
        none = workflow.list_listings(session, owner, "need", workflow.ListingQuery(mode="transfer"))
        assert none.total == 0
        ach = workflow.list_listings(session, owner, "achievement", workflow.ListingQuery(industry="焦化"))
        assert ach.total == 1
