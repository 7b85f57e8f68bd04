"""OFD (GB/T 33190), the Chinese national fixed-layout format: text of each page from its
``TextObject``/``TextCode`` elements, in reading order.

Structure followed: ``OFD.xml`` -> ``DocBody/DocRoot`` (e.g. ``Doc_0/Document.xml``) ->
``Pages/Page/@BaseLoc`` (relative to the document's folder, or absolute from the package
root) -> ``Content.xml`` -> ``Layer`` (and nested ``PageBlock``) -> ``TextObject`` with a
``Boundary`` (x y w h, in mm) and ``TextCode`` elements whose ``X``/``Y`` are relative to it.
Elements are matched by local name because producers differ in namespace prefixes.
Not handled: text in template pages (``TemplatePage``, usually letterheads), ``CTM``
transforms of rotated text, and rendering a page image (no OFD renderer is available).
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from lxml import etree

from archive.vocabulary import PageSource
from indexer.extract.base import (
    CorruptFile,
    ExtractContext,
    Extraction,
    LantaiError,
    PageContent,
)
from indexer.extract.cjk import join_pieces
from indexer.extract.detect import OFD
from indexer.extract.zipread import check_elements, check_limits, member_name, open_zip, read_member

_KIND = ("OFD", "OFD 版式")
_DEFAULT_FONT_MM = 3.5  # about 10 pt, used when a TextObject gives no Size
_DOCINFO_FIELDS = {
    "Title": "title",
    "Author": "creator",
    "CreationDate": "date",
    "ModDate": "modified",
    "Subject": "subject",
    "Abstract": "description",
    "Creator": "producer",
    "CreatorVersion": "producer_version",
    "DocID": "doc_id",
}


def _parser() -> etree.XMLParser:
    """An XML parser that fetches nothing and expands no entities (untrusted input)."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           huge_tree=False, remove_comments=True)


def _parse(zf: zipfile.ZipFile, name: str) -> Any:
    """Parse one XML part; a broken one raises ``CorruptFile`` naming the part."""
    data = read_member(zf, name)
    check_elements(data, name, "OFD", "OFD")
    try:
        return etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise CorruptFile(
            f"The OFD part {name} is not valid XML ({exc})",
            f"OFD 部件 {name} 不是有效的 XML",
        ) from exc


def _local(element: Any) -> str:
    """An element's name without namespace ('' for comments and processing instructions)."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def _children(element: Any, name: str) -> list[Any]:
    """Direct children with the local name ``name``."""
    return [child for child in element if _local(child) == name]


def _descendants(element: Any, name: str) -> Iterator[Any]:
    """All descendants with the local name ``name``, in document order."""
    for node in element.iter():
        if _local(node) == name:
            yield node


def _resolve(base_dir: str, loc: str) -> str:
    """A location in the package: absolute from the root when it starts with '/', else relative."""
    loc = loc.strip().replace("\\", "/")
    joined = loc.lstrip("/") if loc.startswith("/") else posixpath.join(base_dir, loc)
    return posixpath.normpath(joined).lstrip("/")


def _numbers(text: str | None, count: int) -> list[float]:
    """The first ``count`` numbers of a space-separated attribute, zeros when absent or bad."""
    values: list[float] = []
    for token in (text or "").split():
        try:
            values.append(float(token))
        except ValueError:
            break
    return (values + [0.0] * count)[:count]


@dataclass
class _Code:
    """One run of text at an absolute page position (mm)."""

    x: float
    y: float
    size: float
    text: str


def page_text(content: Any) -> str:
    """Text of one page's ``Content.xml`` root in reading order: lines top to bottom, each
    line's runs left to right, joined without spaces between Chinese characters."""
    codes: list[_Code] = []
    for obj in _descendants(content, "TextObject"):
        left, top, _, _ = _numbers(obj.get("Boundary"), 4)
        size = _numbers(obj.get("Size"), 1)[0] or _DEFAULT_FONT_MM
        x = y = 0.0
        for code in _children(obj, "TextCode"):
            # A TextCode without X/Y continues where the previous one was (GB/T 33190 11.2).
            if code.get("X") is not None:
                x = _numbers(code.get("X"), 1)[0]
            if code.get("Y") is not None:
                y = _numbers(code.get("Y"), 1)[0]
            text = "".join(code.itertext())
            if text.strip():
                codes.append(_Code(left + x, top + y, size, text))
    codes.sort(key=lambda c: (c.y, c.x))
    lines: list[list[_Code]] = []
    for code in codes:
        # Same line when baselines are closer than half a character height.
        if lines and abs(code.y - lines[-1][0].y) < 0.5 * min(code.size, lines[-1][0].size):
            lines[-1].append(code)
        else:
            lines.append([code])
    return "\n".join(
        join_pieces([c.text for c in sorted(line, key=lambda c: c.x)]) for line in lines
    )


