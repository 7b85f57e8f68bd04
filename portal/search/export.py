"""Export the current result list as CSV or XLSX: 档号, 题名, 日期, 机构, 页数 and a link.

The export runs the search in the URL with the caller's clearance (the same hits the page
lists, every page of them up to ``EXPORT_MAX``) and leaves an ``export`` audit event naming
the query and the rows. Cells that a spreadsheet would read as a formula are written as text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, request, url_for
from flask_babel import get_locale
from openpyxl import Workbook

from archive.vocabulary import AuditAction
from config.errors import NotFoundError
from indexer.search.base import SearchHit, SearchRequest
from portal.audit.web import audit_or_refuse
from portal.records import guard
from portal.search.params import parse_state, to_request

bp = Blueprint("export", __name__, url_prefix="/search/export")

EXPORT_MAX = 10_000  # rows of one export; a larger result is cut (the file says so in its last row)
BATCH = 1000
COLUMNS = {
    "zh": ("档号", "题名", "日期", "机构", "页数", "链接"),
    "en": ("Reference code", "Title", "Date", "Department", "Pages", "Link"),
}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MIME = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def safe_cell(value: Any) -> Any:
    """A value as a spreadsheet cell: text that would start a formula is quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def row_of(hit: SearchHit) -> list[Any]:
    """One exported row of a hit."""
    f = hit.fields
    link = url_for("records.show", record_id=hit.id, _external=True)
    date = f.get("date") or (str(f["year"]) if f.get("year") else "")
    return [
        safe_cell(v)
        for v in (f.get("reference_code", ""), hit.title, date, f.get("department", ""), f.get("page_count", 0), link)
    ]


def _hits(search_request: SearchRequest) -> Iterator[SearchHit]:
    search = guard.lantai().search
    search_request.facets, search_request.limit, search_request.offset = (), BATCH, 0
    while search_request.offset < EXPORT_MAX:
        response = search.search(search_request)
        yield from response.hits
        search_request.offset += BATCH
        if search_request.offset >= response.total:
            return


def _csv(header: tuple[str, ...], rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM makes spreadsheets read UTF-8


def _xlsx(header: tuple[str, ...], rows: list[list[Any]]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("results")
    sheet.append(list(header))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@bp.get("/results.<fmt>")
def results(fmt: str) -> Response:
    """The result list of the search in the URL as ``csv`` or ``xlsx``."""
    if fmt not in MIME:
        raise NotFoundError(f"No export format {fmt!r}; use csv or xlsx", f"没有导出格式 {fmt!r}；请用 csv 或 xlsx")
    state = parse_state(request.args)
    ctx = guard.lantai()
    with ctx.catalog.session() as session:
        search_request = to_request(state, guard.clearance(session))
        if state.is_empty:
            search_request.sort = "date_desc" if state.sort == "relevance" else state.sort
        rows = [row_of(hit) for hit in _hits(search_request)]
        audit_or_refuse(
            session,
            AuditAction.EXPORT,
            object_type="search",
            details={
                "what": "search_results",
                "format": fmt,
                "rows": len(rows),
                "query": state.query,
                "filters": [f"{n}:{v}" for n, v in state.filters],
            },
        )
    header = COLUMNS["en" if str(get_locale()).startswith("en") else "zh"]
    body = _csv(header, rows) if fmt == "csv" else _xlsx(header, rows)
    response = Response(body, mimetype=MIME[fmt])
    response.headers["Content-Disposition"] = f"attachment; filename=lantai-results.{fmt}"
    return response
