"""Shared fixtures: an initialised database copied per test, runtimes with a fast embedder."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text

from config import TestingConfig
from matchmaker.runtime import Runtime
from matchmaker.services.setup import init_database
from models import make_engine
from tests.fakes import HashingEmbedder
from tests.webclient import WebClient


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated database with regions seeded, built once per session."""
    home = tmp_path_factory.mktemp("template")
    runtime = Runtime(TestingConfig({"MATCHMAKER_HOME": str(home)}))
    init_database(runtime)
    runtime.close()
    return home / "matchmaker.db"


@pytest.fixture
def config(tmp_path: Path, template_db: Path) -> TestingConfig:
    """Testing config with its own home holding a copy of the template database."""
    shutil.copy(template_db, tmp_path / "matchmaker.db")
    return TestingConfig({"MATCHMAKER_HOME": str(tmp_path)})


@pytest.fixture
def runtime(config: TestingConfig) -> Iterator[Runtime]:
    """A runtime whose embedder is the fast hashing stand-in."""
    rt = Runtime(config)
    rt.__dict__["embedder"] = HashingEmbedder()
    yield rt
    rt.close()


def _required_service(variable: str, what: str) -> str:
    """The URL in ``variable``; without it, skip locally but fail under CI=true."""
    url = os.environ.get(variable, "")
    if url:
        return url
    message = f"{what} not available: {variable} is not set (the README test command starts it)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def es_url() -> str:
    """URL of the real Elasticsearch node started by the README test command."""
    return _required_service("TEST_ELASTICSEARCH_URL", "Elasticsearch")


@pytest.fixture
def es_prefix(es_url: str) -> Iterator[str]:
    """A fresh index prefix on the test node; its indices are deleted afterwards."""
    from indexer.backends.elasticsearch import ElasticsearchSearchBackend

    prefix = f"test-{uuid.uuid4().hex[:12]}"
    yield prefix
    cleaner = ElasticsearchSearchBackend(es_url, prefix)
    cleaner.drop()
    cleaner.close()


@pytest.fixture
def es_runtime(config: TestingConfig, es_url: str, es_prefix: str) -> Iterator[Runtime]:
    """A runtime (SQLite database copy, hashing embedder) whose search backend is the real Elasticsearch node."""
    config.SEARCH_BACKEND = "elasticsearch"
    config.ELASTICSEARCH_URL = es_url
    config.ELASTICSEARCH_PREFIX = es_prefix
    rt = Runtime(config)
    rt.__dict__["embedder"] = HashingEmbedder()
    yield rt
    rt.close()


@pytest.fixture
def pg_runtime(tmp_path: Path) -> Iterator[Runtime]:
    """A runtime on a real PostgreSQL database, emptied and migrated for this test."""
    url = _required_service("TEST_DATABASE_URL", "PostgreSQL")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    rt = Runtime(TestingConfig({"MATCHMAKER_HOME": str(tmp_path), "DATABASE_URL": url}))
    rt.__dict__["embedder"] = HashingEmbedder()
    init_database(rt)
    yield rt
    rt.close()


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with the demo data loaded, indexed (hashing embedder) and matched, built once per session.

    Without the demo's contract register, targets and deals (``chain=False``): the tests of deals,
    contracts and statistics count what they create themselves; tests/functional/test_demo_chain.py
    loads the chain on a copy and checks it.
    """
    from matchmaker.services.demo import load_demo

    home = tmp_path_factory.mktemp("demo")
    rt = Runtime(TestingConfig({"MATCHMAKER_HOME": str(home)}))
    rt.__dict__["embedder"] = HashingEmbedder()
    init_database(rt)
    load_demo(rt, chain=False)
    rt.close()
    return home


@pytest.fixture
def demo_config(tmp_path: Path, demo_home: Path) -> TestingConfig:
    """Testing config over a private copy of the demo home (database and index)."""
    home = tmp_path / "home"
    shutil.copytree(demo_home, home, ignore=shutil.ignore_patterns("cache"))
    return TestingConfig({"MATCHMAKER_HOME": str(home)})


@pytest.fixture
def app(demo_config: TestingConfig) -> Iterator[Flask]:
    """The web app over the demo data, with the fast hashing embedder."""
    from matchmaker import create_app

    application = create_app(demo_config)
    application.extensions["matchmaker"].__dict__["embedder"] = HashingEmbedder()
    yield application
    application.extensions["matchmaker"].close()


@pytest.fixture
def web(app: Flask) -> WebClient:
    """A browser-like test client: CSRF tokens and logins handled."""
    return WebClient(app)
