"""Shared fixtures: an initialised database copied per test, runtimes with a fast embedder."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from config import TestingConfig
from matchmaker.runtime import Runtime
from matchmaker.services.setup import init_database
from tests.fakes import HashingEmbedder


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
