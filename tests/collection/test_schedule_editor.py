"""The schedule editor in the portal: archivists add, change and delete lines (audited; tasks made
from a line are not made again), import and export XLSX; a bad value is shown on its own line in
the user's language and changes nothing; clerks and researchers cannot reach it."""

from __future__ import annotations

import io
import json

import openpyxl
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from archive.audit.service import CLI
from archive.catalog.audit import AuditEvent
from archive.catalog.collection import ScheduleLine
from archive.departments import save_department
from collection.schedules import load_starter
from tests.portal.conftest import AuthActions

LINE = {"department": "", "name": "校史资料", "keywords": "校史,校志", "category": "WS", "retention": "Y",
        "rule": "yearly", "due_month": "3", "due_day": "31", "within_days": "", "expected_count": "1"}


def _active(app: Flask) -> dict[str, ScheduleLine]:
    with app.extensions["lantai"].catalog.session() as db:
        lines = db.scalars(select(ScheduleLine).where(ScheduleLine.active)).all()
        for line in lines:
            db.expunge(line)
        return {line.name: line for line in lines}


def test_archivist_edits_the_schedule_line_by_line(app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    with app.extensions["lantai"].catalog.session() as db:
        save_department(db, code="BGS", name="办公室", actor=CLI)
        load_starter(db, "school", actor=CLI)
    auth.login("archivist")
    page = client.get("/collection/schedule").get_data(as_text=True)
    assert "校务会、党委会会议纪要" in page and page.count('data-line="') == 12  # 11 lines and the new one

    added = auth.post("/collection/schedule/lines", {**LINE, "department": "BGS", "schedule": "school"})
    assert added.status_code == 302
    line = _active(app)["校史资料"]
    assert (line.category_code, line.retention, line.schedule, line.position) == ("WS", "Y", "school", 12)

    # A bad value is shown on its own line (Chinese here), and nothing changes.
    bad = auth.post(f"/collection/schedule/lines/{line.id}", {**LINE, "retention": "一百年", "due_month": "13"})
    assert bad.status_code == 400
    body = bad.get_data(as_text=True)
    assert f'data-error-for="{line.id}"' in body and "一百年" in body and "截止月" in body
    assert 'value="13"' in body  # what was typed is kept in the form
    assert _active(app)["校史资料"].id == line.id

    changed = auth.post(f"/collection/schedule/lines/{line.id}", {**LINE, "department": "BGS", "retention": "D30"})
    assert changed.status_code == 302
    now = _active(app)["校史资料"]
    assert now.retention == "D30" and now.id == line.id and now.position == line.position  # changed in place
    assert auth.post(f"/collection/schedule/lines/{now.id}/delete").status_code == 302
    assert "校史资料" not in _active(app)
    with app.extensions["lantai"].catalog.session() as db:
        events = [json.loads(e.details) for e in db.scalars(select(AuditEvent).where(
            AuditEvent.action == "schedule_change", AuditEvent.actor_name == "archivist"))]
        assert [e["how"] for e in events] == ["add", "edit", "delete"]
        assert events[1]["fields"] == {"retention": ["Y", "D30"]}

    # Export, then import a workbook with a bad row: every bad row named, nothing replaced.
    exported = client.get("/collection/schedule.xlsx")
    assert exported.status_code == 200 and exported.data[:2] == b"PK"
    book = openpyxl.load_workbook(io.BytesIO(exported.data))
    sheet = book.active
    assert sheet is not None and sheet.max_row == 12
    sheet.cell(row=3, column=4, value="公文包")
    out = io.BytesIO()
    book.save(out)
    refused = auth.post("/collection/schedule/import", {"schedule": "school", "file": (io.BytesIO(out.getvalue()),
                                                                                       "表.xlsx")},
                        content_type="multipart/form-data")
    assert refused.status_code == 400
    assert "第 3 行" in refused.get_data(as_text=True) and "公文包" in refused.get_data(as_text=True)
    assert len(_active(app)) == 11


def test_errors_in_english_and_who_may_edit(app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    auth.login("archivist")
    client.set_cookie("lang", "en")
    bad = auth.post("/collection/schedule/lines", {**LINE, "category": "XX", "schedule": "default"})
    assert bad.status_code == 400
    body = bad.get_data(as_text=True)
    assert 'data-error-for="new"' in body and "Unknown category" in body and "Filing scope and retention" in body
    assert not _active(app)
    auth.logout()
    auth.login("researcher")
    assert client.get("/collection/schedule").status_code in (302, 403)
    assert auth.post("/collection/schedule/lines", LINE).status_code in (302, 403)
    assert not _active(app)


def test_changing_or_reimporting_a_schedule_does_not_make_tasks_again(app: Flask) -> None:
    import datetime as dt

    from archive.catalog.collection import FilingTask
    from collection.schedules import export_xlsx, import_xlsx, save_line
    from collection.tasks import derive_tasks

    today = dt.date(2024, 1, 2)
    with app.extensions["lantai"].catalog.session() as db:
        save_department(db, code="BGS", name="办公室", actor=CLI)
        load_starter(db, "school", actor=CLI)
        made = derive_tasks(db, today)
        assert made and all(t.period == "2023" for t in made if t.schedule_line and t.schedule_line.rule == "yearly")
        minutes = next(t for t in made if t.title == "校务会、党委会会议纪要")
        save_line(db, {**LINE, "name": minutes.title, "retention": "D30", "due_month": "4"},
                  line_id=minutes.schedule_line_id, actor=CLI)
        import_xlsx(db, "school", export_xlsx(db), actor=CLI)
        assert derive_tasks(db, today) == []
        tasks = db.scalars(select(FilingTask)).all()
        assert len(tasks) == len(made)
        task = next(t for t in tasks if t.id == minutes.id)
        assert (task.retention, task.due_date) == ("Y", dt.date(2024, 3, 31))  # the task keeps its own
