"""Processing one ingest job: extract pages (text layer, OCR or electronic text), store page
images and thumbnails as derivatives (``indexer.pageimages``), describe the record, then index it.

Safe to run twice: a finished job is left alone, and a job run again after a crash replaces
the pages it may have half written, so its result is recorded exactly once.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import update

from config.errors import LantaiError
from indexer.catalog.models import Job, JobStatus, Page, PageSource, Record, RecordStatus, utcnow
from indexer.context import Lantai
from indexer.extract.base import ExtractContext, PageContent, extractor_for
from indexer.extract.ocrpages import ocr_engine
from indexer.pageimages import derivative_keys, store_images

log = logging.getLogger(__name__)

PROGRESS_INTERVAL = 0.5  # seconds between two progress writes of a job

class WorkerCrashed(LantaiError):
    code = "worker_crashed"
    default_zh = "处理此文件时工作进程多次崩溃，已停止重试"
    default_en = "The worker crashed repeatedly on this file; it is not tried again"


class TimeLimitExceeded(LantaiError):
    code = "time_limit"
    default_zh = "处理超时"
    default_en = "Processing took longer than the time limit"


class UnexpectedError(LantaiError):
    code = "unexpected"
    default_zh = "处理时发生意外错误"
    default_en = "An unexpected error occurred while processing"


@dataclass
class ProcessOutcome:
    """How a job ended."""

    job_id: str
    status: str
    record_id: int | None
    pages: int = 0
    children: list[int] = field(default_factory=list)
    error: str | None = None


def store_page(lantai: Lantai, record_id: int, content: PageContent) -> Page:
    """The catalog row of an extracted page; its picture is stored as derivatives now, or
    rendered from the original when first shown (``content.deferred_image``)."""
    page = Page(
        number=content.number,
        text=content.text,
        source=str(content.source),
        confidence=content.confidence,
        words=content.words,
        width=content.width,
        height=content.height,
    )
    if content.error is not None:
        page.error_code, page.error_message = content.error.code, content.error.message
    if content.image is not None:
        page.image_key, page.thumbnail_key = store_images(lantai, record_id, content.number, content.image)
        page.width = page.width or content.image.width
        page.height = page.height or content.image.height
        content.image = None  # let the picture go before the next page arrives
    elif content.deferred_image and content.width and content.height:
        page.image_key, page.thumbnail_key = derivative_keys(record_id, content.number)
    return page


def worker_identity() -> str:
    """``host:pid`` of this process, stored on the jobs it runs."""
    return f"{socket.gethostname()}:{os.getpid()}"


def owner_alive(owner: str | None) -> bool:
    """Whether the process named by ``host:pid`` still runs (unknown hosts count as alive)."""
    if not owner or ":" not in owner:
        return False
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def start_job(lantai: Lantai, job_id: str) -> Job | None:
    """Take a job; None when it is finished, owned by a live worker, or crashed too often."""
    with lantai.catalog.session() as session:
        job = session.get(Job, job_id, with_for_update=True)
        if job is None or job.status in (JobStatus.DONE, JobStatus.FAILED):
            return None
        if job.status == JobStatus.RUNNING and job.heartbeat_at is not None:
            age = (utcnow() - _aware(job.heartbeat_at)).total_seconds()
            if age < lantai.settings.job_lease_seconds and owner_alive(job.worker):
                return None  # another live worker holds it; the lease reaper watches it
        job.attempts += 1
        job.status = JobStatus.RUNNING
        job.worker = worker_identity()
        job.started_at = job.heartbeat_at = utcnow()
        if job.attempts > lantai.settings.task_max_retries + 1:
            _fail(session, job, WorkerCrashed())
            return None
        session.flush()
        session.expunge(job)
        return job


def _aware(moment: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; the catalog stores UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _fail(session: Any, job: Job, error: LantaiError) -> None:
    job.status, job.error_code, job.error_message = JobStatus.FAILED, error.code, error.message
    job.finished_at = utcnow()
    job.result = {}
    record = session.get(Record, job.record_id) if job.record_id else None
    if record is not None:
        record.status, record.error_code, record.error_message = RecordStatus.FAILED, error.code, error.message
        record.touch()


def fail_job(lantai: Lantai, job_id: str, error: LantaiError) -> None:
    """Record a job's failure with its clear message, on the job and on its record."""
    with lantai.catalog.session() as session:
        job = session.get(Job, job_id)
        if job is not None and job.status != JobStatus.DONE:
            _fail(session, job, error)
    job_record = _record_of(lantai, job_id)
    if job_record is not None:
        from indexer.ingest import index_quietly

        index_quietly(lantai, [job_record])


