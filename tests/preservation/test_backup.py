"""Backup, verify and restore: SQLite to PostgreSQL and back, while the archive is in use."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from archive.access import Clearance
from archive.audit.service import CLI
from archive.catalog.audit import AuditEvent
from cli.main import main
from config.errors import InputError
from indexer.context import Lantai, set_current
from indexer.search.base import SearchRequest
from preservation import backup as backup_module
from preservation.backup import PGDUMP, create_backup
from preservation.manifest import INCOMPLETE, read_manifest
from preservation.restore import restore_backup
from preservation.verify import verify_backup
from tests.preservation.conftest import ingest_text, open_archive, other_catalog

EVERYONE = Clearance(frozenset({"open", "internal", "restricted", "secret"}))


def _hits(lantai: Lantai, query: str) -> set[int]:
    return {h.id for h in lantai.search.search(SearchRequest(clearance=EVERYONE, query=query, limit=100)).hits}


def test_backup_while_ingesting_restores_onto_the_other_database(
    source: Lantai, dialect: str, tmp_path: Path, databases: list[str]
) -> None:
    before = _hits(source, "归档")
    assert before
    more = threading.Thread(target=lambda: [
        ingest_text(source, tmp_path / "more", f"more{i}.txt", f"第{i}份补充材料：档案移交清册") for i in range(3)
    ])
    more.start()
    searching = threading.Thread(target=lambda: [_hits(source, "会议") for _ in range(5)])
    searching.start()
    report = create_backup(source, tmp_path / "backup", actor=CLI)
    more.join()
    searching.join()
    assert not report.problems and not (tmp_path / "backup" / INCOMPLETE).exists()
    assert (PGDUMP in report.manifest.files) == (dialect == "postgresql")
    assert verify_backup(tmp_path / "backup").ok

    target = open_archive(tmp_path / "restored", other_catalog(dialect, tmp_path, databases))
    set_current(target)
    try:
        restored = restore_backup(target, tmp_path / "backup", actor=CLI)
        assert restored.ok, [c.line for c in restored.checks if not c.ok]
        assert {c.name for c in restored.checks} >= {"originals", "counts", "audit chain", "checkpoint", "searches"}
        assert _hits(target, "归档") == before
        # The restore itself is on the restored audit trail, and the chain still holds.
        with target.catalog.session() as session:
            actions = list(session.scalars(select(AuditEvent.action)))
        assert actions[-1] == "restore"
        # A second restore onto the now non-empty archive is refused.
        with pytest.raises(InputError):
            restore_backup(target, tmp_path / "backup", actor=CLI)
    finally:
        target.close()
        set_current(source)


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_a_record_committed_but_not_yet_indexed_is_in_the_backups_searches(
    source: Lantai, tmp_path: Path, databases: list[str]
) -> None:
    """The index follows the catalog's commits: a backup taken in between indexes the snapshot's
    stragglers first, so its fixed searches are what the restore (which indexes all) finds."""
    straggler = ingest_text(source, tmp_path / "late", "late.txt", "刚提交尚未索引的档案")
    source.search.delete([straggler])  # as if the backup's snapshot came before its indexing
    report = create_backup(source, tmp_path / "backup", actor=CLI)
    everything = next(s for s in report.manifest.searches if s["query"] == "")
    assert straggler in everything["ids"]  # type: ignore[operator]
    target = open_archive(tmp_path / "restored", other_catalog("sqlite", tmp_path, databases))
    set_current(target)
    try:
        restored = restore_backup(target, tmp_path / "backup", actor=CLI)
        assert restored.ok, [c.line for c in restored.checks if not c.ok]
    finally:
        set_current(source)
        target.close()


def test_second_backup_copies_only_new_originals(source: Lantai, tmp_path: Path) -> None:
    first = create_backup(source, tmp_path / "backup", actor=CLI)
    assert first.copied == 3
    ingest_text(source, tmp_path / "in2", "new.txt", "新增的一份档案")
    second = create_backup(source, tmp_path / "backup", actor=CLI)
    assert (second.copied, second.present) == (1, 3)
    assert read_manifest(tmp_path / "backup").counts["records"] == 4


def test_interrupted_backup_is_incomplete_and_resumes(
    source: Lantai, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = backup_module.copy_verified
    calls: list[Path] = []

    def crash_on_second(src: Path, target: Path, sha256: str | None = None):  # type: ignore[no-untyped-def]
        calls.append(src)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the operator's Ctrl-C, or a power cut
        return real(src, target, sha256)

    monkeypatch.setattr(backup_module, "copy_verified", crash_on_second)
    with pytest.raises(KeyboardInterrupt):
        create_backup(source, tmp_path / "backup", actor=CLI)
    result = CliRunner().invoke(main, ["backup", "verify", str(tmp_path / "backup")])
    assert result.exit_code != 0 and "incomplete" in result.output
    monkeypatch.setattr(backup_module, "copy_verified", real)
    resumed = create_backup(source, tmp_path / "backup", actor=CLI)
    assert (resumed.copied, resumed.present) == (2, 1)
    assert verify_backup(tmp_path / "backup").ok


def test_verify_names_a_flipped_original_and_a_truncated_catalog(source: Lantai, tmp_path: Path) -> None:
    folder = tmp_path / "backup"
    create_backup(source, folder, actor=CLI)
    original = next((folder / "originals").rglob("*"))
    while original.is_dir():
        original = next(original.iterdir())
    data = bytearray(original.read_bytes())
    data[0] ^= 0x01
    original.chmod(0o644)
    original.write_bytes(bytes(data))
    catalog = folder / "catalog.sqlite3"
    catalog.write_bytes(catalog.read_bytes()[: catalog.stat().st_size // 2])
    result = CliRunner().invoke(main, ["backup", "verify", str(folder)])
    assert result.exit_code == 1
    assert original.name in result.output and "SHA-256 differs" in result.output
    assert "catalog.sqlite3 (truncated" in result.output


def test_derivatives_only_with_the_option(source: Lantai, tmp_path: Path) -> None:
    source.storage.put_derivative("records/1/page-0001.jpg", b"\xff\xd8 a page picture")
    plain = CliRunner().invoke(main, ["backup", "create", str(tmp_path / "plain")], obj=source)
    assert plain.exit_code == 0, plain.output
    assert not (tmp_path / "plain" / "derivatives").exists()
    full = CliRunner().invoke(main, ["backup", "create", "--with-derivatives", str(tmp_path / "full")], obj=source)
    assert full.exit_code == 0, full.output
    target = open_archive(tmp_path / "restored", None)
    set_current(target)
    try:
        result = CliRunner().invoke(main, ["backup", "restore", str(tmp_path / "full")], obj=target)
        assert result.exit_code == 0 and "Restore complete and verified" in result.output, result.output
        with target.storage.open_derivative("records/1/page-0001.jpg") as handle:
            assert handle.read() == b"\xff\xd8 a page picture"
    finally:
        target.close()
        set_current(source)
