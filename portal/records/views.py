"""Routes of the record page, its page images, thumbnails, page text and downloads.

Every route loads the record through ``portal.records.guard``: metadata routes need
``can_view_metadata``, anything showing content (images, thumbnails, text, files) needs
``can_view_content``.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request, url_for
from sqlalchemy import select

from config.errors import NotFoundError
from indexer.catalog.models import Page, Record
from portal.records import downloads, guard, service

bp = Blueprint("records", __name__, url_prefix="/records")

IMAGE_SIGNATURES = (
    (b"\x89PNG", "image/png"),
    (b"\xff\xd8", "image/jpeg"),
    (b"RIFF", "image/webp"),
    (b"GIF8", "image/gif"),
)


def _page(session: object, record: Record, number: int) -> Page:
    page = session.scalar(select(Page).where(Page.record_id == record.id, Page.number == number))  # type: ignore[attr-defined]
    if page is None:
        raise NotFoundError(f"Record {record.id} has no page {number}", f"档案 {record.id} 没有第 {number} 页")
    return page


def _page_number(page_total: int, first_hit: int | None) -> int:
    """The page to show: ``?page=`` (kept in range), else the first page the query matches."""
    raw = request.args.get("page", "")
    number = int(raw) if raw.isdigit() else (first_hit or 1)
    return min(max(number, 1), max(page_total, 1))


@bp.get("/<int:record_id>")
def show(record_id: int) -> str:
    """The record page: description, page viewer with hit boxes, page text, search within, related."""
    ctx = guard.lantai()
    query = request.args.get("q", "").strip()
    with ctx.catalog.session() as session:
        record = guard.visible_record(session, record_id)
        readable = guard.may_read(session, record)
        pages = list(record.pages)
        hits = service.RecordHits(query=query)
        if readable and query:
            hits = service.hits_in_record(ctx.search, record.id, query, guard.clearance(session))
        number = _page_number(len(pages), hits.page_numbers[0] if hits.pages else None)
        page = next((p for p in pages if p.number == number), None)
        boxes = service.page_boxes(page, hits.terms) if page is not None and hits.terms else []
        related = service.related_records(session, record, lambda other: guard.may_see(session, other))
        return render_template(
            "records/record.html",
            record=record,
            rows=service.description_rows(record),
            readable=readable,
            pages=pages,
            page=page,
            number=number,
            page_total=len(pages),
            query=query,
            hits=hits,
            boxes=boxes,
            related=related,
            original=record.original,
            request_url=url_for("requests.new", record=record.id) if guard.may_request(session, record) else None,
        )


def _image_response(key: str | None) -> Response:
    if not key:
        raise NotFoundError("This page has no image", "此页没有图像")
    ctx = guard.lantai()
    with ctx.storage.open_derivative(key) as handle:
        data = handle.read()
    mime = next((m for sig, m in IMAGE_SIGNATURES if data.startswith(sig)), "application/octet-stream")
    response = Response(data, mimetype=mime)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@bp.get("/<int:record_id>/pages/<int:number>/image")
def page_image(record_id: int, number: int) -> Response:
    """A page image (content: needs ``can_view_content``)."""
    with guard.lantai().catalog.session() as session:
        record = guard.readable_record(session, record_id)
        key = _page(session, record, number).image_key
    return _image_response(key)


@bp.get("/<int:record_id>/pages/<int:number>/thumbnail")
def page_thumbnail(record_id: int, number: int) -> Response:
    """A page thumbnail (content: needs ``can_view_content``)."""
    with guard.lantai().catalog.session() as session:
        record = guard.readable_record(session, record_id)
        key = _page(session, record, number).thumbnail_key
    return _image_response(key)


@bp.get("/<int:record_id>/pages/<int:number>/text")
def page_text(record_id: int, number: int) -> Response:
    """One page's text as plain UTF-8."""
    with guard.lantai().catalog.session() as session:
        record = guard.readable_record(session, record_id)
        text = _page(session, record, number).text or ""
    response = Response(text, mimetype="text/plain")
    response.headers["Content-Type"] = "text/plain; charset=utf-8"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/<int:record_id>/download")
def download(record_id: int) -> Response:
    """The original file, streamed from storage by its content key."""
    ctx = guard.lantai()
    with ctx.catalog.session() as session:
        record = guard.readable_record(session, record_id)
        response = downloads.original_response(ctx, record, guard.user_name(guard.current_user()))
    return response


@bp.get("/<int:record_id>/text.txt")
def download_text(record_id: int) -> Response:
    """The extracted text of every page as a UTF-8 ``.txt`` attachment."""
    with guard.lantai().catalog.session() as session:
        record = guard.readable_record(session, record_id)
        return downloads.text_response(record)
