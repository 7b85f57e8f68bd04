"""Routes of the record page, its page images, thumbnails, page text and downloads.

Every route loads the record through ``portal.records.guard``: metadata routes need
``can_view_metadata``, anything showing content (images, thumbnails, text, files) needs
``can_view_content``.

Auditing: the record page writes ``record_view``, a page image or page text ``page_view``
(``form`` image or text), a download ``download`` (``form`` original, stamped or text), each
in the route's own transaction after the access check, so a failed write refuses the
response (503). A refused content access (403) is recorded as ``denied``. Thumbnails are not
recorded when served: they come by the dozen with the search and record pages whose events
already name the records (and the page shown); a refused thumbnail is recorded like any
refused content.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request, url_for
from flask_babel import get_locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.audit.review import who_accessed
from archive.catalog.models import Page, Record
from archive.vocabulary import AuditAction, DownloadForm, PageSource
from config.errors import NotFoundError
from indexer import pageimages
from portal.audit.web import audit_or_refuse
from portal.records import downloads, guard, service, stamp
from portal.search.browse import LEVEL_LABELS, record_trail

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
    user = guard.current_user()
    with ctx.catalog.session() as session:
        record = guard.visible_record(session, record_id)
        readable = guard.may_read(session, record)
        pages = list(record.pages)
        hits = service.RecordHits(query=query)
        if readable and query:
            hits = service.hits_in_record(ctx.search, record.id, query, guard.clearance(session))
        only = guard.entry_only(record, readable)
        number = _page_number(len(pages), hits.page_numbers[0] if hits.pages else None)
        page = next((p for p in pages if p.number == number), None)
        boxes = service.page_boxes(page, hits.terms) if page is not None and hits.terms else []
        related = service.related_records(session, record, lambda other: guard.may_see(session, other))
        access = who_accessed(session, record.id) if user is not None and user.is_admin else None
        html = render_template(
            "records/record.html",
            record=record,
            rows=service.description_rows(record, str(get_locale()), only=only),
            title_public=only is None or "title" in only,
            ref_public=only is None or "reference_code" in only,
            level_labels=LEVEL_LABELS,
            trail=record_trail(record) if only is None else [],
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
            preservation=any(p.source == PageSource.OCR for p in pages),
            request_url=url_for("requests.new", record=record.id) if guard.may_request(session, record) else None,
            access=access,
            staff=user is not None and user.is_staff,
        )
        if not readable:
            guard.note_expired_grants(session, record)
        details = {"page": number if page is not None else None, "query": query or None, "readable": readable,
                   "hit_pages": len(hits.pages) if query else None}
        audit_or_refuse(session, AuditAction.RECORD_VIEW, record=record,
                        purpose=guard.purpose_for(session, record) if readable else None,
                        details={k: v for k, v in details.items() if v is not None})
    return html


def _image_response(record: Record, page: Page, thumbnail: bool) -> Response:
    """The page's picture, rendered from the original first when it has not been made yet."""
    ctx = guard.lantai()
    try:
        key = pageimages.ensure(ctx, record, page, thumbnail=thumbnail)
    except pageimages.PageImageMissing as exc:
        raise NotFoundError(exc.message_en, exc.message_zh) from exc
    with ctx.storage.open_derivative(key) as handle:
        data = handle.read()
    mime = next((m for sig, m in IMAGE_SIGNATURES if data.startswith(sig)), "application/octet-stream")
    response = Response(data, mimetype=mime)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


def _page_viewed(session: Session, record: Record, number: int, form: str) -> None:
    """Write the ``page_view`` event in the route's transaction (after the content is ready)."""
    audit_or_refuse(session, AuditAction.PAGE_VIEW, record=record, purpose=guard.purpose_for(session, record),
                    details={"page": number, "form": form})