def _record_of(lantai: Lantai, job_id: str) -> int | None:
    with lantai.catalog.session() as session:
        job = session.get(Job, job_id)
        return job.record_id if job else None


def report_progress(lantai: Lantai, job_id: str, done: int, total: int | None) -> None:
    """Store pages done of total (and refresh the job's heartbeat)."""
    with lantai.catalog.session() as session:
        session.execute(
            update(Job).where(Job.id == job_id).values(pages_done=done, pages_total=total, heartbeat_at=utcnow())
        )


def extract_context(
    lantai: Lantai, job: Job, record: Record, workdir: Path, on_progress: Callable[[int, int | None], None]
) -> ExtractContext:
    """The extraction context for a record, from the settings and the job's options."""
    settings = lantai.settings
    languages = (record.ocr_languages or settings.ocr_languages).split("+")
    engine = (record.extra or {}).get("ocr_engine") or settings.ocr_engine
    return ExtractContext(
        languages=languages,
        # A batch that names no languages lets each page choose between the two scripts.
        ocr=ocr_engine(str(engine), settings.page_time_limit, choose_script=not record.ocr_languages),
        password=(job.result or {}).get("options", {}).get("password"),
        max_image_pixels=settings.max_image_pixels,
        page_time_limit=settings.page_time_limit,
        pdf_max_stream_bytes=settings.pdf_max_stream_mb * 1024 * 1024,
        zip_max_entries=settings.zip_max_entries,
        zip_max_total_bytes=settings.zip_max_total_mb * 1024 * 1024,
        ocr_workers=settings.worker_concurrency,
        workdir=workdir,
        on_progress=on_progress,
    )


def process_job(lantai: Lantai, job_id: str, dispatch_children: bool = True) -> ProcessOutcome:
    """Run one ingest job to its end (done or failed with a clear reason)."""
    job = start_job(lantai, job_id)
    if job is None:
        return _outcome(lantai, job_id)
    with lantai.catalog.session() as session:
        record = session.get(Record, job.record_id)
        if record is None or record.original is None:
            current_job = session.get(Job, job_id)
            if current_job is not None:
                _fail(session, current_job, LantaiError("The record of this job is gone", "此任务的档案已不存在"))
            return _outcome(lantai, job_id)
        record.status = RecordStatus.PROCESSING
        original = record.original
        session.expunge_all()
    try:
        with lantai.storage.temp_dir() as tmp:
            pages, metadata, children = _extract(
                lantai, job, record, original.storage_key, original.mime_type, Path(tmp)
            )
            child_ids = _submit_children(lantai, record, children, dispatch_children)
    except LantaiError as exc:
        fail_job(lantai, job_id, exc)
        return _outcome(lantai, job_id)
    except Exception as exc:
        if type(exc).__name__ == "SoftTimeLimitExceeded":  # Celery's, or indexer.monitor's (--inline)
            fail_job(lantai, job_id, TimeLimitExceeded())
            return _outcome(lantai, job_id)
        log.exception("job %s failed unexpectedly", job_id)
        fail_job(
            lantai,
            job_id,
            UnexpectedError(f"Unexpected error: {type(exc).__name__}: {exc}", f"意外错误：{type(exc).__name__}: {exc}"),
        )
        return _outcome(lantai, job_id)
    _finish(lantai, job_id, record.id, pages, metadata, child_ids)
    from indexer.ingest import index_quietly
    from indexer.preservation import make_quietly

    make_quietly(lantai, record.id)  # the PDF/A copy of a scanned record, from the OCR just done

    index_quietly(lantai, [record.id])
    return _outcome(lantai, job_id)


def _extract(
    lantai: Lantai, job: Job, record: Record, key: str, mime: str, workdir: Path
) -> tuple[list[Page], dict[str, Any], list[Path]]:
    last = [0.0]

    def progress(done: int, total: int | None) -> None:
        # The first page, the last, and otherwise at most one catalog write (a commit) per
        # PROGRESS_INTERVAL: born-digital pages come dozens a second.
        now = time.monotonic()
        if done <= 1 or done == total or now - last[0] >= PROGRESS_INTERVAL:
            last[0] = now
            report_progress(lantai, job.id, done, total)

    ctx = extract_context(lantai, job, record, workdir, progress)
    extractor = extractor_for(mime)
    extraction = extractor.extract(_named_original(lantai, key, record, workdir), mime, ctx)
    ctx.progress(0, extraction.page_count)
    lantai.storage.delete_derivatives(f"records/{record.id}")
    pages: list[Page] = []
    for content in extraction.pages:
        pages.append(store_page(lantai, record.id, content))
        ctx.progress(len(pages), extraction.page_count or None)
    return pages, extraction.metadata, extraction.children


