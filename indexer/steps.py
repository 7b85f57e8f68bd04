"""The ingest pipeline as ordered steps over one document.

Submission (``indexer.ingest``) detects the format, stores the original and queues the job.
Processing then runs two lists of small steps, each returning a typed result:

* ``WORK_STEPS`` run outside any transaction (the slow part): extract the pages (text layer,
  OCR or electronic text) and store their pictures; ingest a container's entries;
* ``RECORD_STEPS`` run inside the one transaction that finishes the record: write the pages,
  take the file's own metadata, describe the record (extraction, rules, classifier, 档号 and
  the access level, which marks it for the index: ``archive.description.records.settle``);
* ``AFTER_STEPS`` run once that is committed: derivatives too slow to hold the transaction
  (the PDF/A preservation copy of a scanned record).

A new step (a receipt check, a preservation copy, a fixity record) is one function added to
the right list; ``indexer.process`` runs the lists and owns the job's life.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from archive.audit.service import WORKER
from archive.catalog.models import Job, Page, Record
from archive.vocabulary import PageSource
from indexer.context import Lantai
from indexer.extract.base import ExtractContext, PageContent, extractor_for
from indexer.extract.ocrpages import ocr_engine
from indexer.pageimages import derivative_keys, store_images
from indexer.pageimages import first_thumbnail as render_first_thumbnail
from indexer.sealed import unseal

PROGRESS_INTERVAL = 0.5  # seconds between two progress writes of a job

Progress = Callable[[int, int | None], None]


@dataclass
class Document:
    """One document on its way through the steps: what it is, and what the steps found."""

    job: Job
    record: Record  # detached: read-only outside the finishing transaction
    storage_key: str
    mime_type: str
    workdir: Path
    report: Progress
    dispatch_children: bool = True
    pages: list[Page] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    children: list[Path] = field(default_factory=list)
    child_ids: list[int] = field(default_factory=list)
    results: dict[str, Any] = field(default_factory=dict)  # step name -> its typed result


@dataclass(frozen=True)
class Extracted:
    """What extraction found: pages (and how many by OCR), the file's metadata, entries to ingest."""

    pages: int
    ocr_pages: int
    entries: int


@dataclass(frozen=True)
class Children:
    """The records made of a container's entries."""

    record_ids: list[int]


@dataclass(frozen=True)
class Saved:
    """The pages written to the catalog (and those with an error of their own)."""

    pages: int
    page_errors: list[int]


@dataclass(frozen=True)
class Described:
    """What description did: fields filled, queued for review, the 档号 and access level."""

    filled: list[str]
    queued: list[str]
    reference_code: str | None
    access_level: str | None


def extract_context(lantai: Lantai, job: Job, record: Record, workdir: Path, on_progress: Progress) -> ExtractContext:
    """The extraction context for a record, from the settings and the job's (sealed) options."""
    settings = lantai.settings
    languages = (record.ocr_languages or settings.ocr_languages).split("+")
    engine = (record.extra or {}).get("ocr_engine") or settings.ocr_engine
    sealed = (job.result or {}).get("options", {}).get("password_sealed")
    return ExtractContext(
        languages=languages,
        # A batch that names no languages lets each page choose between the two scripts.
        ocr=ocr_engine(str(engine), settings.page_time_limit, choose_script=not record.ocr_languages),
        password=unseal(settings, sealed) if sealed else None,
        max_image_pixels=settings.image_pixel_limit,
        page_time_limit=settings.page_time_limit,
        pdf_max_stream_bytes=settings.pdf_max_stream_mb * 1024 * 1024,
        zip_max_entries=settings.zip_max_entries,
        zip_max_total_bytes=settings.zip_max_total_mb * 1024 * 1024,
        ocr_workers=settings.worker_concurrency,
        workdir=workdir,
        on_progress=on_progress,
    )


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


def _named_original(lantai: Lantai, doc: Document) -> Path:
    """The stored original under its original file name (a link), so that every message and log
    of an extractor names the file as the user knows it, not by its SHA-256."""
    original = doc.record.original
    name = Path(original.original_filename).name if original else ""
    if not name or name in (".", "..") or len(name.encode()) > 200:
        name = "original"
    link = doc.workdir / "original" / name
    link.parent.mkdir(parents=True, exist_ok=True)
    lantai.storage.link_original(doc.storage_key, link)  # a link, or the plaintext when stored encrypted
    return link


# Work steps: outside the catalog transaction ------------------------------------------------


