"""Submitting files: store the original write-once, recognise duplicates, create the record
and its job, and hand the job to a worker. Every capture channel (CLI, manifest, inbox,
upload, API, ZIP entries) comes through ``submit_file``."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import select

from config.errors import LantaiError
from indexer.catalog.models import Batch, Job, JobStatus, OriginalFile, Record, RecordStatus
from indexer.context import Lantai
from indexer.metadata import map_metadata

log = logging.getLogger(__name__)

Outcome = Literal["queued", "duplicate", "requeued", "failed"]


@dataclass
class Submission:
    """What happened to one submitted file."""

    filename: str
    outcome: Outcome
    record_id: int | None = None
    job_id: str | None = None
    sha256: str | None = None
    error: str | None = None


def new_batch(lantai: Lantai, channel: str, label: str | None = None, **options: Any) -> str:
    """Create a batch (one CLI run, upload, inbox file or ZIP) and return its id."""
    with lantai.catalog.session() as session:
        batch = Batch(channel=channel, label=label, options=options)
        session.add(batch)
        session.flush()
        return batch.id


def _detect(path: Path, filename: str) -> tuple[str, LantaiError | None]:
    """The MIME type by content, and the error that stops processing (empty, misnamed)."""
    from indexer.extract.detect import check_extension, detect

    try:
        detection = detect(path, filename)
        check_extension(detection)
        return detection.mime_type, None
    except LantaiError as exc:
        mime = getattr(exc, "details", {}).get("mime_type", "application/octet-stream")
        return str(mime), exc


def submit_file(
    lantai: Lantai,
    path: Path,
    *,
    filename: str | None = None,
    metadata: dict[str, Any] | None = None,
    batch_id: str | None = None,
    languages: str | None = None,
    ocr_engine: str | None = None,
    channel: str = "cli",
    dispatch: bool = True,
    index: bool = True,
) -> Submission:
    """Store ``path`` as an original and queue it; known bytes are reported as a duplicate.

    The new record is indexed at once (searchable by its metadata while it waits), unless
    ``index`` is false: a caller that submits many files and processes them itself indexes
    them together (one index commit, not one per file). ``languages`` and ``ocr_engine`` (or
    the metadata's ``language`` and ``ocr_engine``) choose this file's OCR; without languages
    each page is read in the script it is written in."""
    name = filename or path.name
    stored = lantai.storage.put_original(path)
    mapped = map_metadata(metadata or {})
    with lantai.catalog.session() as session:
        existing = session.scalar(select(OriginalFile).where(OriginalFile.sha256 == stored.sha256))
        if existing is not None:
            record = existing.record
            if record.status != RecordStatus.FAILED:
                return Submission(name, "duplicate", record.id, None, stored.sha256)
            # A failed record is tried again when its file is submitted again, unless the file
            # itself is refused (empty, misnamed): that verdict does not change.
            _mime, refused = _detect(lantai.storage.original_path(stored.key), name)
            if refused is not None:
                return Submission(name, "failed", record.id, None, stored.sha256, refused.message)
            job = Job(kind="ingest", record_id=record.id, batch_id=batch_id, result=_options(mapped.password))
            record.status, record.error_code, record.error_message = RecordStatus.PENDING, None, None
            session.add(job)
            session.flush()
            outcome: Outcome = "requeued"
        else:
            mime, error = _detect(lantai.storage.original_path(stored.key), name)
            record = Record(
                title=Path(name).stem,
                access_level=lantai.settings.default_access_level,
                ocr_languages=languages,
                batch_id=batch_id,
                extra={"supplied": mapped.supplied, "channel": channel},
            )
            engine = ocr_engine or mapped.ocr_engine
            if engine:
                record.extra = {**record.extra, "ocr_engine": engine}
            for key, value in mapped.fields.items():
                setattr(record, key, value)
            if mapped.problems:
                record.needs_review = True
                record.extra = {**record.extra, "metadata_problems": mapped.problems}
            record.files.append(
                OriginalFile(
                    sha256=stored.sha256,
                    size=stored.size,
                    mime_type=mime,
                    original_filename=name,
                    storage_key=stored.key,
                )
            )
            session.add(record)
            session.flush()
            if error is not None:
                record.status = RecordStatus.FAILED
                record.error_code, record.error_message = error.code, error.message
                failed = Job(
                    kind="ingest",
                    record_id=record.id,
                    batch_id=batch_id,
                    status=JobStatus.FAILED,
                    error_code=error.code,
                    error_message=error.message,
                )
                session.add(failed)
                session.flush()
                return Submission(name, "failed", record.id, failed.id, stored.sha256, error.message)
            job = Job(kind="ingest", record_id=record.id, batch_id=batch_id, result=_options(mapped.password))
            session.add(job)
            session.flush()
            outcome = "queued"
        record_id, job_id = record.id, job.id
    if index:
        index_quietly(lantai, [record_id])
    if dispatch:
        from indexer.tasks import dispatch_job

        dispatch_job(lantai, job_id)
    return Submission(name, outcome, record_id, job_id, stored.sha256)


def _options(password: str | None) -> dict[str, Any]:
    return {"options": {"password": password}} if password else {}


def index_quietly(lantai: Lantai, record_ids: list[int]) -> None:
    """Index records now; a search engine that is down only delays it (``lantai index check``)."""
    from indexer.search.documents import index_records

    try:
        index_records(lantai, record_ids)
    except LantaiError as exc:
        log.warning("records %s not indexed yet: %s", record_ids, exc)


def submit_upload(
    lantai: Lantai,
    source: Any,
    filename: str,
    metadata: dict[str, Any] | None = None,
    user: Any = None,
    channel: str = "upload",
) -> str:
    """Store an uploaded file (a path or a werkzeug ``FileStorage``) and queue it; the job id."""
    with lantai.storage.temp_dir() as tmp:
        path = Path(tmp) / "upload"
        if isinstance(source, Path):
            path = source
        else:
            source.save(path)
        supplied = dict(metadata or {})
        batch_id = new_batch(lantai, channel, label=filename, user=getattr(user, "username", None))
        submission = submit_file(lantai, path, filename=filename, metadata=supplied, batch_id=batch_id, channel=channel)
    if submission.job_id is None:
        # A duplicate gets a finished job naming the record that already holds these bytes.
        with lantai.catalog.session() as session:
            job = Job(
                kind="ingest",
                record_id=submission.record_id,
                status=JobStatus.DONE,
                result={"duplicate_of": submission.record_id},
            )
            session.add(job)
            session.flush()
            return job.id
    return submission.job_id