@bp.get("/<int:record_id>/pages/<int:number>/image")
def page_image(record_id: int, number: int) -> Response:
    """A page image (content: needs ``can_view_content``)."""
    with guard.reading(AuditAction.PAGE_VIEW, record_id, page=number, form="image") as (session, record):
        response = _image_response(record, _page(session, record, number), thumbnail=False)
        _page_viewed(session, record, number, "image")
    return response


@bp.get("/<int:record_id>/pages/<int:number>/thumbnail")
def page_thumbnail(record_id: int, number: int) -> Response:
    """A page thumbnail (content: needs ``can_view_content``; not recorded when served, see above)."""
    with guard.reading(AuditAction.PAGE_VIEW, record_id, page=number, form="thumbnail") as (session, record):
        response = _image_response(record, _page(session, record, number), thumbnail=True)
    return response


@bp.get("/<int:record_id>/pages/<int:number>/text")
def page_text(record_id: int, number: int) -> Response:
    """One page's text as plain UTF-8."""
    with guard.reading(AuditAction.PAGE_VIEW, record_id, page=number, form="text") as (session, record):
        text = _page(session, record, number).text or ""
        _page_viewed(session, record, number, "text")
    response = Response(text, mimetype="text/plain")
    response.headers["Content-Type"] = "text/plain; charset=utf-8"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def original_download(session: Session, record: Record, via: str | None = None) -> Response:
    """The original as a response, its ``download`` event written first in the same transaction.

    The event goes first so nothing is opened when it cannot be written; if opening or
    stamping the file then fails, the transaction (and the event) rolls back.
    """
    ctx = guard.lantai()
    original = record.original
    if original is None:
        raise NotFoundError(f"Record {record.id} has no original file", f"档案 {record.id} 没有原件")
    stamped = ctx.settings.stamp_downloads and stamp.can_stamp(original.mime_type)
    details: dict[str, object] = {"form": DownloadForm.STAMPED if stamped else DownloadForm.ORIGINAL,
               "file": original.original_filename, "sha256": original.sha256, "size": original.size}
    if via:
        details["via"] = via
    audit_or_refuse(session, AuditAction.DOWNLOAD, record=record, purpose=guard.purpose_for(session, record),
                    details=details)
    return downloads.original_response(ctx, record, guard.user_name(guard.current_user()))


@bp.get("/<int:record_id>/download")
def download(record_id: int) -> Response:
    """The original file, streamed from storage by its content key."""
    with guard.reading(AuditAction.DOWNLOAD, record_id, form=DownloadForm.ORIGINAL) as (session, record):
        return original_download(session, record)


@bp.get("/<int:record_id>/preservation.pdf")
def download_preservation(record_id: int) -> Response:
    """The record's PDF/A preservation copy (page images with an invisible OCR text layer),
    made first when it is missing."""
    from indexer import preservation_copy as preservation

    ctx = guard.lantai()
    with guard.reading(AuditAction.DOWNLOAD, record_id, form=DownloadForm.PRESERVATION) as (session, record):
        key = preservation.ensure(ctx, record.id)
        name = downloads.text_filename(record).removesuffix(".txt") + ".pdfa.pdf"
        audit_or_refuse(session, AuditAction.DOWNLOAD, record=record, purpose=guard.purpose_for(session, record),
                        details={"form": DownloadForm.PRESERVATION, "file": name, "pages": len(record.pages)})
        return downloads.file_response(ctx.storage.open_derivative(key), name, "application/pdf")


@bp.get("/<int:record_id>/text.txt")
def download_text(record_id: int) -> Response:
    """The extracted text of every page as a UTF-8 ``.txt`` attachment."""
    with guard.reading(AuditAction.DOWNLOAD, record_id, form=DownloadForm.TEXT) as (session, record):
        response = downloads.text_response(record)
        audit_or_refuse(session, AuditAction.DOWNLOAD, record=record, purpose=guard.purpose_for(session, record),
                        details={"form": DownloadForm.TEXT, "file": downloads.text_filename(record),
                                 "pages": len(record.pages)})
        return response
