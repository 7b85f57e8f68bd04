"""Every command that reads or changes records leaves the audit events of its web counterpart,
with the actor ``cli`` (an operator at the server, who sees what an administrator sees)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from archive.catalog.audit import AuditEvent
from archive.catalog.models import Record
from tests.portal.conftest import LantaiRunner
from tests.portal.sample_records import add_record

CODE = "J001-WS·2023-D30-BGS-0001"


def events(app: Flask, after: int = 0) -> list[tuple[str, str | None, str | None, int | None, dict[str, Any]]]:
    """(action, actor, role, record id, details) of the events after ``after``."""
    with app.extensions["lantai"].catalog.session() as db:
        rows = db.scalars(select(AuditEvent).where(AuditEvent.seq > after).order_by(AuditEvent.seq))
        return [(e.action, e.actor_name, e.actor_role, e.record_id, json.loads(e.details)) for e in rows]


def last(app: Flask) -> int:
    with app.extensions["lantai"].catalog.session() as db:
        return int(db.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1)) or 0)


@pytest.fixture
def world(app: Flask) -> tuple[Flask, LantaiRunner, int]:
    record = add_record(app, [["招生 工作 通知"]], access_level="internal", reference_code=CODE)
    return app, LantaiRunner(app), record.id


def run(runner: LantaiRunner, *args: str) -> str:
    result = runner.invoke(list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_search(world: tuple[Flask, LantaiRunner, int]) -> None:
    app, runner, record_id = world
    before = last(app)
    run(runner, "search", "招生", "--json")
    [(action, actor, role, _rid, details)] = events(app, before)
    assert (action, actor, role) == ("search", "cli", "system")
    assert (details["query"], details["hits"], details["shown"], details["via"]) == ("招生", 1, [record_id], "cli")


def test_records_show(world: tuple[Flask, LantaiRunner, int]) -> None:
    app, runner, record_id = world
    before = last(app)
    output = run(runner, "records", "show", str(record_id))
    assert "招生 工作 通知" in output
    [(action, actor, role, rid, details)] = events(app, before)
    assert (action, actor, role, rid, details["readable"]) == ("record_view", "cli", "system", record_id, True)


def test_records_show_of_a_secret_record_is_its_entry_only(app: Flask) -> None:
    record = add_record(app, [["绝密正文 不可外泄"]], access_level="secret", classification="绝密", title="密件")
    output = run(LantaiRunner(app), "records", "show", str(record.id), "--json")
    assert "不可外泄" not in output and json.loads(output)["pages"] == [] and "密件" in output


def test_records_set(world: tuple[Flask, LantaiRunner, int]) -> None:
    app, runner, record_id = world
    before = last(app)
    run(runner, "records", "set", str(record_id), "note=复核", "creator=长沙市财政局")
    found = events(app, before)
    assert {(a, actor, d["field"], d["via"]) for a, actor, _r, _rid, d in found} == {
        ("metadata_edit", "cli", "note", "cli"), ("metadata_edit", "cli", "creator", "cli")}


def test_records_set_reports_a_bad_value_and_changes_nothing(world: tuple[Flask, LantaiRunner, int]) -> None:
    app, runner, record_id = world
    before = last(app)
    result = runner.invoke(["records", "set", str(record_id), "note=x", "retention=D99"])
    assert result.exit_code != 0 and "保管期限" in result.output and "retention" in result.output.lower()
    assert events(app, before) == []
    with app.extensions["lantai"].catalog.session() as db:
        record = db.get(Record, record_id)
        assert record is not None and record.note is None


def test_describe_import(world: tuple[Flask, LantaiRunner, int], tmp_path: Path) -> None:
    app, runner, record_id = world
    sheet = tmp_path / "import.csv"
    sheet.write_text(f"记录号,附注\n{record_id},导入的附注\n", encoding="utf-8")
    before = last(app)
    run(runner, "describe", "import", str(sheet))
    [(action, actor, _role, rid, details)] = events(app, before)
    assert (action, actor, rid, details["field"], details["via"]) == ("metadata_edit", "cli", record_id, "note",
                                                                       "import")


def test_describe_export(world: tuple[Flask, LantaiRunner, int], tmp_path: Path) -> None:
    app, runner, _record_id = world
    before = last(app)
    run(runner, "describe", "export", "--fonds", "J001", "-o", str(tmp_path / "目录.xlsx"))
    [(action, actor, _role, _rid, details)] = events(app, before)
    assert (action, actor, details["what"], details["fonds"], details["via"]) == (
        "export", "cli", "catalogue", "J001", "cli")


def test_ingest(app: Flask, tmp_path: Path) -> None:
    source = tmp_path / "三号.txt"
    source.write_text("三号文件\n", encoding="utf-8")
    before = last(app)
    run(LantaiRunner(app), "ingest", str(source))
    [(action, actor, _role, rid, details)] = events(app, before)
    assert (action, actor, details["channel"], details["file"]) == ("ingest", "cli", "cli", "三号.txt")
    assert rid is not None


def test_users(app: Flask) -> None:
    runner = LantaiRunner(app)
    before = last(app)
    run(runner, "users", "add", "ada", "--role", "archivist", "--password", "ada-password-1")
    run(runner, "users", "set-role", "ada", "researcher")
    run(runner, "users", "passwd", "ada", "--password", "ada-password-2")
    run(runner, "users", "disable", "ada")
    run(runner, "users", "enable", "ada")
    run(runner, "users", "token", "ada")
    actions = [(a, actor, role) for a, actor, role, _rid, _d in events(app, before)]
    assert actions == [(a, "cli", "system") for a in ("user_create", "role_change", "password_reset",
                                                      "user_disable", "user_enable", "token_create")]


def test_audit_export(app: Flask, tmp_path: Path) -> None:
    before = last(app)
    run(LantaiRunner(app), "audit", "export", "--format", "csv", "-o", str(tmp_path / "登记.csv"))
    [(action, actor, _role, _rid, details)] = events(app, before)
    assert (action, actor, details["format"]) == ("audit_export", "cli", "csv")
