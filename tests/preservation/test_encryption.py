"""Encryption at rest: no text of a secret record in the stored files, wrong keys stop start-up,
rotation re-wraps without re-encrypting, and fixity, backup and restore work through it."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from archive.audit.service import CLI
from archive.catalog.models import OriginalFile, Page
from archive.encryption import HEADER, EncryptionKeyError, MasterKey
from cli.main import main
from indexer.context import Lantai, set_current
from indexer.ingest import submit_file
from indexer.process import process_job
from preservation.backup import create_backup
from preservation.fixity import run_check
from preservation.restore import restore_backup
from preservation.verify import verify_backup
from tests.conftest import DATA, make_settings

SECRET = "绝密文件：核心机密代号青龙计划"


def _open(data_dir: Path, key_file: Path | None) -> Lantai:
    overrides = {"encryption_key_file": str(key_file)} if key_file else {}
    lantai = Lantai(make_settings(data_dir, **overrides))
    lantai.catalog.upgrade()
    set_current(lantai)
    return lantai


def _ingest(lantai: Lantai, path: Path, **metadata: str) -> int:
    submission = submit_file(lantai, path, dispatch=False, actor=CLI, metadata=metadata or None)
    assert submission.job_id and submission.record_id
    process_job(lantai, submission.job_id, dispatch_children=False)
    return submission.record_id


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    """A master key kept outside the data dir."""
    path = tmp_path / "keys" / "master.key"
    result = CliRunner().invoke(main, ["keys", "create", str(path)])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def encrypted(tmp_path: Path, key_file: Path) -> Iterator[Lantai]:
    """An encrypted archive holding a secret text and a PDF."""
    lantai = _open(tmp_path / "var", key_file)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "secret.txt").write_text(SECRET, encoding="utf-8")
    _ingest(lantai, tmp_path / "in" / "secret.txt", classification="绝密")
    _ingest(lantai, DATA / "pdflatex-4-pages.pdf")
    yield lantai
    set_current(None)
    lantai.close()


def _grep(folder: Path, text: str) -> list[str]:
    found = subprocess.run(["grep", "-rlaF", text, str(folder)], capture_output=True, text=True, check=False)
    return found.stdout.split()


def test_stored_files_hold_no_text_and_read_back_identical(encrypted: Lantai) -> None:
    data = encrypted.settings.data_dir
    for folder in ("originals", "derivatives", "index", "tmp"):
        assert _grep(data / folder, "青龙计划") == [], folder
    assert _grep(data / "originals", "%PDF") == []  # the PDF too is stored sealed
    with encrypted.catalog.session() as session:
        named = OriginalFile.original_filename == "pdflatex-4-pages.pdf"
        pdf = session.scalars(select(OriginalFile).where(named)).one()
        with encrypted.storage.open_original(pdf.storage_key) as handle:
            assert handle.read() == (DATA / "pdflatex-4-pages.pdf").read_bytes()
        assert encrypted.storage.original_sha256(pdf.storage_key) == pdf.sha256


def test_wrong_or_missing_key_stops_start_up(encrypted: Lantai, tmp_path: Path) -> None:
    data = encrypted.settings.data_dir
    other = tmp_path / "other.key"
    MasterKey.create(other)
    with pytest.raises(EncryptionKeyError, match="not the key"):
        Lantai(make_settings(data, encryption_key_file=str(other)))
    with pytest.raises(EncryptionKeyError, match="holds encrypted files"):
        Lantai(make_settings(data))
    with pytest.raises(EncryptionKeyError, match="does not exist"):
        Lantai(make_settings(data, encryption_key_file=str(tmp_path / "nowhere.key")))
    result = subprocess.run(
        [".venv/bin/lantai", "records", "list"], capture_output=True, text=True, check=False,
        env={"LANTAI_DATA_DIR": str(data), "LANTAI_ENCRYPTION_KEY_FILE": str(other), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 78 and "加密密钥" in result.stderr and "not the key" in result.stderr


def test_rotation_rewraps_without_reencrypting(encrypted: Lantai, tmp_path: Path, key_file: Path) -> None:
    stored = sorted(p for p in encrypted.storage.originals.rglob("*") if p.is_file())
    bodies = {p: p.read_bytes()[HEADER:] for p in stored}
    new = tmp_path / "keys" / "next.key"
    assert CliRunner().invoke(main, ["keys", "create", str(new)]).exit_code == 0
    result = CliRunner().invoke(main, ["keys", "rotate", str(new)], obj=encrypted)
    assert result.exit_code == 0, result.output
    assert {p: p.read_bytes()[HEADER:] for p in stored} == bodies  # bodies untouched
    data = encrypted.settings.data_dir
    with pytest.raises(EncryptionKeyError):
        Lantai(make_settings(data, encryption_key_file=str(key_file)))
    rotated = Lantai(make_settings(data, encryption_key_file=str(new)))
    try:
        run = run_check(rotated, "all", actor=CLI)
        assert (run.checked, run.failed) == (2, 0)
    finally:
        rotated.close()


def test_fixity_names_a_flipped_byte_in_a_sealed_original(encrypted: Lantai) -> None:
    with encrypted.catalog.session() as session:
        secret = session.scalars(select(OriginalFile).where(OriginalFile.original_filename == "secret.txt")).one()
    path = encrypted.storage.originals / secret.storage_key
    data = bytearray(path.read_bytes())
    data[HEADER + 3] ^= 0x01
    path.chmod(0o644)
    path.write_bytes(bytes(data))
    run = run_check(encrypted, "all", actor=CLI)
    assert [(f["record_id"], f["problem_en"]) for f in run.failures] == [
        (secret.record_id, "the file's SHA-256 differs from the catalog's (the file was changed)")
    ]


def test_encrypted_backup_restores_with_its_key(encrypted: Lantai, tmp_path: Path, key_file: Path) -> None:
    report = create_backup(encrypted, tmp_path / "backup", actor=CLI)
    assert not report.problems
    assert _grep(tmp_path / "backup" / "originals", "青龙计划") == []  # the backup's originals stay sealed
    target = _open(tmp_path / "restored", key_file)
    try:
        restored = restore_backup(target, tmp_path / "backup", actor=CLI)
        assert restored.ok, [c.line for c in restored.checks if not c.ok]
    finally:
        target.close()
        set_current(encrypted)


def test_encrypted_backup_is_incremental(encrypted: Lantai, tmp_path: Path) -> None:
    first = create_backup(encrypted, tmp_path / "backup", actor=CLI)
    second = create_backup(encrypted, tmp_path / "backup", actor=CLI)
    assert (first.copied, second.copied, second.present) == (2, 0, 2)
    assert verify_backup(tmp_path / "backup").ok


def test_restore_refuses_a_sealed_backup_without_its_key(encrypted: Lantai, tmp_path: Path) -> None:
    create_backup(encrypted, tmp_path / "backup", actor=CLI)
    for key_file in (None, tmp_path / "other.key"):
        if key_file is not None:
            MasterKey.create(key_file)
        target = _open(tmp_path / f"restored-{key_file is None}", key_file)
        try:
            with pytest.raises(EncryptionKeyError, match="encrypted under key"):
                restore_backup(target, tmp_path / "backup", actor=CLI)
            assert not any(p.is_file() for p in target.storage.originals.rglob("*"))  # nothing copied
        finally:
            target.close()
            set_current(encrypted)


BODY = "内部通知\n正文：核心机密代号白虎计划，请严格保密。\n"


def test_no_text_of_a_secret_record_anywhere_in_the_data_dir(tmp_path: Path, key_file: Path) -> None:
    """The catalog (inside the data dir by default) holds page text and word boxes sealed; the
    record still reads its text; rotation seals them under the new key; grep finds nothing."""
    lantai = _open(tmp_path / "var", key_file)
    try:
        (tmp_path / "in").mkdir()
        (tmp_path / "in" / "notice.txt").write_text(BODY, encoding="utf-8")
        record_id = _ingest(lantai, tmp_path / "in" / "notice.txt", classification="绝密")
        data = lantai.settings.data_dir
        assert _grep(data, "白虎计划") == []
        with lantai.catalog.session() as session:
            page = session.scalars(select(Page).where(Page.record_id == record_id)).one()
            assert "白虎计划" in page.text
        new = tmp_path / "keys" / "next.key"
        assert CliRunner().invoke(main, ["keys", "create", str(new)]).exit_code == 0
        result = CliRunner().invoke(main, ["keys", "rotate", str(new)], obj=lantai)
        assert result.exit_code == 0, result.output
        assert _grep(data, "白虎计划") == []
    finally:
        set_current(None)
        lantai.close()
    rotated = Lantai(make_settings(tmp_path / "var", encryption_key_file=str(new)))
    try:
        with rotated.catalog.session() as session:
            page = session.scalars(select(Page).where(Page.record_id == record_id)).one()
            assert "白虎计划" in page.text
    finally:
        rotated.close()
