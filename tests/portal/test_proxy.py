"""The shipped nginx configuration in front of the portal (finding 5e of issue 11): a real
nginx (Debian's, ``scripts/install-system.sh test``) with ``deploy/nginx/lantai.conf`` and the
portal served on a loopback port. A forged X-Forwarded-For is ignored when no proxy is trusted
and never reaches the portal through the proxy; the proxy's own entry is honoured."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Blueprint, Flask, request
from werkzeug.serving import make_server

from portal.audit.web import client_ip
from tests.conftest import ROOT

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
FORGED = {"X-Forwarded-For": "6.6.6.6"}


def get(url: str, headers: dict[str, str] | None = None) -> str:
    """The body of a GET (loopback only)."""
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
        return str(answer.read().decode())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(app: Flask) -> Iterator[int]:
    """``app`` with an address probe, served by werkzeug on a loopback port."""
    probe = Blueprint("ip_probe", __name__)
    probe.add_url_rule("/ip", "ip", lambda: client_ip() or "")
    probe.add_url_rule("/xff", "xff", lambda: request.headers.get("X-Forwarded-For", ""))
    app.register_blueprint(probe)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture
def portal_port(make_app: Callable[..., Flask], request: pytest.FixtureRequest) -> Iterator[int]:
    """The portal with ``LANTAI_TRUSTED_PROXIES`` set to the test's parameter."""
    yield from _serve(make_app(trusted_proxies=request.param))


@pytest.fixture
def nginx(tmp_path: Path) -> Iterator[Callable[[int], str]]:
    """Start nginx with the shipped server block pointed at ``port``; return its base URL."""
    started: list[subprocess.Popen[bytes]] = []

    def start(port: int) -> str:
        listen = _free_port()
        server = (ROOT / "deploy" / "nginx" / "lantai.conf").read_text()
        server = server.replace("server portal:8000;", f"server 127.0.0.1:{port};")
        server = server.replace("listen 80;", f"listen 127.0.0.1:{listen};")
        (tmp_path / "lantai.conf").write_text(server)
        (tmp_path / "nginx.conf").write_text(
            f"daemon off;\nworker_processes 1;\npid {tmp_path}/nginx.pid;\n"
            f"error_log {tmp_path}/error.log;\nevents {{}}\nhttp {{\n  access_log off;\n"
            + "".join(f"  {kind}_temp_path {tmp_path}/{kind};\n"
                      for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
            + f"  include {tmp_path}/lantai.conf;\n}}\n"
        )
        process = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")])
        started.append(process)
        url = f"http://127.0.0.1:{listen}"
        for _ in range(100):
            try:
                get(url + "/ip")
                return url
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.05)
        raise AssertionError((tmp_path / "error.log").read_text())

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.parametrize("portal_port", [0], indirect=True)
def test_forged_forwarded_for_is_ignored_when_no_proxy_is_trusted(portal_port: int) -> None:
    assert get(f"http://127.0.0.1:{portal_port}/ip", FORGED) == "127.0.0.1"


@pytest.mark.parametrize("portal_port", [1], indirect=True)
def test_the_proxy_replaces_a_forged_forwarded_for(portal_port: int, nginx: Any) -> None:
    url = nginx(portal_port)
    assert get(url + "/ip", FORGED) == "127.0.0.1"
    chain = {"X-Forwarded-For": "6.6.6.6, 7.7.7.7"}  # a client posing as a proxy chain
    assert get(url + "/ip", chain) == "127.0.0.1"
    assert get(url + "/xff", chain) == "127.0.0.1"  # replaced, not appended to
    assert get(url + "/ip") == "127.0.0.1"  # the address nginx saw: honoured
