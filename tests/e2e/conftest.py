"""A real portal (gunicorn, migrated and seeded database) driven by Debian's Chromium.

Outside CI the browser tests are skipped when Chromium is not installed; in CI (``CI=true``)
a missing browser fails the run instead.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
BIN = Path(sys.executable).parent


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(backend, tmp_path_factory):
    """The portal as ``scripts/run`` starts it: migrated, demo data, gunicorn; yields its base URL."""
    if backend["is_pg"]:
        pytest.skip("browser tests run in the SQLite pass")
    instance = tmp_path_factory.mktemp("e2e-instance")
    env = {
        **os.environ,
        "QPORTAL_INSTANCE": str(instance),
        "DATABASE_URL": f"sqlite:///{instance / 'e2e.db'}",
        "REDIS_URL": backend["redis_url"],
        "FLASK_APP": "wsgi.py",
        "SECRET_KEY": "e2e-secret-key",
    }
    for args in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run([str(BIN / "flask"), *args], cwd=ROOT, env=env, check=True, capture_output=True)
    port = _free_port()
    log = open(instance / "web.log", "w")  # noqa: SIM115 — closed after the server stops
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{url}/auth/login", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            server.kill()
            raise RuntimeError("portal did not start:\n" + (instance / "web.log").read_text()[-3000:])
        time.sleep(0.2)
    yield url
    server.terminate()
    server.wait(timeout=15)
    log.close()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium package")
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, request):
    context = browser.new_context(base_url=live_server, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        artifacts = ROOT / "test-artifacts"
        artifacts.mkdir(exist_ok=True)
        page.screenshot(path=str(artifacts / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
