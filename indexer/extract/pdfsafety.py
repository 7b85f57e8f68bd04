"""Opening a PDF safely: password handling, reference cycles and a stream decompression budget.

pdfminer follows a chain of indirect references without end when objects refer to each
other in a loop, and inflates each stream whole in memory. Before any page is read, this
module walks the file once: it refuses reference cycles and page-tree loops (``CorruptFile``),
inflates every Flate stream step by step against ``ctx.pdf_max_stream_bytes`` and checks
the declared size of every embedded image against ``ctx.max_image_pixels``
(``ResourceLimitExceeded``).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, BinaryIO

from pdfminer.ascii85 import ascii85decode, asciihexdecode
from pdfminer.lzw import LZWDecoder
from pdfminer.pdfdocument import (
    PDFDocument,
    PDFEncryptionError,
    PDFPasswordIncorrect,
)
from pdfminer.pdfexceptions import PDFException
from pdfminer.pdfparser import PDFParser, PDFSyntaxError
from pdfminer.pdftypes import PDFObjRef, PDFStream
from pdfminer.psparser import PSException, PSLiteral

from indexer.extract.base import (
    CorruptFile,
    EmptyFile,
    EncryptedFile,
    ExtractContext,
    ExtractionError,
)
from indexer.extract.limits import DecompressionBudget, check_pixels, inflated_size

# How many objects a page-tree walk may visit; a real tree has one node per page or fewer.
_MAX_TREE_NODES = 1_000_000


class CyclicReference(PDFSyntaxError):
    """Indirect objects refer to each other in a loop."""


class SafePDFDocument(PDFDocument):
    """A pdfminer document that refuses reference loops instead of following them forever."""

    def getobj(self, objid: int) -> object:
        """The object ``objid``, with a chain of bare references followed to its end once."""
        obj = super().getobj(objid)
        seen = {objid}
        while isinstance(obj, PDFObjRef):
            if obj.objid in seen:
                raise CyclicReference(f"objects {sorted(seen)} refer to each other in a loop")
            seen.add(obj.objid)
            obj = super().getobj(obj.objid)
        return obj


def corrupt(path: Path, detail: str) -> CorruptFile:
    """The error for a PDF whose structure cannot be read. ``detail`` is "English / 中文", or a
    library's own English, which stays out of the Chinese half."""
    detail_en, _sep, detail_zh = detail.partition(" / ")
    return CorruptFile(
        f"The PDF {path.name} is corrupt and cannot be read: {detail_en}",
        f"PDF 文件 {path.name} 已损坏，无法读取" + (f"：{detail_zh}" if detail_zh else ""),
    )


def open_document(
    path: Path, handle: BinaryIO, ctx: ExtractContext, caching: bool = True
) -> SafePDFDocument:
    """Parse the PDF structure with pdfminer, with ``ctx.password`` if the file needs one.

    ``caching=False`` keeps no parsed object in memory (for the one pass over every object).
    """
    head = handle.read(1024)
    handle.seek(0)
    if not head:
        raise EmptyFile(f"The PDF {path.name} is empty", f"PDF 文件 {path.name} 为空")
    if b"%PDF-" not in head:
        raise corrupt(path, "it does not start with a PDF header / 文件头不是 PDF")
    try:
        return SafePDFDocument(PDFParser(handle), password=ctx.password or "", caching=caching)
    except PDFPasswordIncorrect as exc:
        raise encrypted(path, ctx) from exc
    except PDFEncryptionError as exc:
        raise EncryptedFile(
            f"The PDF {path.name} uses an encryption that cannot be opened ({exc})",
            f"PDF 文件 {path.name} 使用了无法打开的加密方式",
        ) from exc
    except CyclicReference as exc:
        raise corrupt(path, str(exc)) from exc
    except (PDFException, PSException) as exc:
        raise corrupt(path, f"no readable document structure ({exc})") from exc
    except RecursionError as exc:
        raise corrupt(path, "its objects nest or refer to each other without end / 对象无限嵌套或循环引用") from exc
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, EOFError) as exc:
        raise corrupt(path, f"{type(exc).__name__}: {exc}") from exc


