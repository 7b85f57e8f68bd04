"""PDF: the text layer where it holds real text, OCR of the rendered page where it does not.

The choice is made per page, so a file mixing born-digital and scanned pages gets both.
Every page gets a picture for the viewer: the OCR image for OCR'd pages; for text-layer
pages a 150 dpi rendering, made when the page is first shown (``indexer.pageimages``), with
word boxes from the character positions. Pages are
parsed and rendered one at a time while scanned pages are OCR'd on ``ctx.ocr_workers``
cores. The file is first checked for reference loops, compression bombs and pixel floods
(``indexer.extract.pdfsafety``).
"""

from __future__ import annotations

import io
import logging
import math
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

import pypdfium2 as pdfium
from pdfminer.pdfexceptions import PDFException
from pdfminer.pdfpage import PDFPage
from pdfminer.psparser import PSException
from PIL import Image

from archive.vocabulary import PageSource
from config.errors import LantaiError
from indexer.extract.base import (
    CorruptFile,
    ExtractContext,
    Extraction,
    PageContent,
    ResourceLimitExceeded,
)
from indexer.extract.limits import MAX_RENDER_PIXELS, Deadline, render_scale
from indexer.extract.ocrpages import failed_page, no_engine_page, ocr_in_order, page_from_result
from indexer.extract.pdfsafety import (
    SafePDFDocument,
    corrupt,
    encrypted,
    open_document,
    preflight,
)
from indexer.extract.pdftext import TextLayer, TextLayerReader, words_in_pixels

log = logging.getLogger(__name__)

# Resolution of the viewer's picture of a text-layer page.
VIEW_DPI = 150
# pdfium is not thread-safe: every call into it goes through this lock.
PDFIUM_LOCK = threading.RLock()
# pdfminer's errors on a damaged page; anything of these means "read this page another way".
_MINER_ERRORS = (
    PDFException,
    PSException,
    RecursionError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    AssertionError,
    ZeroDivisionError,
    OverflowError,
    EOFError,
)


@dataclass
class _Plan:
    """What to do with one page, decided before OCR: its text layer, or an image to OCR."""

    number: int
    layer: TextLayer | None = None
    error: LantaiError | None = None


