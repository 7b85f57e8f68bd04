"""Ingest end to end: the CLI over real files, manifests, duplicates, reruns and the inbox.
Every good file ends with text per page; every broken one fails on its own record with a
reason in Chinese and English; the batch goes on; originals are never changed."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from archive.audit.service import CLI
from archive.catalog.models import Job, Record
from cli.main import main
from indexer.context import Lantai
from indexer.inbox import InboxWatcher, error_path, report_path
from indexer.ingest import submit_file
from indexer.process import process_job
from tests.conftest import DATA

PDFS = DATA


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _records(lantai: Lantai) -> dict[str, Record]:
    with lantai.catalog.session() as session:
        records = session.scalars(select(Record)).all()
        for record in records:
            _ = record.pages, record.files
        return {r.original.original_filename: r for r in records if r.original}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def inbox_files(tmp_path: Path) -> Path:
    """A folder of good and broken files as an office scanner share would hold."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "通知.txt").write_bytes("关于做好档案归档工作的通知\n各部门：请按时移交。".encode("gb18030"))
    (folder / "empty.pdf").write_bytes(b"")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "inside a zip")
    (folder / "really-a-zip.pdf").write_bytes(buffer.getvalue())
    (folder / "truncated.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01")
    (folder / "说明.md").write_text("# 归档说明\n\n纸质与电子文件同步归档。", encoding="utf-8")
    sub = folder / "sub"
    sub.mkdir()
    shutil.copy(PDFS / "simple3.pdf", sub / "simple3.pdf")
    return folder


def test_cli_ingest_reports_every_file_and_goes_on(lantai: Lantai, inbox_files: Path) -> None:
    before = {p: _sha(p) for p in inbox_files.rglob("*") if p.is_file()}
    env = {"LANTAI_DATA_DIR": str(lantai.settings.data_dir)}
    result = CliRunner().invoke(main, ["ingest", str(inbox_files), "--inline", "--workers", "1"], env=env)
    assert result.exit_code == 1, result.output  # some files failed
    assert "失败 failed: 3" in result.output and "入库 ingested: 3" in result.output
    records = _records(lantai)
    assert records["通知.txt"].status == "done"
    assert "各部门：请按时移交" in records["通知.txt"].pages[0].text  # GB18030 read correctly
    assert "Hello" in records["simple3.pdf"].pages[0].text
    assert "纸质与电子文件同步归档" in records["说明.md"].pages[0].text  # Markdown is read as text
    for name in ("empty.pdf", "really-a-zip.pdf", "truncated.png"):
        record = records[name]
        assert record.status == "failed", name
        message = record.error_message or ""
        assert re.search(r"[\u4e00-\u9fff]", message) and re.search(r"[A-Za-z]{4}", message), message
    assert "ZIP" in (records["really-a-zip.pdf"].error_message or "").upper()
    assert "truncated.png" in (records["truncated.png"].error_message or "")  # named as the user knows it
    # Originals are stored unchanged, and the source files were not touched either.
    for record in records.values():
        stored = lantai.storage.original_path(record.original.storage_key)
        assert _sha(stored) == record.original.sha256
    assert before == {p: _sha(p) for p in inbox_files.rglob("*") if p.is_file()}

    again = CliRunner().invoke(main, ["ingest", str(inbox_files), "--inline", "--workers", "1"], env=env)
    assert "重复 duplicates: 3" in again.output  # what was done is skipped
    with lantai.catalog.session() as session:
        extra = session.scalars(select(Record).where(Record.id > max(r.id for r in records.values()))).all()
        assert not extra, [(r.id, r.original.original_filename if r.original else None, r.status) for r in extra]


def test_manifest_metadata_in_chinese_headers(lantai: Lantai, tmp_path: Path) -> None:
    shutil.copy(PDFS / "simple3.pdf", tmp_path / "a.pdf")
    manifest = tmp_path / "清单.csv"
    with manifest.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["文件", "题名", "日期", "全宗号", "门类", "机构", "保管期限", "密级/开放", "责任者", "文号", "自定义列"]
        )
        writer.writerow(
            [
                "a.pdf",
                "测试题名",
                "2023年5月12日",
                "J001",
                "文书",
                "办公室",
                "永久",
                "公开",
                "教育局",
                "长教发〔2023〕12号",
                "保留我",
            ]
        )
        writer.writerow(["missing.pdf", "不存在的文件", "", "", "", "", "", "", "", "", ""])
    env = {"LANTAI_DATA_DIR": str(lantai.settings.data_dir)}
    result = CliRunner().invoke(main, ["ingest", "--manifest", str(manifest), "--inline", "--workers", "1"], env=env)
    assert result.exit_code == 1 and "missing.pdf" in result.output
    record = _records(lantai)["a.pdf"]
    assert record.title == "测试题名" and str(record.date) == "2023-05-12" and record.year == 2023
    assert (record.fonds_code, record.category_code, record.retention) == ("J001", "WS", "Y")
    assert record.access_level == "open" and record.doc_number == "长教发〔2023〕12号"
    assert record.extra["supplied"]["自定义列"] == "保留我"  # every column is kept


