"""Settings read from the environment; stdlib only.

All state lives under ``MATCHMAKER_HOME`` (default ``./instance``): the database, the embedded
search index and caches. ``Config`` subclasses select behaviour per environment; ``get_config``
picks one from ``MATCHMAKER_ENV``.
"""

from __future__ import annotations

import os
from pathlib import Path

# The engine's score is sum(weight * feature), every feature in [0, 1] (matchmaker/matching/features.py).
# "fusion" is the reciprocal-rank fusion of the keyword and the vector ranking, normalised so that
# rank 1 in both is 1.0; it carries most of the weight because on the labelled set (tests/eval) it
# beats both single rankings while raw-score mixtures and metadata bonuses did not. The other
# features break near-ties: relevance signals first, then the business preferences of DESIGN §5.
DEFAULT_MATCH_WEIGHTS: dict[str, float] = {
    "fusion": 0.74,
    "semantic": 0.08,
    "keyword": 0.08,
    "title_overlap": 0.02,
    "tech_field": 0.01,
    "industry": 0.01,
    "region": 0.02,
    "maturity": 0.02,
    "mode": 0.01,
    "budget": 0.005,
    "freshness": 0.005,
}


def _parse_weights(raw: str | None) -> dict[str, float]:
    """Parse ``name=value,name=value`` overrides onto the default match weights."""
    weights = dict(DEFAULT_MATCH_WEIGHTS)
    if not raw:
        return weights
    for part in raw.split(","):
        if not part.strip():
            continue
        name, _, value = part.partition("=")
        name = name.strip()
        if name not in weights:
            raise ValueError(f"MATCH_WEIGHTS: unknown feature {name!r} (known: {', '.join(weights)})")
        try:
            weights[name] = float(value)
        except ValueError:
            raise ValueError(f"MATCH_WEIGHTS: {name} needs a number, got {value!r}") from None
    return weights


def _parse_int(name: str, raw: str) -> int:
    """A positive integer setting, or a ValueError naming it."""
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name}: not an integer: {raw!r}") from None
    if value <= 0:
        raise ValueError(f"{name}: must be positive: {value}")
    return value


def _parse_float(name: str, raw: str) -> float:
    """A positive number setting, or a ValueError naming it."""
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name}: not a number: {raw!r}") from None
    if not value > 0:
        raise ValueError(f"{name}: must be positive: {raw}")
    return value


def _flag(env: dict[str, str], name: str, default: bool) -> bool:
    """A boolean setting: 1/true/yes/on or 0/false/no/off."""
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be true or false, got {raw!r}")


