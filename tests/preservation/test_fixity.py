"""Fixity: a flipped byte, a deleted original and a changed catalog hash are each caught and named."""

from __future__ import annotations

import datetime as dt
from email.header import decode_header, make_header
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from archive.accounts import create_user
from archive.audit.service import CLI
from archive.catalog.audit import AuditEvent
from archive.catalog.models import OriginalFile
from archive.catalog.preservation import FixityState
from archive.clock import FixedClock
from archive.vocabulary import Role
from cli.main import main
from cli.schedule import register_all
from indexer.context import Lantai, set_current
from indexer.periodic import registered, run_due
from preservation.fixity import Throttle, run_check, scheduled_pass
from tests.conftest import make_settings
from tests.preservation.conftest import TEXTS, ingest_text
from tests.smtp import Inbox


def _original(lantai: Lantai, name: str) -> tuple[int, Path]:
    with lantai.catalog.session() as session:
        row = session.scalars(select(OriginalFile).where(OriginalFile.original_filename == name)).one()
        return row.record_id, lantai.storage.originals / row.storage_key


def _flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.chmod(0o644)
    path.write_bytes(bytes(data))


def test_flipped_byte_is_named_by_fixity_check(source: Lantai) -> None:
    record_id, path = _original(source, "minutes.txt")
    _flip(path)
    result = CliRunner().invoke(main, ["fixity", "check", "--all"], obj=source)
    assert result.exit_code == 1, result.output
    assert f"record {record_id}" in result.output and "the file was changed" in result.output
    assert "checked 3, passed 2, failed 1" in result.output
    with source.catalog.session() as session:
        alerts = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "fixity_alert")))
        assert [a.record_id for a in alerts] == [record_id]
        assert session.scalar(select(AuditEvent.action).order_by(AuditEvent.seq.desc()).limit(1)) == "fixity_check"
    runs = CliRunner().invoke(main, ["fixity", "runs"], obj=source)
    assert "failed 1" in runs.output and "never checked: 0" in runs.output


def test_missing_original_and_changed_catalog_hash_are_told_apart(source: Lantai) -> None:
    gone, path = _original(source, "notice.txt")
    path.unlink()
    changed, _ = _original(source, "report.txt")
    with source.catalog.session() as session:
        session.execute(update(OriginalFile).where(OriginalFile.record_id == changed).values(sha256="0" * 64))
    run = run_check(source, "all", actor=CLI)
    problems = {f["record_id"]: f["problem_en"] for f in run.failures}
    assert problems == {
        gone: "the original is missing from storage",
        changed: "the catalog's SHA-256 was changed (the file still matches its storage key)",
    }
    assert (run.checked, run.passed, run.failed) == (3, 1, 2)


def test_bad_options_are_refused(source: Lantai) -> None:
    result = CliRunner().invoke(main, ["fixity", "check"], obj=source)
    assert result.exit_code == 2 and "--all" in result.output


def test_scheduled_pass_checks_every_original_once_per_cycle(tmp_path: Path) -> None:
    lantai = Lantai(make_settings(tmp_path / "var", fixity_cycle_days="3", fixity_read_mb_per_second="0"))
    lantai.catalog.upgrade()
    set_current(lantai)
    try:
        for name, body in TEXTS.items():
            ingest_text(lantai, tmp_path / "in", name, body)
        register_all()
        task = next(t for t in registered() if t.name == "fixity_daily")
        clock = FixedClock(dt.datetime(2030, 1, 1, 3, 0))
        seen: list[set[int]] = []
        for _day in range(3):
            assert "checked 1, passed 1, failed 0" in (run_due(lantai, clock, [task])["fixity_daily"] or "")
            with lantai.catalog.session() as session:
                seen.append({s.original_id for s in session.scalars(
                    select(FixityState).where(FixityState.checked_at == clock.now()))})
            assert run_due(lantai, clock, [task]) == {}  # not due again the same day
            clock.advance(days=1)
        assert len(set.union(*seen)) == 3  # each original once in the cycle of three days
    finally:
        set_current(None)
        lantai.close()


def test_admins_are_mailed_about_a_failure(tmp_path: Path, smtp: tuple[str, Inbox]) -> None:
    url, inbox = smtp
    lantai = Lantai(make_settings(tmp_path / "var", smtp_url=url))
    lantai.catalog.upgrade()
    set_current(lantai)
    try:
        record_id = ingest_text(lantai, tmp_path / "in", "a.txt", "待检测的档案")
        with lantai.catalog.session() as session:
            create_user(session, "admin", "a-long-password-1", Role.ADMIN, actor=CLI, email="admin@school.example")
            create_user(session, "reader", "a-long-password-2", Role.RESEARCHER, actor=CLI, email="r@school.example")
        _flip(_original(lantai, "a.txt")[1])
        run_check(lantai, "sample", sample=5, actor=CLI)
        assert [m["To"] for m in inbox.messages] == ["admin@school.example"]
        body = inbox.messages[0].get_payload(decode=True).decode("utf-8")
        assert f"record {record_id}" in body and "文件已被改动" in body
    finally:
        set_current(None)
        lantai.close()


def test_read_rate_is_bounded() -> None:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    throttle = Throttle(10.0, sleep=sleep, monotonic=lambda: now[0])  # 10 MB/s
    for _ in range(5):
        throttle.read(4_000_000)
        now[0] += 0.1  # hashing a chunk takes a tenth of a second
    assert now[0] == pytest.approx(2.1)  # 20 MB at 10 MB/s: two seconds, plus the last chunk's hashing


def test_low_free_space_is_mailed_to_admins(tmp_path: Path, smtp: tuple[str, Inbox]) -> None:
    url, inbox = smtp
    lantai = Lantai(make_settings(tmp_path / "var", smtp_url=url, free_space_warn_percent="100"))
    lantai.catalog.upgrade()
    try:
        with lantai.catalog.session() as session:
            create_user(session, "admin", "a-long-password-1", Role.ADMIN, actor=CLI, email="admin@school.example")
        report = scheduled_pass(lantai, dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
        assert "(LOW)" in report
        subjects = [str(make_header(decode_header(m["Subject"]))) for m in inbox.messages]
        assert len(subjects) == 1 and "数据盘空间不足" in subjects[0]
    finally:
        lantai.close()
