"""The Flask application factory. Nothing heavy happens at import or in ``create_app``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from config import Config, get_config

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def create_app(config: Config | None = None, **overrides: Any) -> Flask:
    """Build the web application; components are created lazily on first use."""
    from matchmaker.auth import load_user
    from matchmaker.cli import main as cli_group
    from matchmaker.extensions import csrf, login_manager
    from matchmaker.runtime import Runtime
    from matchmaker.views import bp as main_bp

    config = config or get_config()
    app = Flask(__name__, template_folder=str(TEMPLATES))
    app.config.from_mapping(config.as_flask_mapping())
    app.config.update(overrides)
    app.extensions["matchmaker"] = Runtime(config)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    app.register_blueprint(main_bp)
    for command in cli_group.commands.values():
        app.cli.add_command(command)
    return app
