"""OpenDocument text (ODT) via odfpy: headings, paragraphs, lists and tables in order, as one
page (ODF page breaks live in styles and depend on layout, like Word's)."""

from __future__ import annotations

import xml.sax
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from odf import teletype
from odf.namespaces import DCNS, METANS, TABLENS, TEXTNS
from odf.opendocument import load

from archive.vocabulary import PageSource
from indexer.extract.base import CorruptFile, ExtractContext, Extraction, PageContent
from indexer.extract.cjk import join_pieces, tidy
from indexer.extract.detect import ODT
from indexer.extract.zipread import check_file

_PARAGRAPHS = {(TEXTNS, "p"), (TEXTNS, "h")}
_ROW = (TABLENS, "table-row")
_CELL = (TABLENS, "table-cell")
# Not body text: tracked deletions, notes' citations are kept but change records are not.
_SKIP = {(TEXTNS, "tracked-changes"), (TEXTNS, "sequence-decls"), (TABLENS, "table-columns")}


def _walk(node: Any, lines: list[str]) -> None:
    """Append the text lines below ``node`` in document order."""
    for child in node.childNodes:
        qname = getattr(child, "qname", None)
        if qname is None or qname in _SKIP:
            continue
        if qname in _PARAGRAPHS:
            lines.append(teletype.extractText(child))
        elif qname == _ROW:
            cells = []
            for cell in child.childNodes:
                if getattr(cell, "qname", None) == _CELL:
                    inner: list[str] = []
                    _walk(cell, inner)
                    cells.append(join_pieces(inner))
            lines.append("\t".join(cells))
        else:
            _walk(child, lines)


def _meta(document: Any) -> dict[str, Any]:
    """Title, creator and creation date from meta.xml."""
    wanted = {
        (DCNS, "title"): "title",
        (METANS, "initial-creator"): "creator",
        (DCNS, "subject"): "subject",
        (METANS, "creation-date"): "date",
        (DCNS, "date"): "modified",
        (DCNS, "creator"): "last_modified_by",
    }
    metadata: dict[str, Any] = {}
    for child in document.meta.childNodes:
        key = wanted.get(getattr(child, "qname", ("", "")))
        if key:
            value = teletype.extractText(child).strip()
            if value:
                metadata[key] = value
    if "creator" not in metadata and "last_modified_by" in metadata:
        metadata["creator"] = metadata["last_modified_by"]
    return metadata


class OdtExtractor:
    """OpenDocument text files (LibreOffice, WPS, Yozo Office)."""

    name: ClassVar[str] = "odt"
    mime_types: ClassVar[frozenset[str]] = frozenset({ODT})

    def extract(self, path: Path, mime_type: str, ctx: ExtractContext) -> Extraction:
        """Read the body text and meta.xml properties."""
        check_file(path, ctx, "OpenDocument text (ODT)", "OpenDocument 文本（ODT）")
        try:
            document = load(str(path))
            lines: list[str] = []
            _walk(document.text, lines)
            metadata = _meta(document)
        except (KeyError, ValueError, AttributeError, zipfile.BadZipFile,
                xml.sax.SAXException) as exc:
            raise CorruptFile(
                f"This OpenDocument text (ODT) file is corrupt and cannot be opened "
                f"({type(exc).__name__}: {exc})",
                "该 OpenDocument 文本（ODT）文件已损坏，无法打开；请用原软件重新保存后再上传",
            ) from exc
        text = tidy("\n".join(lines))
        return Extraction(1, _page(text, ctx), metadata)


def _page(text: str, ctx: ExtractContext) -> Iterator[PageContent]:
    """The one page."""
    yield PageContent(number=1, text=text, source=PageSource.ELECTRONIC)
    ctx.progress(1, 1)
