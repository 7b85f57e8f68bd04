"""From catalog records to search documents; explicit indexing calls for the pipeline.

The catalog is the source of truth. ``index_records`` and ``remove_records`` are called
where a record changes (ingest, each pipeline step, metadata edits, deletion);
``iter_documents`` streams the whole catalog in chunks for ``lantai reindex``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from archive.catalog.models import Page, Record
from archive.vocabulary import AccessLevel
from indexer.search.base import SearchDocument, SearchPage

if TYPE_CHECKING:
    from indexer.context import Lantai

CHUNK = 500

_FAMILIES = {
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/msword": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.ms-excel": "xlsx",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/ofd": "ofd",
    "application/x-ofd": "ofd",
    "message/rfc822": "email",
    "application/vnd.ms-outlook": "email",
    "text/html": "html",
    "application/xhtml+xml": "html",
}


def file_type(mime_type: str | None) -> str:
    """The short file family of a MIME type: pdf, image, docx, xlsx, odt, text, html, ..."""
    if not mime_type:
        return ""
    mime = mime_type.split(";")[0].strip().lower()
    if mime in _FAMILIES:
        return _FAMILIES[mime]
    major = mime.split("/")[0]
    if major in ("image", "audio", "video"):
        return major
    if major == "text":
        return "text"
    return "other"


def to_document(record: Record) -> SearchDocument:
    """The search document of a catalog record (pages and originals loaded)."""
    original = record.original
    secret = record.access_level == AccessLevel.SECRET
    extra = {
        "subject_terms": record.subject_terms or "",
        "note": record.note or "",
        "issuing_body": str((record.extra or {}).get("issuing_body") or ""),
    }
    return SearchDocument(
        id=record.id,
        revision=record.revision or 1,
        title=record.title or "",
        filename=original.original_filename if original else "",
        reference_code=record.reference_code or "",
        doc_number=record.doc_number or "",
        creator=record.creator or "",
        department=record.department or record.department_code or "",
        category=record.category_code or "",
        fonds=record.fonds_code or "",
        retention=record.retention or "",
        year=record.year,
        date=record.date,
        access_level=record.access_level or "internal",
        file_type=file_type(original.mime_type if original else None),
        language=record.language or "",
        # A secret record's text never enters the index: only its catalogue entry, for administrators.
        pages=[] if secret else [SearchPage(p.number, p.text or "") for p in record.pages],
        fields={k: v for k, v in extra.items() if v},
        # a secret record is an entry only: no picture
        thumbnail=not secret and any(p.number == 1 and p.thumbnail_key for p in record.pages),
    )


def _load(session: Session, ids: list[int]) -> list[Record]:
    stmt = (
        select(Record)
        .where(Record.id.in_(ids), Record.in_search())  # submitted or withdrawn items are not in search
        # only the page text: a page's word boxes are thousands of JSON rows the index never reads
        .options(
            selectinload(Record.pages).load_only(Page.number, Page.text, Page.thumbnail_key),
            selectinload(Record.files),
        )
        .order_by(Record.id)
    )
    return list(session.scalars(stmt))


def load_session_documents(session: Session, ids: list[int]) -> tuple[list[SearchDocument], list[int]]:
    """Documents of the given records as ``session`` sees them (its own uncommitted changes too),
    and the ids it does not find."""
    wanted = sorted(set(ids))
    docs = [to_document(r) for r in _load(session, wanted)]
    found = {d.id for d in docs}
    return docs, [i for i in wanted if i not in found]


def load_documents(lantai: Lantai, ids: Iterable[int]) -> tuple[list[SearchDocument], list[int]]:
    """Documents of the given records, and the ids no longer in the catalog."""
    wanted = sorted(set(int(i) for i in ids))
    docs: list[SearchDocument] = []
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        with lantai.catalog.session() as session:
            docs.extend(to_document(r) for r in _load(session, chunk))
    found = {d.id for d in docs}
    return docs, [i for i in wanted if i not in found]


def index_records(lantai: Lantai, ids: Iterable[int]) -> None:
    """Index (or re-index) records from the catalog; ids that no longer exist are removed."""
    docs, gone = load_documents(lantai, ids)
    if docs:
        lantai.search.index(docs)
    if gone:
        lantai.search.delete(gone)


def remove_records(lantai: Lantai, ids: Iterable[int]) -> None:
    """Remove records from the index (after deletion from the catalog)."""
    id_list = [int(i) for i in ids]
    if id_list:
        lantai.search.delete(id_list)


def count_records(lantai: Lantai, after_id: int = 0) -> int:
    """How many catalog records have an id above ``after_id``."""
    from sqlalchemy import func

    with lantai.catalog.session() as session:
        return int(session.scalar(
            select(func.count(Record.id)).where(Record.id > after_id, Record.in_search())
        ) or 0)


def iter_documents(lantai: Lantai, after_id: int = 0, chunk: int = CHUNK) -> Iterator[SearchDocument]:
    """Every catalog record above ``after_id`` as a document, by ascending id, one chunk in memory."""
    last = after_id
    while True:
        with lantai.catalog.session() as session:
            ids = list(session.scalars(
                select(Record.id).where(Record.id > last, Record.in_search()).order_by(Record.id).limit(chunk)
            ))
            if not ids:
                return
            docs = [to_document(r) for r in _load(session, ids)]
        yield from docs
        last = ids[-1]


def catalog_revisions(lantai: Lantai) -> Iterator[tuple[int, int]]:
    """(id, revision) of every catalog record, streamed."""
    with lantai.catalog.session() as session:
        rows = session.execute(
            select(Record.id, Record.revision)
            .where(Record.in_search())
            .order_by(Record.id)
            .execution_options(yield_per=10_000)
        )
        for record_id, revision in rows:
            yield int(record_id), int(revision)
