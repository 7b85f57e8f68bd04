"""Routes of ``/api/v1``. Token auth (``Authorization: Bearer``) or the browser session.

Every record route goes through ``portal.records.guard`` (the same access rules as the
pages); search runs with the caller's clearance inside the engine. Errors are JSON:
``{"error": {"status", "code", "message_zh", "message_en"}}``. Search, record, page and
download calls leave the same audit events as the pages (``details.via = "api"``), written
in the call's transaction: when the event cannot be written the call answers 503.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for
from werkzeug.exceptions import HTTPException

from archive.catalog.models import Job, Page
from archive.vocabulary import AuditAction
from config.errors import InputError, LantaiError, NotFoundError
from portal.api.openapi import openapi_document
from portal.audit.web import audit_or_refuse
from portal.auth import authenticate_request
from portal.records import guard
from portal.records.views import original_download
from portal.search.params import parse_state, to_request
from portal.search.views import search_details

bp = Blueprint("api", __name__, url_prefix="/api/v1")

HTTP_MESSAGES = {
    400: ("bad_request", "请求无效", "The request could not be understood"),
    401: ("unauthorized", "需要有效的登录或 API 令牌", "A valid session or API token is required"),
    403: ("forbidden", "无权执行此操作", "You may not do this"),
    404: ("not_found", "未找到", "Not found"),
    405: ("method_not_allowed", "不支持此请求方法", "Method not allowed"),
    413: ("too_large", "文件过大", "The upload is too large"),
}


class UploadMissing(InputError):
    """A document upload without a file."""

    code = "file_missing"
    default_zh = "请求中没有文件（字段名 file）"
    default_en = "No file in the request (field name: file)"


def error_body(status: int, code: str, zh: str, en: str) -> tuple[dict[str, Any], int]:
    """The JSON error shape of the API."""
    return {"error": {"status": status, "code": code, "message_zh": zh, "message_en": en}}, status


@bp.errorhandler(LantaiError)
def _lantai_error(exc: LantaiError) -> Any:
    body = error_body(exc.http_status, exc.code, exc.message_zh, exc.message_en)
    if exc.http_status == 503:  # the audit could not be written: try again later, never cache
        return (*body, {"Retry-After": "30", "Cache-Control": "no-store"})
    return body


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Any:
    status = exc.code or 500
    code, zh, en = HTTP_MESSAGES.get(status, ("error", "请求失败", exc.name))
    return error_body(status, code, zh, en)


@bp.before_request
def _authenticate() -> None:
    if request.endpoint != "api.openapi":
        authenticate_request()


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 description of this API."""
    return jsonify(openapi_document(request.host_url.rstrip("/")))


@bp.get("/search")
def search() -> dict[str, Any]:
    """Full-text search: same parameters and JSON as ``lantai search --json``."""
    ctx = guard.lantai()
    state = parse_state(request.args, page_size=10)
    with ctx.catalog.session() as session:
        response = ctx.search.search(to_request(state, guard.clearance(session)))
        body = response.to_dict()
        audit_or_refuse(session, AuditAction.SEARCH, object_type="search",
                        details=search_details(state, response, via="api"))
    return body


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


RECORD_FIELDS = (
    "title",
    "reference_code",
    "fonds_code",
    "category_code",
    "year",
    "retention",
    "department",
    "department_code",
    "item_number",
    "creator",
    "doc_number",
    "date",
    "classification",
    "openness",
    "carrier",
    "subject_terms",
    "note",
    "language",
    "page_count",
    "access_level",
    "status",
)


