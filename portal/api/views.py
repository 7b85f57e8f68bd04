"""Routes of ``/api/v1``. Token auth (``Authorization: Bearer``) or the browser session.

Every record route goes through ``portal.records.guard`` (the same access rules as the
pages); search runs with the caller's clearance inside the engine. Errors are JSON:
``{"error": {"status", "code", "message_zh", "message_en"}}``. Search, record, page and
download calls leave the same audit events as the pages (``details.via = "api"``), written
in the call's transaction: when the event cannot be written the call answers 503.
"""

from __future__ import annotations

import functools
from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for

from archive.audit.service import Actor
from archive.catalog.models import Job, Record
from archive.description.records import Editor, edit_record
from archive.resources import job_json, page_json, record_json
from archive.vocabulary import AuditAction
from config.errors import InputError, NotFoundError, message_halves
from indexer.metadata import metadata_problems
from portal.api.openapi import openapi_document
from portal.audit.web import audit_or_refuse, where
from portal.auth import authenticate_request
from portal.records import guard
from portal.records.views import original_download
from portal.search.params import parse_state, to_request
from portal.search.views import discover, search_details

bp = Blueprint("api", __name__, url_prefix="/api/v1")

class UploadMissing(InputError):
    """A document upload without a file."""

    code = "file_missing"
    default_zh = "请求中没有文件（字段名 file）"
    default_en = "No file in the request (field name: file)"


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
        search_request = to_request(state, guard.clearance(session))
        response = ctx.search.search(search_request)
        body = response.to_dict()
        entries, entries_total = discover(search_request) if not state.is_empty else ([], 0)
        if entries:  # restricted records a researcher may ask for, by their public catalogue fields
            body["entries"] = [{"id": e.id, "title": e.title, "fields": e.fields} for e in entries]
            body["entries_total"] = entries_total
        details = search_details(state, response, via="api")
        if entries:
            details["entries_shown"] = [e.id for e in entries]
        audit_or_refuse(session, AuditAction.SEARCH, object_type="search", details=details)
    return body


def _record_body(found: Record, readable: bool) -> dict[str, Any]:
    """The record's JSON (``archive.resources``) with the API's links (public fields only for an entry)."""
    body = record_json(found, readable=readable, only=guard.entry_only(found, readable))
    if body["original"] is not None:
        body["original"]["download"] = url_for("api.download", record_id=found.id) if readable else None
    for item in body["pages"]:
        item["url"] = url_for("api.page", record_id=found.id, number=item["number"])
    return body


@bp.get("/records/<int:record_id>")
def record(record_id: int) -> dict[str, Any]:
    """A record's description, its original and its pages (content links only when readable)."""
    with guard.lantai().catalog.session() as session:
        found = guard.visible_record(session, record_id)
        readable = guard.may_read(session, found)
        body = _record_body(found, readable)
        if not readable:
            guard.note_expired_grants(session, found)
        audit_or_refuse(session, AuditAction.RECORD_VIEW, record=found,
                        purpose=guard.purpose_for(session, found) if readable else None,
                        details={"readable": readable, "via": "api"})
        return body


@bp.patch("/records/<int:record_id>")
def update_record(record_id: int) -> dict[str, Any]:
    """Change a record's description (staff): a JSON object of fields, as the description form.

    The same service as the form: access follows 密级 and 开放标识, every change is audited,
    the index follows. A bad value is a 400 naming the field; nothing is changed then.
    """
    user = guard.require_staff()
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not data:
        raise InputError("Send a JSON object of the fields to change", "请以 JSON 对象提交要修改的字段")
    ctx = guard.lantai()
    with ctx.catalog.session() as session:
        editor = Editor(Actor.of(user), functools.partial(guard.may_see, session), where())
        changes = edit_record(session, record_id, data, editor, settings=ctx.settings, via="api")
    with ctx.catalog.session() as session:
        found = session.get(Record, record_id)
        # A change may hide the record from its editor (an archivist making it secret): then only
        # the changes are answered, as the record page would now give 404.
        body = _record_body(found, guard.may_read(session, found)) if found and guard.may_see(session, found) else None
    return {"record": body, "changes": [change.to_dict() for change in changes]}


@bp.get("/records/<int:record_id>/pages/<int:number>")
def page(record_id: int, number: int) -> dict[str, Any]:
    """One page: text, source, confidence and word boxes."""
    with guard.reading(AuditAction.PAGE_VIEW, record_id, page=number, form="text", via="api") as (session, found):
        row = next((p for p in found.pages if p.number == number), None)
        if row is None:
            raise NotFoundError(f"Record {record_id} has no page {number}", f"档案 {record_id} 没有第 {number} 页")
        body = page_json(found.id, row)
        body["image"] = (
            url_for("records.page_image", record_id=found.id, number=row.number) if row.image_key else None
        )
        audit_or_refuse(session, AuditAction.PAGE_VIEW, record=found, purpose=guard.purpose_for(session, found),
                        details={"page": number, "form": "text", "via": "api"})
        return body


@bp.get("/records/<int:record_id>/download")
def download(record_id: int) -> Response:
    """The original file (attachment, streamed from storage, stamped when configured)."""
    with guard.reading(AuditAction.DOWNLOAD, record_id, form="original", via="api") as (session, found):
        return original_download(session, found, via="api")


@bp.post("/documents")
def documents() -> tuple[dict[str, Any], int]:
    """Upload one file with metadata fields (staff only); 202 with the job id."""
    from indexer.ingest import submit_upload

    user = guard.require_staff()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise UploadMissing()
    metadata = {k: v for k, v in request.form.items() if k != "file" and v.strip()}
    with guard.lantai().catalog.session() as session:
        problems = [dict(zip(("zh", "en"), message_halves(p), strict=True))
                    for p in metadata_problems(session, metadata)]
    job_id = submit_upload(guard.lantai(), upload, upload.filename, metadata, user, channel="api", where=where())
    # A value that cannot be used does not refuse the file: it is kept, flagged, and named here.
    return {"job_id": job_id, "status_url": url_for("api.job", job_id=job_id), "problems": problems}, 202


def job_body(job: Job) -> dict[str, Any]:
    """A job's state (``archive.resources``) with the link to its record, for the API and the upload page."""
    body = job_json(job)
    body["record_url"] = url_for("records.show", record_id=job.record_id) if job.record_id else None
    return body


@bp.get("/jobs/<job_id>")
def job(job_id: str) -> dict[str, Any]:
    """A background job's status and progress (staff only: jobs belong to uploads)."""
    guard.require_staff()
    with guard.lantai().catalog.session() as session:
        found = session.get(Job, job_id)
        if found is None:
            raise NotFoundError(f"Job {job_id} not found", f"未找到任务 {job_id}")
        return job_body(found)


from portal.api import requests as _requests  # noqa: E402,F401  (registers the access-request routes)