def encrypted(path: Path, ctx: ExtractContext) -> EncryptedFile:
    """The error for a PDF that needs a (different) password."""
    if ctx.password:
        return EncryptedFile(
            f"The PDF {path.name} is encrypted and the password given does not open it",
            f"PDF 文件 {path.name} 已加密，所给密码无法打开",
        )
    return EncryptedFile(
        f"The PDF {path.name} is encrypted; supply its password to index it",
        f"PDF 文件 {path.name} 已加密，请提供密码后再编入索引",
    )


def _name(value: object) -> str:
    """A PDF name (``/FlateDecode``) as plain text."""
    if isinstance(value, PSLiteral):
        return str(value.name)
    return str(value)


def _resolve(doc: SafePDFDocument, value: object) -> object:
    """One level of ``value`` resolved through the loop-safe document."""
    if isinstance(value, PDFObjRef):
        return doc.getobj(value.objid)
    return value


def preflight(path: Path, ctx: ExtractContext) -> list[str]:
    """Walk every object once: refuse loops, decompression bombs and pixel floods.

    A document of its own, without object cache, so that the pass holds one stream at a time.
    Returns the active content the walk met (JavaScript actions, ``/JS``, ``/Launch``), which
    receipt checks report (``collection.checks``) without opening the file again.
    """
    with path.open("rb") as handle:
        doc = open_document(path, handle, ctx, caching=False)
        found = _preflight(path, doc, ctx)
        return sorted(set(found + catalog_active_content(doc)))


ACTIVE_ACTIONS = frozenset({"JavaScript", "Launch", "ImportData", "SubmitForm", "Rendition"})


def _active(doc: SafePDFDocument, objid: int | str, obj: dict[str, Any]) -> str | None:
    """What active content a dictionary is, if any (a JavaScript or launch action, a /JS key)."""
    if "JS" in obj:
        return f"JavaScript ({objid})"
    action = _name(_resolve(doc, obj.get("S")))
    if action in ACTIVE_ACTIONS:
        return f"{action} ({objid})"
    return None


def catalog_active_content(doc: SafePDFDocument) -> list[str]:
    """Document-level active content: the /Names /JavaScript tree, /OpenAction and /AA of the catalog."""
    found: list[str] = []
    try:
        catalog = doc.catalog
        names = _resolve(doc, catalog.get("Names"))
        if isinstance(names, dict) and "JavaScript" in names:
            found.append("JavaScript (/Names)")
        for key in ("OpenAction", "AA"):
            value = _resolve(doc, catalog.get(key))
            if key == "AA" and value is not None:
                found.append("/AA (catalog)")
            elif isinstance(value, dict) and (hit := _active(doc, f"/{key}", value)):
                found.append(hit)
    except (PDFException, PSException, ValueError, TypeError, KeyError):
        pass
    return found


def _preflight(path: Path, doc: SafePDFDocument, ctx: ExtractContext) -> list[str]:
    """The pass of ``preflight`` over an open document.

    Streams first: object streams are then known to be safe before the page-tree walk
    makes pdfminer decode them.
    """
    active: list[str] = []
    try:
        for objid in _direct_object_ids(doc):
            try:
                obj = doc.getobj(objid)
            except CyclicReference:
                raise
            except (PDFException, PSException, ValueError, TypeError, KeyError):
                continue  # a damaged object: the page that uses it degrades on its own
            if isinstance(obj, PDFStream):
                _check_stream(doc, objid, obj, ctx, path.name)
            elif isinstance(obj, dict) and (hit := _active(doc, objid, obj)):
                active.append(hit)
        _check_page_tree(path, doc)
        return active
    except CyclicReference as exc:
        raise corrupt(path, str(exc)) from exc
    except RecursionError as exc:
        raise corrupt(path, "its objects nest or refer to each other without end / 对象无限嵌套或循环引用") from exc


