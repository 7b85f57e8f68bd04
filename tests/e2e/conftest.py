"""A real portal on a loopback port and a real headless Chromium (Debian's) driven by Playwright."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from config.settings import Settings
from indexer.context import set_current
from portal.app import create_app
from tests.conftest import ARTIFACTS
from tests.portal.conftest import USERS, add_user

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@dataclass
class LiveServer:
    """The running portal: its app (for adding records) and its base URL."""

    app: Flask
    url: str


@pytest.fixture
def live_server(settings: Settings) -> Iterator[LiveServer]:
    """The portal served by werkzeug in a thread on a free loopback port, one account per role."""
    app = create_app(settings, {"TESTING": False, "WTF_CSRF_SSL_STRICT": False})
    for role, (username, password) in USERS.items():
        add_user(app, username, password, role, email=f"{username}@example.org")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        app.extensions["lantai"].close()
        set_current(None)


@pytest.fixture
def browser() -> Iterator[object]:
    """Headless Chromium from Debian (never a downloaded one)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Path:
    """The folder for this test's screenshots (tests/artifacts/e2e/<test>/)."""
    folder = ARTIFACTS / "e2e" / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    return folder
