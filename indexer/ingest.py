"""Submitting files: store the original write-once, recognise duplicates, create the record
and its job, and hand the job to a worker. Every capture channel (CLI, manifest, inbox,
upload, API, ZIP entries) comes through ``submit_file``."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.access import level_for
from archive.audit import service as audit
from archive.audit.service import Actor, Target, Where
from archive.catalog.models import Batch, Job, OriginalFile, Record
from archive.departments import fill_record_department
from archive.vocabulary import AuditAction, JobStatus, RecordStatus
from config.errors import LantaiError
from indexer.context import Lantai
from indexer.jobs import dispatch_job
from indexer.metadata import map_metadata
from indexer.sealed import seal

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


_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def clean_filename(name: str) -> str:
    """A submitted file's name as kept: control characters (a NUL from a crafted upload, which
    PostgreSQL and the file system refuse) dropped; never empty."""
    return _CONTROL_CHARACTERS.sub("", name).strip() or "file"


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
    actor: Actor,
    where: Where | None = None,
    custody: str | None = None,
) -> Submission:
    """Store ``path`` as an original and queue it; known bytes are reported as a duplicate.

    Every submission is an ``ingest`` audit event of ``actor`` (the operator, the uploading user,
    the inbox, the worker for a ZIP's entries), in the transaction that records it.

    The new record is indexed at once (searchable by its metadata while it waits), unless
    ``index`` is false: a caller that submits many files and processes them itself indexes
    them together (one index commit, not one per file). ``languages`` and ``ocr_engine`` (or
    the metadata's ``language`` and ``ocr_engine``) choose this file's OCR; without languages
    each page is read in the script it is written in.

    ``custody="submitted"`` keeps the new record out of the archive (no 档号, not in search)
    until a transfer holding it is accepted (``collection``)."""
    name = clean_filename(filename or path.name)
    stored = lantai.storage.put_original(path)
    refusal: Submission | None = None
    mapped = map_metadata(metadata or {})
    with lantai.catalog.session() as session:
        existing = session.scalar(select(OriginalFile).where(OriginalFile.sha256 == stored.sha256))
        if existing is not None:
            record = existing.record
            if record.status != RecordStatus.FAILED:
                _audit(session, actor, where, record, name, channel, "duplicate", mapped.supplied)
                return Submission(name, "duplicate", record.id, None, stored.sha256)
            # A failed record is tried again when its file is submitted again, unless the file
            # itself is refused (empty, misnamed): that verdict does not change.
            _mime, refused = _detect(path, name)  # the bytes just stored
            if refused is not None:
                _audit(session, actor, where, record, name, channel, "failed", mapped.supplied)
                return Submission(name, "failed", record.id, None, stored.sha256, refused.message)
            job = Job(kind="ingest", record_id=record.id, batch_id=batch_id, result=_options(lantai, mapped.password))
            record.status, record.error_code, record.error_message = RecordStatus.PENDING, None, None
            session.add(job)
            session.flush()
            outcome: Outcome = "requeued"
        else:
            mime, error = _detect(path, name)  # the bytes just stored
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
            record.custody = custody
            problem = fill_record_department(session, record)
            if problem is not None:
                mapped.problems.append(problem)
            # The one rule, from the first moment: a manifest's 秘密 is secret before anything is indexed.
            record.access_level = level_for(
                record.classification, record.openness, lantai.settings.default_access_level,
                override=record.access_override,
            ).value
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
                _audit(session, actor, where, record, name, channel, "failed", mapped.supplied)
                refusal = Submission(name, "failed", record.id, failed.id, stored.sha256, error.message)
            else:
                job = Job(
                    kind="ingest", record_id=record.id, batch_id=batch_id, result=_options(lantai, mapped.password)
                )
                session.add(job)
                session.flush()
                outcome = "queued"
        if refusal is None:
            _audit(session, actor, where, record, name, channel, outcome, mapped.supplied)
            record_id, job_id = record.id, job.id
    if refusal is not None:  # a record like any other: found by its description, and by `index check`
        if index and refusal.record_id is not None:
            index_quietly(lantai, [refusal.record_id])
        return refusal
    if index:
        index_quietly(lantai, [record_id])
    if dispatch:
        dispatch_job(lantai.settings, job_id)
    return Submission(name, outcome, record_id, job_id, stored.sha256)


def _audit(
    session: Session,
    actor: Actor,
    where: Where | None,
    record: Record,
    filename: str,
    channel: str,
    outcome: str,
    supplied: dict[str, str],
) -> None:
    details = {"file": filename, "channel": channel, "outcome": outcome, "fields": supplied}
    audit.record(session, AuditAction.INGEST, actor, Target.record(record), details, where=where)


def _options(lantai: Lantai, password: str | None) -> dict[str, Any]:
    """A job's options; a password only sealed (``indexer.sealed``), never in clear text."""
    return {"options": {"password_sealed": seal(lantai.settings, password)}} if password else {}


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
    where: Where | None = None,
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
        submission = submit_file(
            lantai, path, filename=filename, metadata=supplied, batch_id=batch_id, channel=channel,
            actor=Actor.of(user), where=where,
        )
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
