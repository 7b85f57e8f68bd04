"""Item 4 of issue 11: errors a user can act on. No work-folder path in a record's message, no
library English inside the Chinese half, and the portal shows the reader's language only."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path
from typing import ClassVar

import pytest
from sqlalchemy import select

from archive.audit.service import CLI
from archive.catalog.collection import Transfer, TransferItem
from archive.catalog.models import Record
from archive.encryption import EncryptionKeyError, MasterKey
from archive.vocabulary import RecordStatus
from collection.checks import item_findings
from config.errors import LantaiError, without_work_paths
from indexer.context import Lantai
from indexer.extract.base import CorruptFile, ExtractContext, Extraction, extractor_for, register, unregister
from indexer.extract.detect import DOCX, ODT, XLSX
from indexer.inbox import InboxWatcher, error_path
from indexer.ingest import submit_file
from indexer.process import process_job
from portal.records.stamp import StampError, stamp
from preservation.backup import CATALOG
from preservation.catalog_copy import BackupError, pg_dump
from preservation.fixity import Throttle, check_one
from preservation.manifest import FORMAT, FORMAT_VERSION, MANIFEST, Manifest, read_manifest
from preservation.verify import check_catalog, check_checkpoint
from tests.conftest import DATA
from tests.extract import generate

ENGLISH_SENTENCE = re.compile(r"[A-Za-z]{2,} [A-Za-z]{2,} [A-Za-z]{2,}")


def broken_files(tmp_path: Path) -> dict[str, bytes]:
    """Damaged files whose library errors name the path they were read from."""
    png = (DATA / "black_font_color_transparent.png").read_bytes()
    return {
        "扫描件.png": png[: len(png) // 2],
        "合同.pdf": (DATA / "invalid.pdf").read_bytes(),
        "说明.tif": b"II*\x00" + b"\x00" * 40,
        "归档.zip": b"PK\x03\x04" + b"\x00" * 60,
    }


def test_a_damaged_file_is_named_not_its_work_path_and_the_chinese_is_chinese(
    lantai: Lantai, tmp_path: Path
) -> None:
    for name, data in broken_files(tmp_path).items():
        source = tmp_path / f"in-{len(data)}"
        source.write_bytes(data)
        submission = submit_file(lantai, source, filename=name, dispatch=False, actor=CLI)
        if submission.job_id is not None and submission.outcome == "queued":
            process_job(lantai, submission.job_id, dispatch_children=False)
        with lantai.catalog.session() as session:
            record = session.scalar(select(Record).where(Record.id == submission.record_id))
            assert record is not None and record.status == "failed", name
            message = record.error_message or ""
        zh, _sep, en = message.partition(" / ")
        assert "work-" not in message and str(lantai.settings.data_dir) not in message, message
        assert not ENGLISH_SENTENCE.search(zh), message
        assert zh and en, message


def test_work_paths_are_cut_to_the_file_name() -> None:
    error = LantaiError(
        "cannot identify image file '/srv/var/tmp/work-x1y2/original/扫描 1.png'",
        "无法读取 /srv/var/tmp/work-x1y2/original/扫描 1.png",
    )
    assert error.message_en == "cannot identify image file '扫描 1.png'"
    assert error.message_zh == "无法读取 扫描 1.png"
    assert without_work_paths("see https://example.org/a/b") == "see https://example.org/a/b"


def assert_chinese_half_is_chinese(error: LantaiError | None) -> None:
    """Both halves present; the library's English only in the English half."""
    assert error is not None
    assert error.message_zh and error.message_en, error.message
    typed = re.sub(r"`[^`]*`", "", error.message_zh)  # a command quoted to be typed is no library English
    assert not ENGLISH_SENTENCE.search(typed), error.message


def with_part(source: Path, target: Path, part: str, data: bytes) -> Path:
    """A copy of the ZIP-based document ``source`` whose ``part`` holds ``data``."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info.filename, data if info.filename == part else old.read(info.filename))
    return target


def bad_crc(source: Path, target: Path, part: str) -> Path:
    """A copy of ``source`` whose ``part`` is stored uncompressed with one byte changed, so its
    checksum fails."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as new:
        for info in old.infolist():
            new.writestr(info.filename, old.read(info.filename))
    data = bytearray(target.read_bytes())
    with zipfile.ZipFile(target) as zf:
        info = zf.getinfo(part)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + 10] ^= 0xFF
    target.write_bytes(bytes(data))
    return target


def extraction_errors(path: Path, mime: str, ctx: ExtractContext | None = None) -> list[LantaiError]:
    """Every error extracting ``path`` gives: raised, or carried by a page."""
    try:
        extraction = extractor_for(mime).extract(path, mime, ctx or ExtractContext(workdir=path.parent))
        return [page.error for page in extraction.pages if page.error is not None]
    except LantaiError as exc:
        return [exc]


def test_damaged_office_documents_say_in_chinese_what_is_wrong(tmp_path: Path) -> None:
    docx = generate.docx_file(tmp_path / "src.docx")
    xlsx = generate.xlsx_file(tmp_path / "src.xlsx")
    odt = generate.odt_file(tmp_path / "src.odt")
    cases = [
        (with_part(docx, tmp_path / "报告.docx", "word/document.xml", b"<w:document"), DOCX),
        (with_part(xlsx, tmp_path / "表格.xlsx", "xl/worksheets/sheet1.xml", b"<worksheet"), XLSX),
        (with_part(odt, tmp_path / "文本.odt", "content.xml", b"<office:document-content"), ODT),
        (bad_crc(docx, tmp_path / "校验.docx", "word/document.xml"), DOCX),
    ]
    truncated = tmp_path / "截断.docx"
    truncated.write_bytes(b"PK\x03\x04" + b"\x00" * 60)
    cases.append((truncated, DOCX))
    for path, mime in cases:
        errors = extraction_errors(path, mime)
        assert errors, path.name
        for error in errors:
            assert_chinese_half_is_chinese(error)


