"""`lantai serve` (what `make run` starts): the portal and a worker on the embedded defaults,
the samples queued and processed on first start, and Ctrl-C stopping everything cleanly."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from tests.conftest import ROOT

pytestmark = [pytest.mark.worker, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310  (loopback test server)
            return response.status, response.read()
    except OSError:
        return 0, b""


def test_serve_processes_samples_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LANTAI_")}
    env.update(LANTAI_DATA_DIR=str(tmp_path / "var"), LANTAI_JOB_LEASE_SECONDS="30")
    log = (tmp_path / "serve.log").open("wb")
    serve = subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--port", str(port), "--ingest-samples", "samples",
         "--demo-accounts", "--processes", "2"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while _get(base + "/")[0] != 200:
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text(errors="replace")
            time.sleep(0.5)
        # The samples are processed by the worker and found by a Chinese phrase, anonymously.
        deadline = time.monotonic() + 300
        while True:
            status, body = _get(base + "/api/v1/search?q=" + urllib.request.quote("归档工作"))
            if status == 200 and json.loads(body)["total"] >= 1:
                break
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text(errors="replace")[-3000:]
            time.sleep(2)
        assert _get(base + "/login")[0] == 200
        family = [serve.pid, *(p.pid for p in psutil.Process(serve.pid).children(recursive=True))]
        assert len(family) >= 4  # serve, gunicorn master and workers, celery worker and pool
    finally:
        serve.send_signal(signal.SIGINT)
        serve.wait(timeout=90)
    time.sleep(1)
    alive = [pid for pid in family if psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie"]
    assert alive == [], f"processes left running after Ctrl-C: {alive}"
    assert _get(base + "/")[0] == 0
