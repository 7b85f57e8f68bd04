"""The PDF/A preservation copy offered beside the original and the text on a scanned record's
page, downloaded (and audited) like them; born-digital records offer none."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from urllib.parse import unquote

from flask import Flask
from sqlalchemy import select

from archive.audit.service import CLI
from archive.catalog.audit import AuditEvent
from archive.catalog.models import Page, Record
from archive.vocabulary import AuditAction, DownloadForm
from indexer.ingest import submit_file
from indexer.pdfa import check
from indexer.process import process_job
from tests.conftest import DATA
from tests.ocr.conftest import render_lines
from tests.portal.conftest import AuthActions


def _ingest(app: Flask, path: Path) -> int:
    lantai = app.extensions["lantai"]
    submission = submit_file(lantai, path, metadata={"access": "open"}, dispatch=False, actor=CLI)
    assert submission.job_id is not None and submission.record_id is not None
    process_job(lantai, submission.job_id)
    return submission.record_id


def test_scanned_record_offers_its_pdfa(app: Flask, tmp_path: Path) -> None:
    scan = tmp_path / "招生通知.png"
    render_lines(["关于做好二〇二三年度档案归档工作的通知", "各学校请于六月底前完成整理"]).save(scan, dpi=(300, 300))
    record_id = _ingest(app, scan)
    client = app.test_client()
    AuthActions(client).login("researcher")
    page = client.get(f"/records/{record_id}").get_data(as_text=True)
    assert f"/records/{record_id}/preservation.pdf" in page and "PDF/A" in page
    assert f"/records/{record_id}/download" in page and f"/records/{record_id}/text.txt" in page  # beside them

    response = client.get(f"/records/{record_id}/preservation.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "招生通知.pdfa.pdf"
    with app.extensions["lantai"].catalog.session() as session:
        texts = [p.text for p in session.scalars(select(Page).where(Page.record_id == record_id))]
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == AuditAction.DOWNLOAD).order_by(AuditEvent.seq.desc())
        ).first()
        assert event is not None and json.loads(event.details)["form"] == DownloadForm.PRESERVATION
    result = check(response.data, texts)
    assert result.ok and result.pdfa == "2B"
    assert "档案归档工作" in result.texts[0]


def test_born_digital_record_offers_none(app: Flask, tmp_path: Path) -> None:
    shutil.copy(DATA / "simple3.pdf", tmp_path / "simple3.pdf")
    record_id = _ingest(app, tmp_path / "simple3.pdf")
    with app.extensions["lantai"].catalog.session() as session:
        assert session.get(Record, record_id) is not None
    client = app.test_client()
    AuthActions(client).login("researcher")
    assert "preservation.pdf" not in client.get(f"/records/{record_id}").get_data(as_text=True)
    response = client.get(f"/records/{record_id}/preservation.pdf")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "长期保存格式" in body or "preservation" in body