class _CrashingText:
    """A fault injected through the registry: a text reader whose library fails."""

    name: ClassVar[str] = "crashing-text"
    mime_types: ClassVar[frozenset[str]] = frozenset({"text/plain"})

    def extract(self, path: Path, mime_type: str, ctx: ExtractContext) -> Extraction:
        raise ValueError("the underlying library failed badly")


def test_a_mail_attachment_a_library_cannot_read_is_explained_in_chinese(tmp_path: Path) -> None:
    eml = generate.eml_file(tmp_path / "通知.eml", [("说明.txt", "附件正文".encode())])
    crashing = register(_CrashingText(), priority=1000)
    try:
        errors = extraction_errors(eml, "message/rfc822")
    finally:
        unregister(crashing)
    assert len(errors) == 1 and "说明.txt" in errors[0].message_zh
    assert "the underlying library failed badly" in errors[0].message_en
    assert_chinese_half_is_chinese(errors[0])


def test_a_download_that_cannot_be_stamped_is_explained_in_chinese() -> None:
    with pytest.raises(StampError) as info:
        stamp(io.BytesIO(b"%PDF-1.7\nnot really a PDF at all"), "application/pdf", "兰台 2026")
    assert_chinese_half_is_chinese(info.value)


def test_an_inbox_file_that_cannot_be_read_is_explained_in_chinese(lantai: Lantai, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    watcher = InboxWatcher(lantai, inbox)
    gone = inbox / "已移走.pdf"  # taken away between the scan that saw it and its submission
    watcher._take(gone)
    zh, _sep, en = error_path(gone).read_text(encoding="utf-8").strip().partition(" / ")
    assert "已移走.pdf" in zh and en, zh
    assert not ENGLISH_SENTENCE.search(zh), zh


def test_a_damaged_key_backup_or_catalog_copy_is_explained_in_chinese(tmp_path: Path) -> None:
    key_file = tmp_path / "master.key"
    key_file.write_text("this is not a key!", encoding="ascii")
    with pytest.raises(EncryptionKeyError) as key_error:
        MasterKey.load(key_file)
    assert_chinese_half_is_chinese(key_error.value)

    backup = tmp_path / "backup"
    backup.mkdir()
    (backup / MANIFEST).write_text(json.dumps({"format": FORMAT, "version": FORMAT_VERSION}), encoding="utf-8")
    with pytest.raises(BackupError) as backup_error:
        read_manifest(backup)
    assert_chinese_half_is_chinese(backup_error.value)
    assert "files" in backup_error.value.message_en and "files" not in backup_error.value.message_zh

    (backup / CATALOG).write_bytes(b"this file is not a database at all" * 100)
    manifest = Manifest("2026-11-30T00:00:00+00:00", "0", [], "sqlite", {}, {}, with_derivatives=False)
    [check] = check_catalog(backup, manifest)
    assert not check.ok and check.detail_en and check.detail_zh
    assert not ENGLISH_SENTENCE.search(check.detail_zh), check.detail_zh


def test_an_original_the_system_cannot_read_is_explained_in_chinese(
    lantai: Lantai, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored = lantai.storage.originals / "ab" / "abcdef"
    stored.parent.mkdir(parents=True, exist_ok=True)
    stored.write_bytes(b"an original")

    def refuse(key: str) -> io.BytesIO:  # a fault injected: storage that denies reading
        raise PermissionError(13, "Permission denied", str(stored))

    monkeypatch.setattr(lantai.storage, "open_original", refuse)
    problem = check_one(lantai, "ab/abcdef", "0" * 64, Throttle(0))
    assert problem is not None and "Permission denied" in problem.en
    assert "Permission" not in problem.zh and not ENGLISH_SENTENCE.search(problem.zh), problem.zh


def test_a_backup_without_its_checkpoint_files_is_explained_in_chinese(tmp_path: Path) -> None:
    check = check_checkpoint(tmp_path, 1, "0" * 64)
    assert not check.ok and "No such file" in check.detail_en
    assert not ENGLISH_SENTENCE.search(check.detail_zh), check.detail_zh


def test_a_failed_pg_dump_is_explained_in_chinese(tmp_path: Path) -> None:
    with pytest.raises(BackupError) as info:
        pg_dump("postgresql://127.0.0.1:5432/lantai_no_such_database_h11c", "00000003-1", tmp_path / "catalog.dump")
    assert "lantai_no_such_database_h11c" in info.value.message_en
    assert_chinese_half_is_chinese(info.value)


def test_a_transfer_item_that_does_not_open_is_reported_in_each_language(lantai: Lantai) -> None:
    failed = CorruptFile("This PDF file is corrupt and cannot be opened (trailer missing)",
                         "该 PDF 文件已损坏，无法打开")
    record = Record(status=RecordStatus.FAILED, error_code=failed.code, error_message=failed.message,
                    title="年度总结", creator="办公室", date=dt.date(2023, 3, 1), extra={})
    transfer = Transfer(submitted_by="办公室", submitted_at=dt.datetime(2023, 3, 2, 9, 0, tzinfo=dt.UTC))
    item = TransferItem(position=1, filename="年度总结.pdf", listed=True)
    [readable] = [f for f in item_findings(lantai, transfer, item, record, None) if f.check == "readable"]
    assert readable.zh == "文件无法打开：该 PDF 文件已损坏，无法打开"
    assert readable.en == "The file does not open: This PDF file is corrupt and cannot be opened (trailer missing)"