def extract_pages(lantai: Lantai, doc: Document) -> Extracted:
    """Read the original with the extractor of its type; store each page's picture as it comes."""
    last = [0.0]

    def progress(done: int, total: int | None) -> None:
        # The first page, the last, and otherwise at most one catalog write (a commit) per
        # PROGRESS_INTERVAL: born-digital pages come dozens a second.
        now = time.monotonic()
        if done <= 1 or done == total or now - last[0] >= PROGRESS_INTERVAL:
            last[0] = now
            doc.report(done, total)

    ctx = extract_context(lantai, doc.job, doc.record, doc.workdir, progress)
    extraction = extractor_for(doc.mime_type).extract(_named_original(lantai, doc), doc.mime_type, ctx)
    ctx.progress(0, extraction.page_count)
    lantai.storage.delete_derivatives(f"records/{doc.record.id}")
    for content in extraction.pages:
        doc.pages.append(store_page(lantai, doc.record.id, content))
        ctx.progress(len(doc.pages), extraction.page_count or None)
    doc.metadata, doc.children = extraction.metadata, extraction.children
    return Extracted(len(doc.pages), sum(p.source == PageSource.OCR for p in doc.pages), len(doc.children))


def ingest_children(lantai: Lantai, doc: Document) -> Children:
    """Ingest a container's entries (a ZIP's files) as records of their own batch."""
    if not doc.children:
        return Children([])
    from indexer.ingest import new_batch, submit_file

    record = doc.record
    batch_id = new_batch(
        lantai, "zip", label=record.original.original_filename if record.original else None, parent_record=record.id
    )
    for child in doc.children:
        submission = submit_file(
            lantai,
            child,
            filename=child.name,
            batch_id=batch_id,
            channel="zip",
            languages=record.ocr_languages,
            ocr_engine=(record.extra or {}).get("ocr_engine"),
            metadata={"access": record.access_level},
            dispatch=doc.dispatch_children,
            actor=WORKER,
        )
        if submission.record_id is not None:
            doc.child_ids.append(submission.record_id)
    return Children(list(doc.child_ids))


WorkStep = Callable[[Lantai, Document], Any]
WORK_STEPS: list[WorkStep] = [extract_pages, ingest_children]


# Record steps: inside the transaction that finishes the record ------------------------------


def save_pages(lantai: Lantai, session: Session, record: Record, doc: Document) -> Saved:
    """Replace the record's pages with the extracted ones."""
    for old in list(record.pages):
        session.delete(old)
    session.flush()
    for page in doc.pages:
        record.pages.append(page)
    record.page_count = len(doc.pages)
    errors = [p.number for p in doc.pages if p.error_code]
    if errors:
        record.extra = {**record.extra, "page_errors": errors}
    if doc.child_ids:
        record.extra = {**record.extra, "children": doc.child_ids}
    return Saved(len(doc.pages), errors)


def take_file_metadata(lantai: Lantai, session: Session, record: Record, doc: Document) -> dict[str, Any]:
    """Fill empty description fields from the file's own metadata; keep all of it in extra."""
    metadata = doc.metadata
    extra = dict(record.extra or {})
    extra["technical"] = {
        k: (v.isoformat() if isinstance(v, dt.date | dt.datetime) else v) for k, v in metadata.items()
    }
    record.extra = extra
    stem = Path(record.original.original_filename).stem if record.original else None
    title = metadata.get("title")
    if title and (not record.title or record.title == stem):
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
    return extra["technical"]


def describe(lantai: Lantai, session: Session, record: Record, doc: Document) -> Described:
    """Archival description: extract fields, classify, number; access follows (``indexer.describe``)."""
    from indexer.describe.service import describe_record

    outcome = describe_record(session, record, lantai.settings)
    return Described(list(outcome.filled), list(outcome.queued), outcome.reference_code, outcome.access_level)


RecordStep = Callable[[Lantai, Session, Record, Document], Any]
RECORD_STEPS: list[RecordStep] = [save_pages, take_file_metadata, describe]


# After steps: once the record is committed (slow derivatives that must not hold the transaction) --


def preservation_copy(lantai: Lantai, doc: Document) -> bool:
    """The PDF/A copy of a scanned record, from the OCR just done (``indexer.preservation_copy``);
    whether one was made. A failure is logged and leaves the record as it is: the copy is a
    derivative, made again on demand."""
    from indexer.preservation_copy import make_quietly

    return bool(make_quietly(lantai, doc.record.id))


def first_thumbnail(lantai: Lantai, doc: Document) -> bool:
    """The first page's thumbnail of a born-digital PDF, the one search results show
    (``indexer.pageimages.first_thumbnail``); its other pictures wait for their first view."""
    return render_first_thumbnail(lantai, doc.record.id)


AfterStep = Callable[[Lantai, Document], Any]
AFTER_STEPS: list[AfterStep] = [preservation_copy, first_thumbnail]