class Config:
    """Base settings shared by every environment."""

    ENV_NAME = "base"
    DEBUG = False
    TESTING = False
    DEMO_ACCOUNTS_ALLOWED = True

    def __init__(self, environ: dict[str, str] | None = None) -> None:
        env = dict(os.environ if environ is None else environ)
        self.HOME = Path(env.get("MATCHMAKER_HOME", "instance")).resolve()
        self.SECRET_KEY = env.get("SECRET_KEY", "")
        self.DATABASE_URL = env.get("DATABASE_URL") or f"sqlite:///{self.HOME / 'matchmaker.db'}"
        # Search: the embedded SQLite index unless an Elasticsearch cluster is configured.
        self.ELASTICSEARCH_URL = env.get("ELASTICSEARCH_URL", "")
        self.ELASTICSEARCH_USER = env.get("ELASTICSEARCH_USER", "")
        self.ELASTICSEARCH_PASSWORD = env.get("ELASTICSEARCH_PASSWORD", "")
        self.ELASTICSEARCH_CA_CERTS = env.get("ELASTICSEARCH_CA_CERTS", "")
        self.ELASTICSEARCH_PREFIX = env.get("ELASTICSEARCH_PREFIX", "matchmaker")
        self.ELASTICSEARCH_TIMEOUT = _parse_float("ELASTICSEARCH_TIMEOUT", env.get("ELASTICSEARCH_TIMEOUT", "5"))
        self.ELASTICSEARCH_VECTOR_INDEX = env.get("ELASTICSEARCH_VECTOR_INDEX", "int8_hnsw")
        default_backend = "elasticsearch" if self.ELASTICSEARCH_URL else "sqlite"
        self.SEARCH_BACKEND = env.get("SEARCH_BACKEND") or default_backend
        self.SEARCH_INDEX_PATH = Path(env.get("SEARCH_INDEX_PATH", self.HOME / "search.db"))
        self.EMBEDDER = env.get("EMBEDDER", "default")
        self.EMBEDDING_MODEL = env.get("EMBEDDING_MODEL", "")
        self.CACHE_DIR = Path(env.get("MATCHMAKER_CACHE", self.HOME / "cache"))
        self.MATCH_WEIGHTS = _parse_weights(env.get("MATCH_WEIGHTS"))
        self.MATCH_CANDIDATES = _parse_int("MATCH_CANDIDATES", env.get("MATCH_CANDIDATES", "50"))
        self.HOME_PROVINCE_CODE = env.get("HOME_PROVINCE_CODE", "140000")
        self.INDEX_SYNC_INLINE = env.get("INDEX_SYNC_INLINE", "1") not in ("0", "false", "no")
        # Web security: server-side sessions (see models/auth_session.py), cookie flags, login limits.
        self.SESSION_COOKIE_NAME = "matchmaker_session"
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = _flag(env, "SESSION_COOKIE_SECURE", False)
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.LOGIN_SESSION_HOURS = _parse_int("LOGIN_SESSION_HOURS", env.get("LOGIN_SESSION_HOURS", "8"))
        self.API_TOKEN_HOURS = _parse_int("API_TOKEN_HOURS", env.get("API_TOKEN_HOURS", "24"))
        self.RATELIMIT_ENABLED = _flag(env, "RATELIMIT_ENABLED", True)
        self.RATELIMIT_STORAGE_URI = env.get("RATELIMIT_STORAGE_URI", "memory://")
        self.RATELIMIT_HEADERS_ENABLED = True
        self.LOGIN_RATE_LIMIT = env.get("LOGIN_RATE_LIMIT", "20 per minute;200 per hour")  # per address
        self.LOGIN_USER_RATE_LIMIT = env.get("LOGIN_USER_RATE_LIMIT", "5 per minute;30 per hour")  # per user name
        # Number of reverse proxies in front of the app (0: clients connect directly).
        proxies = env.get("PROXY_FIX_X_FOR", "0").strip()
        self.PROXY_FIX_X_FOR = 0 if proxies == "0" else _parse_int("PROXY_FIX_X_FOR", proxies)
        self.MAX_CONTENT_LENGTH = 4 * 1024 * 1024
        self.WTF_CSRF_ENABLED = True
        self.WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the login session

    def ensure_home(self) -> None:
        """Create the state directories if they are missing."""
        self.HOME.mkdir(parents=True, exist_ok=True)
        self.CACHE_DIR.mkdir(parents=True, exist_ok=True)
        self.SEARCH_INDEX_PATH.parent.mkdir(parents=True, exist_ok=True)

    def as_flask_mapping(self) -> dict[str, object]:
        """Upper-case attributes as a mapping for ``app.config.from_mapping``."""
        names = {n for n in dir(self) if n.isupper()}
        return {n: getattr(self, n) for n in names}


class DevelopmentConfig(Config):
    """Local development: debug on, a fixed development secret."""

    ENV_NAME = "development"
    DEBUG = True

    def __init__(self, environ: dict[str, str] | None = None) -> None:
        super().__init__(environ)
        self.SECRET_KEY = self.SECRET_KEY or "dev-only-secret-key"


class TestingConfig(Config):
    """Tests: isolated home, testing flags, login rate limit off unless a test turns it on."""

    __test__ = False  # not a pytest test class

    ENV_NAME = "testing"
    TESTING = True

    def __init__(self, environ: dict[str, str] | None = None) -> None:
        super().__init__(environ)
        self.SECRET_KEY = self.SECRET_KEY or "test-only-secret-key"
        self.RATELIMIT_ENABLED = _flag(environ or {}, "RATELIMIT_ENABLED", False)


class ProductionConfig(Config):
    """Production: refuses to start without SECRET_KEY; demo passwords never accepted."""

    ENV_NAME = "production"
    DEMO_ACCOUNTS_ALLOWED = False

    def __init__(self, environ: dict[str, str] | None = None) -> None:
        super().__init__(environ)
        if not self.SECRET_KEY:
            raise RuntimeError("ProductionConfig requires the SECRET_KEY environment variable")
        env = os.environ if environ is None else environ
        # Production is served over HTTPS behind a reverse proxy; say so to run without TLS.
        self.SESSION_COOKIE_SECURE = _flag(dict(env), "SESSION_COOKIE_SECURE", True)


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def get_config(name: str | None = None, environ: dict[str, str] | None = None) -> Config:
    """Build the config named by ``name`` or ``MATCHMAKER_ENV`` (default development)."""
    env = os.environ if environ is None else environ
    key = name or env.get("MATCHMAKER_ENV", "development")
    try:
        cls = CONFIGS[key]
    except KeyError:
        raise ValueError(f"MATCHMAKER_ENV: unknown environment {key!r}") from None
    return cls(environ)