def test_same_bytes_twice_is_a_duplicate_of_the_first_record(lantai: Lantai, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("同一份文件", encoding="utf-8")
    (tmp_path / "b.txt").write_text("同一份文件", encoding="utf-8")
    first = submit_file(lantai, tmp_path / "a.txt", dispatch=False, actor=CLI)
    second = submit_file(lantai, tmp_path / "b.txt", dispatch=False, actor=CLI)
    assert first.outcome == "queued" and second.outcome == "duplicate"
    assert second.record_id == first.record_id


def test_processing_twice_records_the_result_once(lantai: Lantai, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("归档文件目录", encoding="utf-8")
    submission = submit_file(lantai, tmp_path / "a.txt", dispatch=False, actor=CLI)
    assert submission.job_id
    first = process_job(lantai, submission.job_id, dispatch_children=False)
    second = process_job(lantai, submission.job_id, dispatch_children=False)
    assert first.status == second.status == "done"
    with lantai.catalog.session() as session:
        job = session.get(Job, submission.job_id)
        assert job is not None and job.attempts == 1
        record = session.get(Record, submission.record_id)
        assert record is not None and [p.number for p in record.pages] == [1]


def test_inbox_takes_settled_files_and_writes_reports(lantai: Lantai, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    watcher = InboxWatcher(lantai, inbox)
    growing = inbox / "scan.txt"
    growing.write_text("第一部分", encoding="utf-8")
    assert watcher.scan(now=0.0) == []  # first sight: wait for it to settle
    with growing.open("a", encoding="utf-8") as handle:
        handle.write("，第二部分")  # still being written
    assert watcher.scan(now=5.0) == []  # changed since last look: not taken early
    (inbox / "empty.txt").write_bytes(b"")
    watcher.scan(now=6.0)
    taken = watcher.scan(now=10.0)
    assert sorted(p.name for p in taken) == ["empty.txt", "scan.txt"]
    report = json.loads(report_path(growing).read_text(encoding="utf-8"))
    assert report["status"] == "queued" and report["record_id"]
    assert "文件为空" in error_path(inbox / "empty.txt").read_text(encoding="utf-8")
    process_job(lantai, report["job_id"], dispatch_children=False)
    watcher.scan(now=11.0)
    final = json.loads(report_path(growing).read_text(encoding="utf-8"))
    assert final["status"] == "done" and final["pages"] == 1
    with lantai.catalog.session() as session:
        record = session.get(Record, report["record_id"])
        assert record is not None and record.pages[0].text == "第一部分，第二部分"


def test_a_manifest_password_is_never_in_the_catalog_in_clear(lantai: Lantai) -> None:
    """The password of an encrypted PDF opens it on the worker, but the catalog (jobs included) never holds it."""
    from archive.catalog.models import Job
    from tests.extract.conftest import data_file

    source = data_file("libreoffice-writer-password.pdf")
    submission = submit_file(lantai, source, metadata={"密码": "openpassword"}, dispatch=False, actor=CLI)
    assert submission.job_id is not None
    database = Path(lantai.catalog.engine.url.database or "")

    def catalog_bytes() -> bytes:
        lantai.catalog.dispose()  # everything written through to the files
        return b"".join(p.read_bytes() for p in database.parent.glob(database.name + "*"))

    assert b"openpassword" not in catalog_bytes()
    with lantai.catalog.session() as session:
        job = session.get(Job, submission.job_id)
        assert job is not None and "password_sealed" in job.result["options"]
    outcome = process_job(lantai, submission.job_id, dispatch_children=False)
    assert outcome.status == "done" and outcome.pages == 1  # the sealed password opened it
    with lantai.catalog.session() as session:
        job = session.get(Job, submission.job_id)
        assert job is not None and "options" not in job.result  # gone once the job ended
    assert b"openpassword" not in catalog_bytes()