class PdfExtractor:
    """Reads PDFs page by page: text layer, or OCR where the layer is missing or garbled."""

    name: ClassVar[str] = "pdf"
    mime_types: ClassVar[frozenset[str]] = frozenset({"application/pdf"})

    def extract(self, path: Path, mime_type: str, ctx: ExtractContext) -> Extraction:
        """Check the whole file, then return its pages as a lazy iterator."""
        handle = path.open("rb")
        try:
            doc = open_document(path, handle, ctx)
            active = preflight(path, ctx)
            rendered: pdfium.PdfDocument | CorruptFile
            try:
                rendered = _open_pdfium(path, ctx)
                with PDFIUM_LOCK:
                    count = len(rendered)
            except CorruptFile as exc:
                # pdfminer reads what pdfium cannot: keep the text layer, without pictures.
                rendered, count = exc, _count_miner_pages(doc)
            if count == 0:
                _close(rendered)
                raise corrupt(path, "it has no pages / 没有任何页面")
        except BaseException:
            handle.close()
            raise
        metadata = _metadata(doc)
        metadata["page_count"] = count
        if active:
            metadata["active_content"] = active
        return Extraction(
            page_count=count,
            pages=self._pages(path, handle, doc, rendered, count, ctx),
            metadata=metadata,
        )

    def _pages(
        self,
        path: Path,
        handle: BinaryIO,
        doc: SafePDFDocument,
        rendered: pdfium.PdfDocument | CorruptFile,
        count: int,
        ctx: ExtractContext,
    ) -> Iterator[PageContent]:
        """Each page in order; scanned pages are OCR'd in parallel while later pages are read."""
        try:
            plans = self._plans(path, doc, rendered, count, ctx)
            for plan, result, image in ocr_in_order(ctx, plans):
                if plan.error is not None:
                    page = failed_page(plan.number, plan.error, image)
                elif plan.layer is not None:
                    page = self._text_page(path, rendered, plan.number, plan.layer, ctx)
                elif image is None:
                    continue
                elif result is None:
                    page = no_engine_page(plan.number, image)
                elif isinstance(result, LantaiError):
                    page = failed_page(plan.number, result, image)
                else:
                    page = page_from_result(plan.number, result, image)
                yield page
                ctx.progress(plan.number, count)
        finally:
            _close(rendered)
            handle.close()

    def _plans(
        self,
        path: Path,
        doc: SafePDFDocument,
        rendered: pdfium.PdfDocument | CorruptFile,
        count: int,
        ctx: ExtractContext,
    ) -> Iterator[tuple[_Plan, Image.Image | None]]:
        """For each page: its usable text layer, or its rendering to OCR (made only now)."""
        reader = TextLayerReader()
        miner_pages = _miner_pages(doc)
        for index in range(count):
            number = index + 1
            plan = _Plan(number)
            deadline = Deadline(ctx.page_time_limit, f"Page {number}", f"第 {number} 页")
            miner_page = next(miner_pages, None)
            if miner_page is not None:
                try:
                    layer = reader.read(miner_page, deadline)
                    if layer.usable:
                        plan.layer = layer
                    else:
                        log.debug("%s page %d: %s, OCR instead", path.name, number, layer.reason)
                except ResourceLimitExceeded as exc:
                    plan.error = exc
                except _MINER_ERRORS as exc:
                    log.info("%s page %d: text layer unreadable (%s), OCR instead",
                             path.name, number, exc)
            if plan.layer is not None or plan.error is not None:
                yield plan, None
                continue
            try:
                image = _render(rendered, index, ctx.render_dpi, grayscale=True)
            except LantaiError as exc:
                plan.error = exc
                yield plan, None
                continue
            yield plan, image

    def _text_page(
        self, path: Path, rendered: pdfium.PdfDocument | CorruptFile, number: int,
        layer: TextLayer, ctx: ExtractContext,
    ) -> PageContent:
        """A text-layer page with its word boxes in the pixels of its viewer picture.

        The picture itself is rendered when the page is first shown (``indexer.pageimages``);
        only a file opened with a password, which the viewer would not have, is rendered now.
        """
        if isinstance(rendered, CorruptFile):  # the text is good even without a picture
            return PageContent(number=number, text=layer.text, source=PageSource.TEXT_LAYER)
        width, height = view_size(layer.visible)
        image: Image.Image | None = None
        if ctx.password:
            try:
                image = _render(rendered, number - 1, VIEW_DPI, grayscale=False)
                width, height = image.size
            except LantaiError as exc:
                log.info("%s page %d: no viewer image (%s)", path.name, number, exc)
        return PageContent(
            number=number,
            text=layer.text,
            source=PageSource.TEXT_LAYER,
            words=words_in_pixels(layer.words, layer.visible, width, height),
            image=image,
            width=width,
            height=height,
            deferred_image=image is None,
        )


def view_size(visible: tuple[float, float, float, float]) -> tuple[int, int]:
    """Pixel size of the viewer picture of a page whose visible box is ``visible`` (points),
    rounded as pdfium rounds a rendering."""
    width_pt, height_pt = visible[2] - visible[0], visible[3] - visible[1]
    scale = render_scale(width_pt, height_pt, VIEW_DPI, MAX_RENDER_PIXELS)
    return max(1, math.ceil(width_pt * scale)), max(1, math.ceil(height_pt * scale))


def render_page_image(path: Path, number: int, size: tuple[int, int]) -> Image.Image:
    """Page ``number`` of the PDF at ``path`` rendered in colour at exactly ``size`` pixels."""
    with PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError as exc:
            raise CorruptFile(f"The PDF cannot be opened ({exc})", "无法打开此 PDF") from exc
        try:
            image, _scale = _render_page(
                document, number - 1, lambda width, _height: size[0] / width if width > 0 else 1.0, grayscale=False
            )
        finally:
            document.close()
    if image.size != size:  # a point of rounding: keep the word boxes exact
        image = image.resize(size, Image.Resampling.BILINEAR)
    return image


def rewrite_pdf(data: bytes) -> bytes:
    """The PDF ``data`` saved again by pdfium, which repairs a broken cross-reference table (for
    tools such as pypdf that do not). Under ``PDFIUM_LOCK`` like every pdfium call: the portal
    renders first-view pictures in other threads of the same process."""
    with PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            raise CorruptFile(f"The PDF cannot be opened ({exc})", "无法打开此 PDF") from exc
        buffer = io.BytesIO()
        try:
            document.save(buffer)
        finally:
            document.close()
    return buffer.getvalue()