@dataclass
class _PageRef:
    """Where one page's content lives in the package."""

    number: int
    part: str


def _document_pages(zf: zipfile.ZipFile, doc_root: str, first: int) -> list[_PageRef]:
    """The pages listed by one Document.xml, numbered on from ``first``."""
    document = _parse(zf, doc_root)
    base_dir = posixpath.dirname(doc_root)
    refs: list[_PageRef] = []
    for pages in _children(document, "Pages"):
        for page in _children(pages, "Page"):
            loc = page.get("BaseLoc")
            if loc:
                refs.append(_PageRef(first + len(refs), _resolve(base_dir, loc)))
    return refs


def _doc_info(body: Any) -> dict[str, Any]:
    """Document properties from a DocBody's DocInfo."""
    metadata: dict[str, Any] = {}
    for info in _children(body, "DocInfo"):
        for child in info:
            key = _DOCINFO_FIELDS.get(_local(child))
            value = (child.text or "").strip()
            if key and value:
                metadata[key] = value
    return metadata


class OfdExtractor:
    """OFD documents: one page per OFD page, text from text objects."""

    name: ClassVar[str] = "ofd"
    mime_types: ClassVar[frozenset[str]] = frozenset({OFD})

    def extract(self, path: Path, mime_type: str, ctx: ExtractContext) -> Extraction:
        """Read the package structure now; pages are parsed one at a time as asked for."""
        zf = open_zip(path, *_KIND)
        try:
            check_limits(zf, ctx)
            if member_name(zf, "OFD.xml") is None:
                raise CorruptFile(
                    "This is not an OFD document: OFD.xml is missing from the package",
                    "这不是 OFD 文档：包内缺少 OFD.xml",
                )
            root = _parse(zf, "OFD.xml")
            metadata: dict[str, Any] = {}
            refs: list[_PageRef] = []
            for body in _children(root, "DocBody"):
                if not metadata:
                    metadata = _doc_info(body)
                for doc_root in _children(body, "DocRoot"):
                    if doc_root.text and doc_root.text.strip():
                        part = _resolve("", doc_root.text)
                        refs.extend(_document_pages(zf, part, len(refs) + 1))
            if not refs:
                raise CorruptFile("The OFD document lists no pages", "OFD 文档中没有页面")
        except BaseException:
            zf.close()
            raise
        metadata["ofd_version"] = root.get("Version")
        return Extraction(len(refs), _pages(zf, refs, ctx), metadata)


def _pages(zf: zipfile.ZipFile, refs: list[_PageRef], ctx: ExtractContext) -> Iterator[PageContent]:
    """Each page's text; a missing or broken Content.xml is that page's error only."""
    try:
        for ref in refs:
            try:
                text = page_text(_parse(zf, ref.part))
                page = PageContent(ref.number, text, PageSource.ELECTRONIC)
            except LantaiError as exc:
                page = PageContent(ref.number, "", PageSource.ELECTRONIC, error=exc)
            yield page
            ctx.progress(ref.number, len(refs))
    finally:
        zf.close()