def _direct_object_ids(doc: SafePDFDocument) -> list[int]:
    """Ids of objects stored directly in the file (streams are never inside object streams)."""
    ids: set[int] = set()
    for xref in doc.xrefs:
        for objid in xref.get_objids():
            try:
                strmid, _index, _genno = xref.get_pos(objid)
            except (KeyError, ValueError, TypeError):
                continue
            if strmid is None:
                ids.add(objid)
    return sorted(ids)


def _check_page_tree(path: Path, doc: SafePDFDocument) -> None:
    """Refuse a page tree in which a node is its own ancestor (or appears twice)."""
    pages = _resolve(doc, doc.catalog.get("Pages"))
    root_ref = doc.catalog.get("Pages")
    stack: list[tuple[object, object]] = [(root_ref, pages)]
    seen: set[int] = set()
    visited = 0
    while stack:
        ref, node = stack.pop()
        if isinstance(ref, PDFObjRef):
            if ref.objid in seen:
                raise CyclicReference(f"the page tree reaches object {ref.objid} twice")
            seen.add(ref.objid)
        visited += 1
        if visited > _MAX_TREE_NODES:
            raise corrupt(path, "the page tree is impossibly large / 页面树异常庞大")
        if not isinstance(node, dict):
            continue
        kids = _resolve(doc, node.get("Kids"))
        if isinstance(kids, list):
            stack.extend((kid, _resolve(doc, kid)) for kid in kids)


def _check_stream(doc: SafePDFDocument, objid: int, stream: PDFStream, ctx: ExtractContext, filename: str = "") -> None:
    """Check one stream's inflated size and, for an image, its declared pixel count."""
    attrs: dict[str, Any] = stream.attrs
    part = f"object {objid}"
    if _name(_resolve(doc, attrs.get("Subtype"))) == "Image":
        width = _resolve(doc, attrs.get("Width", attrs.get("W")))
        height = _resolve(doc, attrs.get("Height", attrs.get("H")))
        if isinstance(width, int) and isinstance(height, int):
            check_pixels(width, height, ctx.max_image_pixels, f"embedded image ({part})", filename)
    filters = [_name(f) for f, _params in stream.get_filters()]
    if not filters:
        return
    data = stream.rawdata if stream.rawdata is not None else b""
    if stream.decipher:
        data = stream.decipher(objid, stream.genno or 0, data, attrs)
    budget = DecompressionBudget(ctx.pdf_max_stream_bytes, "a PDF stream", "PDF 数据流")
    for name in filters:
        if name in ("FlateDecode", "Fl"):
            inflated_size(data, budget, part)
            return  # later filters (images, predictors) shrink or keep the size
        if name in ("ASCIIHexDecode", "AHx"):
            data = asciihexdecode(data)
        elif name in ("ASCII85Decode", "A85"):
            data = ascii85decode(data)
        elif name in ("LZWDecode", "LZW"):
            _count_lzw(data, budget, part)
            return
        elif name in ("RunLengthDecode", "RL"):
            # Each run expands at most 128 / 2 = 64 times: count without decoding.
            budget.add(len(data) * 64 if len(data) * 64 > budget.limit else 0, part)
            return
        else:
            return  # image codecs: their output is bounded by the pixel check above


def _count_lzw(data: bytes, budget: DecompressionBudget, part: str) -> None:
    """Run pdfminer's LZW decoder lazily, counting output against the budget."""
    try:
        for chunk in LZWDecoder(io.BytesIO(data)).run():
            budget.add(len(chunk), part)
    except ExtractionError:
        raise
    except Exception:  # noqa: S110  (a broken LZW stream degrades when the page is read)
        pass
