"""The review pages: admins only, filters, pagination, charts, the record fragment and exports,
with hostile user input shown and exported safely."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from archive.audit.chain import record_event
from archive.catalog.accounts import User
from archive.catalog.audit import AuditEvent
from tests.audit.conftest import HOSTILE

FORMULA_PURPOSE = "=cmd|' /C calc'!A0"


def _user_id(app: Flask, username: str) -> int:
    with app.extensions["lantai"].catalog.session() as session:
        user_id = session.scalar(select(User.id).where(User.username == username))
        assert user_id is not None
        return int(user_id)


@pytest.fixture
def populated(app: Flask, make_record: Callable[..., int]) -> dict[str, Any]:
    """Two records and events by the researcher, the archivist and an anonymous visitor."""
    a = make_record("open", title="校史 <b>1958</b>", reference_code="J001-WS·2023-D30-BGS-0001", department="办公室")
    b = make_record("restricted", title="人事档案", reference_code="J001-RS·2023-Y-RSC-0002", department="人事处")
    researcher, archivist = _user_id(app, "researcher"), _user_id(app, "archivist")
    old = dt.datetime(2024, 3, 1, 8, 0, tzinfo=dt.UTC)
    plan: list[dict[str, Any]] = [
        {"action": "record_view", "actor_id": researcher, "actor_name": "researcher", "actor_role": "researcher",
         "object_type": "record", "object_id": a, "reference_code": "J001-WS·2023-D30-BGS-0001",
         "purpose": HOSTILE, "ip": "10.1.1.1"},
        {"action": "record_view", "actor_id": researcher, "actor_name": "researcher", "actor_role": "researcher",
         "object_type": "record", "object_id": a, "purpose": FORMULA_PURPOSE, "ip": "10.1.1.1"},
        {"action": "download", "actor_id": archivist, "actor_name": "archivist", "actor_role": "archivist",
         "object_type": "file", "object_id": "f1", "record_id": b, "reference_code": "J001-RS·2023-Y-RSC-0002",
         "details": {"form": "original", "file": "a.pdf"}, "ip": "10.2.2.2"},
        {"action": "search", "details": {"query": HOSTILE, "hits": 3}, "ip": "10.3.3.3", "occurred_at": old},
        {"action": "record_view", "actor_id": researcher, "actor_name": "researcher", "actor_role": "researcher",
         "object_type": "record", "object_id": b, "outcome": "denied", "ip": "10.1.1.1"},
    ]
    with app.extensions["lantai"].catalog.session() as session:
        for fields in plan:
            record_event(session, **fields)
    return {"a": a, "b": b, "researcher": researcher, "archivist": archivist}


def _rows(client: FlaskClient, query: str) -> str:
    response = client.get("/admin/audit/" + query)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _seqs(html: str) -> list[int]:
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    rows = [row for row in body.split("<tr")[1:] if "<td>" in row and "colspan" not in row]
    return [int(row.split("<td>")[1].split("</td>")[0]) for row in rows]


def test_only_admins_may_review(client: FlaskClient, auth: Any) -> None:
    assert client.get("/admin/audit/").status_code == 302  # anonymous: to the login page
    auth.login("researcher")
    assert client.get("/admin/audit/").status_code == 403
    assert client.get("/admin/audit/record/1").status_code == 403
    assert client.get("/admin/audit/export.csv").status_code == 403


def test_filters(client: FlaskClient, auth: Any, populated: dict[str, Any]) -> None:
    auth.login("admin")
    assert _seqs(_rows(client, "")) == [6, 5, 4, 3, 2, 1]  # 6: the admin's own login
    assert _seqs(_rows(client, "?user=researcher")) == [5, 2, 1]
    assert _seqs(_rows(client, f"?user={populated['archivist']}")) == [3]
    assert _seqs(_rows(client, f"?record={populated['b']}")) == [5, 3]
    assert _seqs(_rows(client, "?record=J001-WS·2023-D30-BGS-0001")) == [2, 1]
    assert _seqs(_rows(client, "?action=download")) == [3]
    assert _seqs(_rows(client, "?from=2024-03-01&to=2024-03-01")) == [4]
    assert _seqs(_rows(client, "?to=2024-12-31")) == [4]
    assert _seqs(_rows(client, "?ip=10.1.1.1")) == [5, 2, 1]
    assert _seqs(_rows(client, "?outcome=denied")) == [5]
    assert _seqs(_rows(client, "?action=not-an-action")) == [6, 5, 4, 3, 2, 1]  # ignored, not an error


def test_pagination(client: FlaskClient, auth: Any, populated: dict[str, Any]) -> None:
    auth.login("admin")
    first = _rows(client, "?limit=2")  # 6 is the admin's own login
    assert _seqs(first) == [6, 5] and "before=5" in first
    assert _seqs(_rows(client, "?limit=2&before=5")) == [4, 3]
    assert _seqs(_rows(client, "?limit=2&before=3")) == [2, 1]
    assert _seqs(_rows(client, "?limit=2&before=2")) == [1]


def test_hostile_input_is_escaped(client: FlaskClient, auth: Any, populated: dict[str, Any]) -> None:
    auth.login("admin")
    html = _rows(client, "")
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    record_page = _rows(client, "?record=J001-WS·2023-D30-BGS-0001")
    assert "<b>1958</b>" not in record_page and "&lt;b&gt;1958&lt;/b&gt;" in record_page
    assert "第一行\n" in html  # newlines are kept (shown by white-space: pre-wrap)
    assert "\x07" not in html and "\x1b" not in html and "␇␛[31m" in html  # control characters made visible


def test_charts_are_drawn_inline(client: FlaskClient, auth: Any, populated: dict[str, Any]) -> None:
    auth.login("admin")
    html = _rows(client, "")
    assert html.count("<svg class=\"audit-chart\"") == 3 and "<script" not in html.split("<main")[1].split("</main>")[0]
    assert "J001-WS·2023-D30-BGS-0001: 2" in html  # most viewed record, two views
    assert "人事处: 1" in html  # downloads by department


def test_who_accessed_this_record_and_user_history(client: FlaskClient, auth: Any, populated: dict[str, Any]) -> None:
    auth.login("admin")
    fragment = client.get(f"/admin/audit/record/{populated['a']}").get_data(as_text=True)
    assert "<html" not in fragment and _seqs(fragment) == [2, 1] and "researcher" in fragment
    history = client.get(f"/admin/audit/user/{populated['researcher']}").get_data(as_text=True)
    assert _seqs(history) == [5, 2, 1]


def test_csv_export_is_a_use_register_and_neutralises_formulas(app: Flask, client: FlaskClient, auth: Any,
                                                                 populated: dict[str, Any]) -> None:
    auth.login("admin")
    response = client.get("/admin/audit/export.csv?user=researcher")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["序号", "日期时间", "利用人", "角色", "档号", "题名", "利用方式", "利用目的", "结果", "IP"]
    assert [r[0] for r in rows[1:]] == ["1", "2", "3"]
    first = rows[1]
    assert first[2:7] == ["researcher", "利用者", "J001-WS·2023-D30-BGS-0001", "校史 <b>1958</b>", "查阅"]
    assert first[7] == HOSTILE  # exact text, quoted
    assert rows[2][7] == "'" + FORMULA_PURPOSE  # never evaluated by a spreadsheet
    assert rows[3][8] == "拒绝"
    with app.extensions["lantai"].catalog.session() as session:
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert last is not None and last.action == "audit_export" and last.actor_name == "admin"


def test_xlsx_export(client: FlaskClient, auth: Any, populated: dict[str, Any]) -> None:
    auth.login("admin")
    response = client.get("/admin/audit/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet is not None
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "序号" and len(values) == 8  # five events, the admin's login and the export's own event
    purposes = [row[7] for row in values[1:]]
    assert "'" + FORMULA_PURPOSE in purposes
    hostile = next(p for p in purposes if p and p.startswith("第一行"))
    assert "\\x07" in hostile and "<script>" in hostile  # control character spelled out, text kept
    download = next(row for row in values[1:] if row[6] and row[6].startswith("下载"))
    assert download[6] == "下载（原件）" and download[5] == "人事档案"
