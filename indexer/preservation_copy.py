"""Preservation copies (双层 PDF / 长期保存格式): a PDF/A-2b of each scanned record, made from
the OCR already done and stored as a derivative, ``records/<id>/preservation.pdf``.

Made at ingest, right after a record with OCR'd pages is written (``make_quietly``); like
every derivative it can be rebuilt from the catalog and the stored page images, and it is
when someone asks for it and it is missing (``ensure``). A copy that fails its check
(``indexer.pdfa.check``) is not stored.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy import select

from archive.catalog.models import Page, Record
from archive.vocabulary import PageSource
from config.errors import LantaiError
from indexer import pageimages
from indexer.context import Lantai
from indexer.extract.pdf import VIEW_DPI
from indexer.pdfa import PAGE_DPI, PdfPage, PreservationError, build, check

log = logging.getLogger(__name__)


class NoPreservationCopy(PreservationError):
    """The record has no scanned page, so it has no preservation copy."""

    code = "no_preservation_copy"
    http_status = 404


# Pages of a new copy whose text is read back with pdfminer.six before it is stored.
READ_BACK_PAGES = 1


def preservation_key(record_id: int) -> str:
    """Storage key of a record's preservation copy."""
    return f"records/{record_id}/preservation.pdf"


def has_scans(pages: list[Page]) -> bool:
    """Whether a record gets a preservation copy: it has pages read by OCR (images,
    image-only PDFs); born-digital files are their own preservation format."""
    return any(page.source == PageSource.OCR for page in pages)


def make(lantai: Lantai, record_id: int) -> str:
    """Build, check and store the record's copy; its storage key. ``PreservationError`` when
    the record has no scanned page or the copy fails its check."""
    started = time.perf_counter()
    with lantai.catalog.session() as session:
        record = session.get(Record, record_id)
        if record is None:
            raise PreservationError(f"Record {record_id} does not exist", f"档案 {record_id} 不存在")
        pages = list(session.scalars(select(Page).where(Page.record_id == record_id).order_by(Page.number)))
        if not has_scans(pages):
            raise NoPreservationCopy(
                "This record has no scanned pages; its original is its preservation format",
                "此档案没有扫描页，原件即为长期保存格式",
            )
        title = record.title or f"record {record_id}"
        parts = [_page(lantai, record, page) for page in pages if page.image_key and page.width and page.height]
    copies = [part for part in parts if part is not None]
    if not copies:
        raise PreservationError("No page of this record has a picture", "此档案没有任何页面图像")
    data = build(copies, title)
    # Reading every page back with pdfminer costs about 4% of a page's OCR time (0.25 s of
    # CPU for a dense page): at ingest the first page is read back, every page's structure
    # is checked; tests and bench/bench_ingest.py read every page back.
    result = check(data, [part.text for part in copies], read_pages=READ_BACK_PAGES)
    if not result.ok:
        raise PreservationError(
            "The preservation copy failed its PDF/A check: " + "; ".join(result.problems),
            "长期保存格式（PDF/A）检测未通过：" + "；".join(result.problems),
        )
    key = preservation_key(record_id)
    lantai.storage.put_derivative(key, data)
    log.info("record %s: PDF/A copy of %d pages in %.2f s", record_id, len(copies), time.perf_counter() - started)
    return key


def _page(lantai: Lantai, record: Record, page: Page) -> PdfPage | None:
    """A page of the copy from the stored page image, or None when the page has no picture."""
    try:
        key = pageimages.ensure(lantai, record, page)
    except LantaiError:
        return None
    with lantai.storage.open_derivative(key) as handle:
        picture = handle.read()
    dpi = PAGE_DPI if page.source == PageSource.OCR else VIEW_DPI  # text-layer pages are viewed at 150 dpi
    return PdfPage(picture, page.width or 1, page.height or 1, page.words or [], page.text or "", dpi=dpi)


def make_quietly(lantai: Lantai, record_id: int) -> bool:
    """``make`` for a record just ingested, when it has scans; whether a copy was made. A failure
    is logged, never the record's: the copy can be made again later (``ensure``)."""
    with lantai.catalog.session() as session:
        sources = session.scalars(select(Page.source).where(Page.record_id == record_id)).all()
    if PageSource.OCR not in sources:
        return False
    try:
        make(lantai, record_id)
    except LantaiError as exc:
        log.warning("record %s: no preservation copy: %s", record_id, exc.message_en)
        return False
    return True


def ensure(lantai: Lantai, record_id: int) -> str:
    """The storage key of the record's copy, made first when it is missing."""
    key = preservation_key(record_id)
    if lantai.storage.has_derivative(key):
        return key
    return make(lantai, record_id)