def _named_original(lantai: Lantai, key: str, record: Record, workdir: Path) -> Path:
    """The stored original under its original file name (a link), so that every message and log
    of an extractor names the file as the user knows it, not by its SHA-256."""
    stored = lantai.storage.original_path(key)
    name = Path(record.original.original_filename).name if record.original else ""
    if not name or name in (".", "..") or len(name.encode()) > 200:
        return stored
    link = workdir / "original" / name
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(stored.resolve())
    return link


def _submit_children(lantai: Lantai, record: Record, children: list[Path], dispatch: bool) -> list[int]:
    """Ingest a container's entries (a ZIP's files) as records of their own batch."""
    if not children:
        return []
    from indexer.ingest import new_batch, submit_file

    batch_id = new_batch(
        lantai, "zip", label=record.original.original_filename if record.original else None, parent_record=record.id
    )
    ids = []
    for child in children:
        submission = submit_file(
            lantai,
            child,
            filename=child.name,
            batch_id=batch_id,
            channel="zip",
            languages=record.ocr_languages,
            ocr_engine=(record.extra or {}).get("ocr_engine"),
            metadata={"access": record.access_level},
            dispatch=dispatch,
        )
        if submission.record_id is not None:
            ids.append(submission.record_id)
    return ids


def _apply_metadata(record: Record, metadata: dict[str, Any]) -> None:
    """Fill empty description fields from the file's own metadata; keep the rest in extra."""
    extra = dict(record.extra or {})
    technical = {k: (v.isoformat() if isinstance(v, dt.date | dt.datetime) else v) for k, v in metadata.items()}
    extra["technical"] = technical
    record.extra = extra
    title = metadata.get("title")
    if title and (not record.title or record.title == _stem(record)):
        record.title = str(title)
    if metadata.get("creator") and not record.creator:
        record.creator = str(metadata["creator"])
    if metadata.get("carrier") and not record.carrier:
        record.carrier = str(metadata["carrier"])
    date = metadata.get("date")
    if isinstance(date, dt.datetime):
        date = date.date()
    if isinstance(date, dt.date) and record.date is None:
        record.date = date
        record.year = record.year or date.year


def _stem(record: Record) -> str | None:
    return Path(record.original.original_filename).stem if record.original else None


def _finish(
    lantai: Lantai, job_id: str, record_id: int, pages: list[Page], metadata: dict[str, Any], children: list[int]
) -> None:
    """Write pages, record and job in one transaction; a job already done is left alone."""
    with lantai.catalog.session() as session:
        job = session.get(Job, job_id, with_for_update=True)
        if job is None or job.status == JobStatus.DONE:
            return
        record = session.get(Record, record_id)
        if record is None:  # deleted while it was being processed
            job.status, job.finished_at = JobStatus.FAILED, utcnow()
            return
        for old in list(record.pages):
            session.delete(old)
        session.flush()
        for page in pages:
            record.pages.append(page)
        record.page_count = len(pages)
        _apply_metadata(record, metadata)
        errors = [p.number for p in pages if p.error_code]
        if errors:
            record.extra = {**record.extra, "page_errors": errors}
        record.status, record.error_code, record.error_message = RecordStatus.DONE, None, None
        if children:
            record.extra = {**record.extra, "children": children}
        _describe(lantai, session, record)
        record.touch()
        job.status, job.finished_at, job.pages_done = JobStatus.DONE, utcnow(), len(pages)
        job.pages_total = len(pages)
        job.result = {
            "pages": len(pages),
            "ocr_pages": sum(p.source == PageSource.OCR for p in pages),
            "children": children,
        }


def _describe(lantai: Lantai, session: Any, record: Record) -> None:
    """Archival description: extract fields, classify, number (indexer/describe)."""
    from indexer.describe.service import describe_record

    describe_record(session, record, lantai.settings)


def _outcome(lantai: Lantai, job_id: str) -> ProcessOutcome:
    with lantai.catalog.session() as session:
        job = session.get(Job, job_id)
        if job is None:
            return ProcessOutcome(job_id, "missing", None)
        return ProcessOutcome(
            job_id,
            job.status,
            job.record_id,
            job.pages_done,
            list((job.result or {}).get("children", [])),
            job.error_message,
        )