def _open_pdfium(path: Path, ctx: ExtractContext) -> pdfium.PdfDocument:
    """Open the PDF with pdfium for rendering."""
    with PDFIUM_LOCK:
        try:
            return pdfium.PdfDocument(str(path), password=ctx.password or None)
        except pdfium.PdfiumError as exc:
            if "password" in str(exc).lower():
                raise encrypted(path, ctx) from exc
            raise corrupt(path, f"the page renderer cannot open it ({exc})") from exc


def _close(rendered: pdfium.PdfDocument | CorruptFile) -> None:
    """Close the pdfium document, if there is one."""
    if isinstance(rendered, pdfium.PdfDocument):
        with PDFIUM_LOCK:
            rendered.close()


def _count_miner_pages(doc: SafePDFDocument) -> int:
    """How many pages pdfminer finds (when pdfium cannot open the file)."""
    count = 0
    for page in _miner_pages(doc):
        if page is None:  # the rest of the tree is unreadable
            break
        count += 1
    return count


def _miner_pages(doc: SafePDFDocument) -> Iterator[PDFPage | None]:
    """pdfminer's pages in order; after a broken page-tree node, ``None`` for the rest."""
    pages = PDFPage.create_pages(doc)
    while True:
        try:
            yield next(pages)
        except StopIteration:
            return
        except _MINER_ERRORS as exc:
            log.info("page tree unreadable beyond this point (%s)", exc)
            while True:
                yield None


def _render(
    rendered: pdfium.PdfDocument | CorruptFile, index: int, dpi: int, grayscale: bool
) -> Image.Image:
    """Render one page at ``dpi`` (reduced for huge pages), as an upright PIL image."""
    if isinstance(rendered, CorruptFile):
        raise CorruptFile(
            f"Page {index + 1} cannot be rendered: {rendered.message_en}",
            f"第 {index + 1} 页无法渲染：{rendered.message_zh}",
        )
    image, scale = _render_page(
        rendered, index, lambda width, height: render_scale(width, height, dpi, MAX_RENDER_PIXELS), grayscale
    )
    effective = max(1, round(scale * 72))
    image.info["dpi"] = (effective, effective)
    return image


def _render_page(
    document: pdfium.PdfDocument, index: int, scale_for: Callable[[float, float], float], grayscale: bool
) -> tuple[Image.Image, float]:
    """Page ``index`` rendered at the scale ``scale_for(width, height)`` (points) chooses; the
    image and that scale. pdfium errors become ``CorruptFile`` naming the page."""
    with PDFIUM_LOCK:
        try:
            page = document[index]
            try:
                scale = scale_for(*page.get_size())
                bitmap = page.render(scale=scale, grayscale=grayscale, may_draw_forms=True)
                # to_pil may share the bitmap's buffer; a copy outlives the pdfium page.
                image = bitmap.to_pil().copy()
                bitmap.close()
            finally:
                page.close()
        except (pdfium.PdfiumError, IndexError) as exc:
            raise CorruptFile(
                f"Page {index + 1} cannot be rendered ({exc})",
                f"第 {index + 1} 页无法渲染",
            ) from exc
    return image, scale


def _metadata(doc: SafePDFDocument) -> dict[str, Any]:
    """Title, author and dates from the document information dictionary, when readable."""
    found: dict[str, Any] = {}
    try:
        info = doc.info[0] if doc.info else {}
        for key, name in (("Title", "title"), ("Author", "creator"), ("Subject", "subject"),
                          ("CreationDate", "created"), ("Producer", "producer")):
            value = doc.getobj(info[key].objid) if hasattr(info.get(key), "objid") else info.get(key)
            text = _pdf_string(value)
            if text:
                found[name] = text
    except (LantaiError, *_MINER_ERRORS):
        pass
    return found


def _pdf_string(value: object) -> str | None:
    """A PDF text string (UTF-16 with BOM or PDFDocEncoding) as str."""
    if isinstance(value, bytes):
        if value.startswith((b"\xfe\xff", b"\xff\xfe")):
            text = value.decode("utf-16", "replace")
        else:
            text = value.decode("latin-1")
        text = text.replace("\x00", "").strip()
        return text or None
    if isinstance(value, str):
        return value.strip() or None
    return None
