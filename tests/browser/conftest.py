"""A real browser (Debian's Chromium, driven by Playwright) against a real `newskg serve` on loopback.

Chromium comes from the system (`apt-get install chromium`; `.ci/run` installs it), never from `playwright install`.
In CI (the CI variable set) a missing browser is a failure; elsewhere these tests are skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from newskg_test_servers import ROOT, RunningServer  # tests/ is on sys.path (tests/conftest.py)

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(f"{reason} (install it with: apt-get install chromium; pip install -e '.[test]')")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)) and not shutil.which(CHROMIUM):
        _unavailable(f"Chromium not found at {CHROMIUM}")
    return CHROMIUM


@pytest.fixture(scope="session")
def playwright_driver():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the Python package playwright is not installed")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """One server per test module (the pages only read); its store is fresh."""
    server = RunningServer(tmp_path_factory.mktemp("browser") / "store")
    yield server
    server.stop()


@pytest.fixture
def page(playwright_driver, chromium_path, live_server, tmp_path):
    """A fresh Chromium profile and page; every request it makes must go to the loopback server."""
    context = playwright_driver.chromium.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=chromium_path, args=CHROMIUM_FLAGS, headless=True,
        viewport={"width": 1400, "height": 900},
    )
    page = context.pages[0] if context.pages else context.new_page()
    page.requests = []
    page.console_errors = []
    page.on("request", lambda request: page.requests.append(request.url))
    page.on("console", lambda msg: page.console_errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    page.on("response", lambda r: page.console_errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.set_default_timeout(15_000)
    page.base = live_server.url
    yield page
    context.close()
    outside = [u for u in page.requests if urlsplit(u).scheme in ("http", "https") and urlsplit(u).hostname != "127.0.0.1"]
    assert not outside, f"the page reached beyond the loopback server: {outside}"


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot (the full page, or what the viewport shows) to tests/artifacts/NAME.png (gitignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
