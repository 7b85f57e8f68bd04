"""Results you can keep: CSV/XLSX export of the result list, per-page selector, out-of-range pages
clamped to the last page, print buttons and stylesheet."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable

from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import select

from archive.catalog.audit import AuditEvent
from tests.portal.conftest import AuthActions
from tests.portal.sample_records import add_record


def _many(app: Flask, n: int, access: str = "open") -> list[int]:
    return [
        add_record(
            app,
            [[f"正文 第{i}件"]],
            access_level=access,
            images=False,
            title=f"导出测试{i:02d}",
            reference_code=f"J001-WS·2023-D30-BGS-{i:04d}",
        ).id
        for i in range(1, n + 1)
    ]


def test_csv_export_lists_every_hit_with_the_columns(app: Flask) -> None:
    ids = _many(app, 25)
    add_record(app, [["正文"]], access_level="internal", images=False, title="导出测试内部")
    response = app.test_client().get("/search/export/results.csv?q=导出测试&sort=title")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["档号", "题名", "日期", "机构", "页数", "链接"]
    assert len(rows) == 26  # every page, not only the first; the internal record is not the public's
    assert rows[1][:5] == ["J001-WS·2023-D30-BGS-0001", "导出测试01", "2023-05-12", "办公室", "1"]
    assert rows[1][5] == f"http://localhost/records/{ids[0]}"


def test_xlsx_export_in_english_and_formulas_kept_as_text(app: Flask) -> None:
    add_record(app, [["正文"]], images=False, title='=HYPERLINK("http://x")导出')
    response = app.test_client().get("/search/export/results.xlsx?q=导出", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == ["Reference code", "Title", "Date", "Department", "Pages", "Link"]
    assert rows[1][1] == '\'=HYPERLINK("http://x")导出'


def test_export_follows_the_callers_clearance_and_is_audited(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    _many(app, 2, access="internal")
    assert len(app.test_client().get("/search/export/results.csv?q=导出测试").get_data(as_text=True).splitlines()) == 1
    auth = AuthActions(app.test_client())
    auth.login("archivist")
    body = auth.client.get("/search/export/results.csv?q=导出测试").get_data(as_text=True)
    assert len(body.splitlines()) == 3
    with app.extensions["lantai"].catalog.session() as db:
        events = db.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
        details = [json.loads(e.details) for e in events]
        assert any(d.get("rows") == 2 and d.get("format") == "csv" for d in details), details


def test_an_unknown_format_is_a_clear_404(app: Flask) -> None:
    response = app.test_client().get("/search/export/results.pdf?q=x")
    assert response.status_code == 404 and "csv 或 xlsx" in response.get_data(as_text=True)


def test_per_page_selector_and_out_of_range_pages(app: Flask) -> None:
    _many(app, 25)
    client = app.test_client()
    page = client.get("/search?q=导出测试&limit=10").get_data(as_text=True)
    assert len(re.findall(r'<li class="hit">', page)) == 10
    assert '<option value="10" selected>' in page
    assert "limit=10" in re.search(r'rel="next" href="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    last = client.get("/search?q=导出测试&limit=10&page=99")
    assert last.status_code == 200
    html = last.get_data(as_text=True)
    assert len(re.findall(r'<li class="hit">', html)) == 5 and '<span aria-current="page">3</span>' in html
    huge = client.get("/search?q=导出测试&page=999999999")
    assert huge.status_code == 200 and '<span aria-current="page">2</span>' in huge.get_data(as_text=True)
    assert client.get("/search?q=导出测试&page=abc").status_code == 400


def test_print_buttons_and_stylesheet(app: Flask) -> None:
    record = _many(app, 1)[0]
    client = app.test_client()
    assert 'class="print-button"' in client.get("/search?q=导出测试").get_data(as_text=True)
    assert 'class="print-button"' in client.get(f"/records/{record}").get_data(as_text=True)
    css = client.get("/static/css/lantai.css").get_data(as_text=True)
    assert "@media print" in css
