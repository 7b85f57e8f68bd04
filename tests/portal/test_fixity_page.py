"""The admin page of fixity checks: failures with their records, in the user's language; admins only."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import select

from archive.audit.service import CLI
from archive.catalog.models import OriginalFile, Record
from preservation.fixity import run_check
from tests.portal.conftest import AuthActions
from tests.preservation.conftest import ingest_text


def _broken_record(app: Flask, tmp_path: Path) -> Record:
    lantai = app.extensions["lantai"]
    record_id = ingest_text(lantai, tmp_path, "minutes.txt", "校务会议纪要")
    with lantai.catalog.session() as session:
        original = session.scalars(select(OriginalFile).where(OriginalFile.record_id == record_id)).one()
        path = lantai.storage.originals / original.storage_key
        record = session.get(Record, record_id)
        assert record is not None
        session.expunge(record)
    path.unlink()
    run_check(lantai, "all", actor=CLI)
    return record


def test_admin_sees_the_failing_record_in_chinese_and_english(app: Flask, auth: AuthActions, tmp_path: Path) -> None:
    record = _broken_record(app, tmp_path)
    auth.login("admin")
    page = auth.client.get("/admin/preservation/fixity").get_data(as_text=True)
    assert "固定性检查" in page and "存储中缺少该原件" in page
    assert (record.reference_code or f"#{record.id}") in page
    page = auth.client.get("/admin/preservation/fixity?lang=en").get_data(as_text=True)
    assert "Fixity checks" in page and "the original is missing from storage" in page


def test_only_admins_see_the_page(app: Flask, auth: AuthActions) -> None:
    auth.login("archivist")
    assert auth.client.get("/admin/preservation/fixity").status_code == 403
