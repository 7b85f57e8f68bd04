"""The upload page: a plain multi-file form, enhanced by ``static/upload/upload.js``.

Without JavaScript the form posts every file here and the page lists one job per file.
With JavaScript each file goes to ``POST /api/v1/documents`` on its own and its progress
(pages done of total) is polled from ``GET /api/v1/jobs/<id>``; errors show per file.

Each accepted file leaves an ``ingest`` audit event (file name, channel, the fields supplied),
written by ``indexer.ingest.submit_file`` in the transaction that records the file, as for
every other channel (CLI, API, inbox); if it cannot be written the file is refused (503).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, render_template, request

from archive.audit.chain import AuditWriteError
from archive.description.schema import DEFAULT_CATEGORIES
from archive.vocabulary import CATEGORIES as ALL_CATEGORIES
from archive.vocabulary import AccessLevel, Retention
from config.errors import LantaiError
from ocr.engine import engine_names
from portal.audit.web import where
from portal.auth import staff_required
from portal.i18n import localized
from portal.layout import lazy_label
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
# (code, label in the request's language): the one 门类 table, retention periods, access levels
CATEGORIES = tuple((c.code, lazy_label(c)) for c in ALL_CATEGORIES if c.code in DEFAULT_CATEGORIES)
RETENTIONS = tuple((retention.value, lazy_label(retention)) for retention in Retention)
ACCESS_LEVELS = tuple((level.value, lazy_label(level)) for level in AccessLevel)


@dataclass
class UploadResult:
    """What happened to one file of a form upload."""

    filename: str
    job_id: str | None = None
    error: str | None = None


def form_metadata(form: Any) -> dict[str, str]:
    """The metadata fields the form filled in."""
    return {name: form.get(name, "").strip() for name in METADATA_FIELDS if form.get(name, "").strip()}


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
                job_id = submit_upload(
                    guard.lantai(), item, item.filename or "upload", metadata, guard.current_user(), where=where()
                )
            except AuditWriteError:
                raise
            except LantaiError as exc:  # one bad file never stops the others
                results.append(UploadResult(item.filename or "", error=localized(exc)))
            else:
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
