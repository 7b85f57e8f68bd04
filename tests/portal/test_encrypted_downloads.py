"""With encryption at rest, downloads and page images are served decrypted, byte for byte."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from flask import Flask

from archive.encryption import MAGIC, MasterKey
from tests.conftest import DATA
from tests.portal.sample_records import add_record


def test_downloads_are_byte_identical_to_the_originals(make_app: Callable[..., Flask], tmp_path: Path) -> None:
    key = tmp_path / "keys" / "master.key"
    MasterKey.create(key)
    app = make_app(encryption_key_file=key)
    pdf = (DATA / "pdflatex-4-pages.pdf").read_bytes()
    large = os.urandom(5 * 1024 * 1024 + 123)  # several segments and a partial one
    client = app.test_client()
    for body, name, mime in [(pdf, "报告.pdf", "application/pdf"), (large, "scan.bin", "application/octet-stream")]:
        rec = add_record(app, [["第一页"]], original=(body, name, mime), index=False)
        sha = hashlib.sha256(body).hexdigest()
        stored = next(p for p in app.extensions["lantai"].storage.originals.rglob("*") if p.name == sha)
        assert stored.read_bytes().startswith(MAGIC) and body[:64] not in stored.read_bytes()
        response = client.get(f"/records/{rec.id}/download")
        assert response.status_code == 200 and response.data == body
        assert response.headers["Content-Length"] == str(len(body))
