"""Flask extensions, created unbound and bound in ``create_app``."""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect

login_manager = LoginManager()
csrf = CSRFProtect()
# Limits are declared on the views that need them (login, token); storage comes from
# RATELIMIT_STORAGE_URI (memory:// for one process, redis:// for several).
limiter = Limiter(key_func=get_remote_address, default_limits=[])
