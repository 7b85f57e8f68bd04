"""One JSON shape per resource (record, page, job), for the API and the command line alike.

The API adds its links (``url``, ``download``) to these; the command line prints them as they
are. A record the caller may not read (``readable`` false) shows its catalogue entry only:
no pages, no text, no file link.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from archive.catalog.models import Job, Page, Record

# The catalogue entry of a record, in DA/T 18 order, as every JSON shape lists it.
RECORD_FIELDS: tuple[str, ...] = (
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
    "access_override",
    "status",
)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


def record_json(
    record: Record, *, readable: bool, with_text: bool = False, only: frozenset[str] | None = None
) -> dict[str, Any]:
    """A record: its catalogue entry, processing state, original and (when readable) its pages.

    ``with_text`` adds each page's text (the command line's ``records show``). ``only``: the
    public catalogue fields of a record the caller may know of but not read (discovery); then
    nothing else: no processing state, no original, no pages.
    """
    if only is not None:
        shown = {name: _plain(getattr(record, name)) for name in RECORD_FIELDS if name in only}
        return {"id": record.id, **shown, "readable": False, "original": None, "pages": []}
    original = record.original
    body: dict[str, Any] = {"id": record.id, **{name: _plain(getattr(record, name)) for name in RECORD_FIELDS}}
    body["readable"] = readable
    body["needs_review"] = bool(record.needs_review)
    body["error"] = (
        {"code": record.error_code, "message": record.error_message}
        if record.error_code or record.error_message
        else None
    )
    body["original"] = (
        {
            "filename": original.original_filename,
            "mime_type": original.mime_type,
            "size": original.size,
            "sha256": original.sha256,
        }
        if original
        else None
    )
    body["pages"] = [page_summary(p, with_text=with_text) for p in record.pages] if readable else []
    return body


def page_summary(page: Page, *, with_text: bool = False) -> dict[str, Any]:
    """A page as a record lists it: number, where its text came from, confidence, error."""
    body: dict[str, Any] = {
        "number": page.number,
        "source": page.source,
        "confidence": page.confidence,
        "error": {"code": page.error_code, "message": page.error_message} if page.error_code else None,
    }
    if with_text:
        body["text"] = page.text or ""
    return body


def page_json(record_id: int, page: Page) -> dict[str, Any]:
    """One page in full: text, source, confidence, size and word boxes."""
    return {
        "record_id": record_id,
        "number": page.number,
        "text": page.text or "",
        "source": page.source,
        "confidence": page.confidence,
        "width": page.width,
        "height": page.height,
        "words": [
            {"text": w[0], "confidence": w[1], "left": w[2], "top": w[3], "width": w[4], "height": w[5]}
            for w in (page.words or [])
        ],
        "error": {"code": page.error_code, "message": page.error_message} if page.error_code else None,
    }


def job_json(job: Job) -> dict[str, Any]:
    """A background job's state and progress."""
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
    }


def department_json(department: Any) -> dict[str, Any]:
    """A department (机构): code, name, aliases, parent and contact."""
    return {"id": department.id, "code": department.code, "name": department.name,
            "aliases": list(department.aliases or []), "parent_id": department.parent_id,
            "contact_email": department.contact_email, "active": department.active}


def schedule_line_json(line: Any) -> dict[str, Any]:
    """A line of the filing schedule (归档范围与保管期限表): what must be filed, its 门类, 保管期限 and rule."""
    return {"id": line.id, "schedule": line.schedule, "position": line.position, "department_id": line.department_id,
            "name": line.name, "keywords": line.keywords, "category_code": line.category_code,
            "retention": line.retention, "rule": line.rule, "due_month": line.due_month, "due_day": line.due_day,
            "within_days": line.within_days, "expected_count": line.expected_count}


def task_json(task: Any, status: str, days_overdue: int) -> dict[str, Any]:
    """A filing task with its state as of the caller's clock (``status``, ``days_overdue``)."""
    return {"id": task.id, "department": task.department.code, "department_name": task.department.name,
            "title": task.title, "period": task.period, "due_date": task.due_date.isoformat(),
            "expected_count": task.expected_count, "category_code": task.category_code,
            "retention": task.retention, "status": status, "days_overdue": days_overdue,
            "schedule_line_id": task.schedule_line_id,
            "submitted_on": task.submitted_on.isoformat() if task.submitted_on else None,
            "accepted_on": task.accepted_on.isoformat() if task.accepted_on else None}


def check_json(check: Any) -> dict[str, Any]:
    """One receipt-check result with its explanation in both languages and its rule."""
    return {"item_id": check.item_id, "property": check.property, "check": check.check, "result": check.result,
            "explanation_zh": check.explanation_zh, "explanation_en": check.explanation_en, "rule": check.rule}


def transfer_json(transfer: Any, checks: list[Any] | None = None) -> dict[str, Any]:
    """A transfer (移交) with its list items, each item's checks, and the decision."""
    by_item: dict[int | None, list[dict[str, Any]]] = {}
    for check in checks or []:
        by_item.setdefault(check.item_id, []).append(check_json(check))
    return {
        "id": transfer.id, "task_id": transfer.task_id, "department": transfer.department.code,
        "status": transfer.status, "previous_id": transfer.previous_id, "submitted_by": transfer.submitted_by,
        "submitted_at": _iso(transfer.submitted_at), "checked_at": _iso(transfer.checked_at),
        "decided_by": transfer.decided_by, "decided_at": _iso(transfer.decided_at), "reason": transfer.reason,
        "confirmed_by_department": transfer.confirmed_by_department,
        "confirmed_by_archive": transfer.confirmed_by_archive,
        "checks": by_item.get(None, []),
        "items": [{"id": i.id, "position": i.position, "filename": i.filename, "title": i.title,
                   "doc_number": i.doc_number, "date": _iso(i.date), "pages": i.pages, "pieces": i.pieces,
                   "retention": i.retention, "category_code": i.category_code, "note": i.note, "listed": i.listed,
                   "record_id": i.record_id, "sha256": i.sha256, "result": i.result,
                   "return_reason": i.return_reason, "checks": by_item.get(i.id, [])} for i in transfer.items],
    }


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
