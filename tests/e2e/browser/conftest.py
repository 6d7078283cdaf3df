"""The browser suite's fixtures: one real server over a real demo home, headless Chromium, screenshots.

The home is built once per session through the real CLI (``matchmaker init`` + ``matchmaker demo``
with the default embedding model, converted once into the model cache shared with the other
end-to-end tests), then ``matchmaker serve`` runs as a subprocess on a free port for the whole
session. Every test gets a fresh browser context (no cookies carried over); screenshots of key
steps and of every failure land in ``test-artifacts/screenshots/<test>-<step>.png``.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.conftest import _required_service

ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
SERVER_LOG = ARTIFACTS / "browser-server.log"
MODEL_CACHE = Path(os.environ.get("PYTEST_MODEL_CACHE", "/tmp/matchmaker-test-cache"))
# Settings the app reads from the environment: the suite's server must not pick up a developer's.
APP_VARIABLES = (
    "DATABASE_URL",
    "SEARCH_BACKEND",
    "SEARCH_INDEX_PATH",
    "ELASTICSEARCH_URL",
    "ELASTICSEARCH_PREFIX",
    "EMBEDDER",
    "EMBEDDING_MODEL",
    "MATCH_WEIGHTS",
    "MATCH_CANDIDATES",
    "HOME_PROVINCE_CODE",
    "INDEX_SYNC_INLINE",
    "SECRET_KEY",
    "SESSION_COOKIE_SECURE",
    "LOGIN_SESSION_HOURS",
    "LOGIN_RATE_LIMIT",
    "RATELIMIT_ENABLED",
    "RATELIMIT_STORAGE_URI",
)
DEFAULT_TIMEOUT_MS = 20_000
REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()

# Publishing a listing runs the matching engine before the redirect: allow it some seconds.
expect.set_options(timeout=DEFAULT_TIMEOUT_MS)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    """Keep each phase's report on the item, so fixtures can tell a failed test at teardown."""
    report = yield
    item.stash.setdefault(REPORTS, {})[report.when] = report
    return report


def _app_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in APP_VARIABLES}
    env.update(
        MATCHMAKER_HOME=str(home),
        MATCHMAKER_CACHE=str(MODEL_CACHE),
        # What `make run` uses: CSRF, login limits and the Chinese error pages exactly as users get them.
        MATCHMAKER_ENV="development",
        PYTHONUNBUFFERED="1",
    )
    return env


def _run_cli(home: Path, *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "matchmaker", *args],
        env=_app_env(home),
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
    )
    if result.returncode != 0:
        raise AssertionError(f"matchmaker {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"matchmaker serve exited with {process.returncode}:\n{_log_tail()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise AssertionError(f"matchmaker serve did not answer {url} within {timeout:.0f} s:\n{_log_tail()}")


def _log_tail(lines: int = 40) -> str:
    if not SERVER_LOG.exists():
        return ""
    return "\n".join(SERVER_LOG.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Chromium's executable (CHROMIUM_PATH, from scripts/chromium): skip locally, fail under CI=true."""
    path = _required_service("CHROMIUM_PATH", "Chromium")
    if not os.access(path, os.X_OK):
        pytest.fail(f"CHROMIUM_PATH={path} is not an executable")
    return path


@pytest.fixture(scope="session")
def live_server(chromium_path: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of ``matchmaker serve`` over a home built by ``matchmaker init`` and ``matchmaker demo``."""
    home = tmp_path_factory.mktemp("browser-home")
    _run_cli(home, "init")
    _run_cli(home, "demo")
    ARTIFACTS.mkdir(exist_ok=True)
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    with SERVER_LOG.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "matchmaker", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=_app_env(home),
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            start_new_session=True,
        )
        try:
            _wait_until_up(f"{base_url}/auth/login", process)
            yield base_url
        finally:
            _stop(process)


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Browser]:
    """Headless Debian Chromium driven by Playwright, shared by the session."""
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_path, headless=True, args=["--no-sandbox"])
        try:
            yield instance
        finally:
            instance.close()


def _file_stem(request: pytest.FixtureRequest) -> str:
    return re.sub(r"[^\w.-]+", "-", request.node.name).strip("-")


@pytest.fixture
def snap(request: pytest.FixtureRequest) -> Callable[[Page, str], Path]:
    """``snap(page, step)`` saves a full-page screenshot as ``<test name>-<step>.png``."""
    stem = _file_stem(request)

    def take(page: Page, step: str) -> Path:
        path = SCREENSHOTS / f"{stem}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def open_page(browser: Browser, live_server: str, request: pytest.FixtureRequest) -> Iterator[Callable[..., Page]]:
    """``open_page(**context_options)``: a page in a fresh context; screenshot on failure, closed after."""
    contexts = []

    def opener(**options: Any) -> Page:
        settings: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}
        settings.update(options)
        context = browser.new_context(base_url=live_server, **settings)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield opener
    reports = request.node.stash.get(REPORTS, {})
    failed = any(r.failed for r in reports.values()) or "call" not in reports
    stem = _file_stem(request)
    for i, context in enumerate(contexts):
        if failed:
            for j, page in enumerate(context.pages):
                suffix = "" if (i, j) == (0, 0) else f"-{i}-{j}"
                try:
                    page.screenshot(path=str(SCREENSHOTS / f"{stem}-failure{suffix}.png"), full_page=True)
                except Exception as exc:  # a crashed page must not hide the test's own error
                    print(f"no failure screenshot for {stem}: {exc}", file=sys.stderr)
        context.close()


@pytest.fixture
def page(open_page: Callable[..., Page]) -> Page:
    """A desktop-sized page (1280×900, zh-CN) in a fresh browser context."""
    return open_page()
