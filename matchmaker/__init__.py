"""The Flask application factory. Nothing heavy happens at import or in ``create_app``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from config import Config, get_config

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` limited to 1 … 2³¹−1, so a huge id is a 404 rather than a database overflow."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(config: Config | None = None, **overrides: Any) -> Flask:
    """Build the web application; components are created lazily on first use."""
    from matchmaker.admin.routes import bp as admin_bp
    from matchmaker.api.routes import bp as api_bp
    from matchmaker.auth.current import AnonymousUser, load_user, no_store_when_logged_in
    from matchmaker.auth.routes import bp as auth_bp
    from matchmaker.cli import main as cli_group
    from matchmaker.contracts.routes import bp as contracts_bp
    from matchmaker.deals.routes import bp as deals_bp
    from matchmaker.errors import refuse_control_characters, register_error_handlers
    from matchmaker.extensions import csrf, limiter, login_manager
    from matchmaker.listings.routes import achievements_bp, needs_bp
    from matchmaker.main.routes import bp as main_bp
    from matchmaker.matches.routes import bp as matches_bp
    from matchmaker.review.routes import bp as review_bp
    from matchmaker.runtime import Runtime
    from matchmaker.search.routes import bp as search_bp
    from matchmaker.stats.routes import bp as stats_bp
    from matchmaker.templating import register_template_helpers

    config = config or get_config()
    app = Flask(__name__, template_folder=str(TEMPLATES))
    app.config.from_mapping(config.as_flask_mapping())
    app.config.update(overrides)
    app.url_map.converters["int"] = BoundedIntConverter  # ids beyond the database's integers are 404
    app.extensions["matchmaker"] = Runtime(config)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.anonymous_user = AnonymousUser
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录"
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "strong"
    blueprints = (main_bp, auth_bp, needs_bp, achievements_bp, review_bp, matches_bp, search_bp)
    for blueprint in (*blueprints, deals_bp, contracts_bp, stats_bp, admin_bp, api_bp):
        app.register_blueprint(blueprint)
    csrf.exempt(api_bp)  # the API authenticates with bearer tokens, never with the session cookie
    register_error_handlers(app)
    app.before_request(refuse_control_characters)
    app.after_request(no_store_when_logged_in)
    if config.PROXY_FIX_X_FOR:  # behind a reverse proxy: the client address for the login limits
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config.PROXY_FIX_X_FOR, x_proto=config.PROXY_FIX_X_FOR)  # type: ignore[method-assign]
    register_template_helpers(app)
    for command in cli_group.commands.values():
        app.cli.add_command(command)
    return app