@bp.get("/records/<int:record_id>")
def record(record_id: int) -> dict[str, Any]:
    """A record's description, its original and its pages (content links only when readable)."""
    with guard.lantai().catalog.session() as session:
        found = guard.visible_record(session, record_id)
        readable = guard.may_read(session, found)
        body: dict[str, Any] = {"id": found.id, **{name: _iso(getattr(found, name)) for name in RECORD_FIELDS}}
        body["readable"] = readable
        original = found.original
        body["original"] = (
            {
                "filename": original.original_filename,
                "mime_type": original.mime_type,
                "size": original.size,
                "sha256": original.sha256,
                "download": url_for("api.download", record_id=found.id) if readable else None,
            }
            if original
            else None
        )
        body["pages"] = (
            [{"number": p.number, "url": url_for("api.page", record_id=found.id, number=p.number)} for p in found.pages]
            if readable
            else []
        )
        if not readable:
            guard.note_expired_grants(session, found)
        audit_or_refuse(session, AuditAction.RECORD_VIEW, record=found,
                        purpose=guard.purpose_for(session, found) if readable else None,
                        details={"readable": readable, "via": "api"})
        return body


@bp.get("/records/<int:record_id>/pages/<int:number>")
def page(record_id: int, number: int) -> dict[str, Any]:
    """One page: text, source, confidence and word boxes."""
    with guard.reading(AuditAction.PAGE_VIEW, record_id, page=number, form="text", via="api") as (session, found):
        row = next((p for p in found.pages if p.number == number), None)
        if row is None:
            raise NotFoundError(f"Record {record_id} has no page {number}", f"档案 {record_id} 没有第 {number} 页")
        body = _page_json(found.id, row)
        audit_or_refuse(session, AuditAction.PAGE_VIEW, record=found, purpose=guard.purpose_for(session, found),
                        details={"page": number, "form": "text", "via": "api"})
        return body


def _page_json(record_id: int, row: Page) -> dict[str, Any]:
    return {
        "record_id": record_id,
        "number": row.number,
        "text": row.text or "",
        "source": row.source,
        "confidence": row.confidence,
        "width": row.width,
        "height": row.height,
        "words": [
            {"text": w[0], "confidence": w[1], "left": w[2], "top": w[3], "width": w[4], "height": w[5]}
            for w in (row.words or [])
        ],
        "image": url_for("records.page_image", record_id=record_id, number=row.number) if row.image_key else None,
        "error": {"code": row.error_code, "message": row.error_message} if row.error_code else None,
    }


@bp.get("/records/<int:record_id>/download")
def download(record_id: int) -> Response:
    """The original file (attachment, streamed from storage, stamped when configured)."""
    with guard.reading(AuditAction.DOWNLOAD, record_id, form="original", via="api") as (session, found):
        return original_download(session, found, via="api")


@bp.post("/documents")
def documents() -> tuple[dict[str, Any], int]:
    """Upload one file with metadata fields (staff only); 202 with the job id."""
    from indexer.ingest import submit_upload
    from portal.upload.views import audit_upload

    user = guard.require_staff()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise UploadMissing()
    metadata = {k: v for k, v in request.form.items() if k != "file" and v.strip()}
    job_id = submit_upload(guard.lantai(), upload, upload.filename, metadata, user)
    audit_upload(job_id, upload.filename, metadata, via="api")
    return {"job_id": job_id, "status_url": url_for("api.job", job_id=job_id)}, 202


def job_json(job: Job) -> dict[str, Any]:
    """A job's state as the API and the upload page's progress bars read it."""
    error = {"code": job.error_code, "message": job.error_message} if job.error_code or job.error_message else None
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "record_id": job.record_id,
        "pages_done": job.pages_done,
        "pages_total": job.pages_total,
        "error": error,
        "duplicate_of": (job.result or {}).get("duplicate_of"),
        "record_url": url_for("records.show", record_id=job.record_id) if job.record_id else None,
    }


@bp.get("/jobs/<job_id>")
def job(job_id: str) -> dict[str, Any]:
    """A background job's status and progress (staff only: jobs belong to uploads)."""
    guard.require_staff()
    with guard.lantai().catalog.session() as session:
        found = session.get(Job, job_id)
        if found is None:
            raise NotFoundError(f"Job {job_id} not found", f"未找到任务 {job_id}")
        return job_json(found)


from portal.api import requests as _requests  # noqa: E402,F401  (registers the access-request routes)
