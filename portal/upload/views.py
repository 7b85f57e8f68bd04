"""The upload page: a plain multi-file form, enhanced by ``static/upload/upload.js``.

Without JavaScript the form posts every file here and the page lists one job per file.
With JavaScript each file goes to ``POST /api/v1/documents`` on its own and its progress
(pages done of total) is polled from ``GET /api/v1/jobs/<id>``; errors show per file.

Each accepted file leaves a ``metadata_edit`` audit event (``details.change = "upload"``,
with the file name, the fields supplied and the job). Storing and queueing the file commit
in ``indexer.ingest``'s own transactions, so the event follows in a transaction of its own;
if it cannot be written the response is a 503 (the file stays queued: see ``audit_upload``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, render_template, request

from config.errors import LantaiError
from indexer.catalog.audit import AuditAction
from indexer.catalog.models import Job, Record
from indexer.describe.schema import DEFAULT_CATEGORIES
from ocr.engine import engine_names
from portal.audit.chain import AuditWriteError
from portal.audit.web import audit_or_refuse
from portal.auth import staff_required
from portal.records import guard

bp = Blueprint("upload", __name__)

METADATA_FIELDS = (
    "title",
    "date",
    "fonds",
    "category",
    "department",
    "retention",
    "access_level",
    "creator",
    "doc_number",
    "language",  # OCR languages of this upload, e.g. chi_tra (as ingest --lang)
    "ocr_engine",  # OCR engine of this upload (as ingest --ocr-engine)
)
CATEGORIES = tuple(DEFAULT_CATEGORIES.items())  # (code, name), the one 门类 table
RETENTIONS = (("Y", "永久"), ("D30", "定期30年"), ("D10", "定期10年"))
ACCESS_LEVELS = (("open", "公开"), ("internal", "内部"), ("restricted", "受控"), ("secret", "涉密"))


@dataclass
class UploadResult:
    """What happened to one file of a form upload."""

    filename: str
    job_id: str | None = None
    error: str | None = None


def form_metadata(form: Any) -> dict[str, str]:
    """The metadata fields the form filled in."""
    return {name: form.get(name, "").strip() for name in METADATA_FIELDS if form.get(name, "").strip()}


def audit_upload(job_id: str, filename: str, metadata: dict[str, str], via: str | None = None) -> None:
    """Record an accepted upload: the record when already known (a duplicate), else the job.

    Runs after ``submit_upload`` committed, as ingest gives no transaction to share; a failed
    write still refuses the response (503), but cannot un-queue the file.
    """
    with guard.lantai().catalog.session() as session:
        job = session.get(Job, job_id)
        record = session.get(Record, job.record_id) if job is not None and job.record_id else None
        details: dict[str, object] = {"change": "upload", "file": filename, "job_id": job_id, "fields": metadata}
        if job is not None and (job.result or {}).get("duplicate_of"):
            details["duplicate_of"] = job.result["duplicate_of"]
        if via:
            details["via"] = via
        audit_or_refuse(
            session,
            AuditAction.METADATA_EDIT,
            record=record,
            object_type=None if record is not None else "job",
            object_id=None if record is not None else job_id,
            details=details,
        )


@bp.route("/upload", methods=["GET", "POST"])
@staff_required
def upload() -> Any:
    """Show the form; on POST queue every file (one job each) and list the jobs."""
    from indexer.ingest import submit_upload

    results: list[UploadResult] = []
    status = 200
    if request.method == "POST":
        metadata = form_metadata(request.form)
        files = [f for f in request.files.getlist("files") if f and f.filename]
        if not files:
            results.append(UploadResult("", error="请选择至少一个文件 / Choose at least one file"))
            status = 400
        for item in files:
            try:
                job_id = submit_upload(guard.lantai(), item, item.filename or "upload", metadata, guard.current_user())
            except AuditWriteError:
                raise
            except LantaiError as exc:  # one bad file never stops the others
                results.append(UploadResult(item.filename or "", error=exc.message))
            else:
                audit_upload(job_id, item.filename or "upload", metadata)
                results.append(UploadResult(item.filename or "", job_id=job_id))
    return (
        render_template(
            "upload/upload.html",
            results=results,
            categories=CATEGORIES,
            retentions=RETENTIONS,
            access_levels=ACCESS_LEVELS,
            default_access=guard.lantai().settings.default_access_level,
            ocr_engines=engine_names(),
            values=request.form if request.method == "POST" else {},
        ),
        status,
    )
