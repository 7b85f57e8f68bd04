"""Word (DOCX) and Excel (XLSX) documents.

DOCX: body paragraphs and tables in document order, headers at the start of the first page
and footers at the end of the last. Pages are split only at explicit page breaks (a
``<w:br w:type="page"/>`` or a paragraph with "page break before"); a document without them
is one page, because Word's pagination depends on fonts and printers we do not have, and a
guess by character count would give page numbers that match nothing the user sees.
XLSX: one page per sheet, cells tab-separated, rows on separate lines (formula results, not
formulas).
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar
from xml.etree import ElementTree

from docx import Document
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.table import Table
from lxml import etree
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from archive.vocabulary import PageSource
from indexer.extract.base import (
    CorruptFile,
    EncryptedFile,
    ExtractContext,
    Extraction,
    PageContent,
)
from indexer.extract.cjk import join_pieces, tidy
from indexer.extract.detect import DOCX, XLSX
from indexer.extract.zipread import check_file

_PAGE_BREAK = "\f"  # marks an explicit page break inside the collected body text
_W_P = qn("w:p")
_W_TBL = qn("w:tbl")
_W_T = qn("w:t")
_W_TAB = qn("w:tab")
_W_BR = qn("w:br")
_W_CR = qn("w:cr")
_W_TYPE = qn("w:type")
_W_PAGE_BREAK_BEFORE = qn("w:pageBreakBefore")
_W_VAL = qn("w:val")
_W_PPR = qn("w:pPr")
_W_SDT = qn("w:sdt")
_W_SDT_CONTENT = qn("w:sdtContent")
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


def _corrupt(kind_en: str, kind_zh: str, exc: Exception) -> CorruptFile:
    """A ``CorruptFile`` naming the format and the library's complaint."""
    return CorruptFile(
        f"This {kind_en} file is corrupt and cannot be opened ({type(exc).__name__}: {exc})",
        f"该{kind_zh}文件已损坏，无法打开；请用原软件重新保存后再上传",
    )


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def office_macros(path: Path) -> list[str]:
    """Macro projects in an Office file: ``vbaProject.bin`` in an OOXML package, VBA streams in OLE2."""
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
            if head == _OLE_MAGIC:
                data = handle.read(16 * 1024 * 1024)
                return ["VBA macros (OLE)"] if "_VBA_PROJECT".encode("utf-16-le") in data else []
        with zipfile.ZipFile(path) as package:
            return [f"VBA macros ({name})" for name in package.namelist() if name.lower().endswith("vbaproject.bin")]
    except (OSError, zipfile.BadZipFile):
        return []


def check_not_ole(path: Path, kind_en: str, kind_zh: str) -> None:
    """Office 2007+ files protected by a password are OLE2 containers holding an
    ``EncryptedPackage`` stream; other OLE2 files here are old .doc/.xls renamed."""
    with path.open("rb") as handle:
        if handle.read(8) != _OLE_MAGIC:
            return
        head = handle.read(4 * 1024 * 1024)
    if "EncryptedPackage".encode("utf-16-le") in head:
        raise EncryptedFile(
            f"This {kind_en} file is protected by a password; remove the password and upload it again",
            f"该{kind_zh}文件受密码保护，请去除密码后重新上传",
        )
    raise CorruptFile(
        f"This is an old binary Office file (.doc/.xls), not {kind_en}; save it in the new format",
        f"该文件是旧版二进制 Office 文件（.doc/.xls），不是{kind_zh}，请另存为新格式",
    )


def _iso(value: Any) -> str | None:
    """A date property as ISO 8601 text, None when absent."""
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return None


def _core_metadata(props: Any, creator_attr: str) -> dict[str, Any]:
    """Title, creator, dates and keywords from OOXML core properties (docProps/core.xml)."""
    metadata: dict[str, Any] = {}
    for key, attr in (("title", "title"), ("creator", creator_attr), ("subject", "subject"),
                      ("keywords", "keywords"), ("last_modified_by", "last_modified_by")):
        value = getattr(props, attr, None)
        if value:
            metadata[key] = str(value).strip()
    for key, attr in (("date", "created"), ("modified", "modified")):
        value = _iso(getattr(props, attr, None))
        if value:
            metadata[key] = value
    return metadata


def _paragraph_text(p: Any) -> str:
    """Text of one ``<w:p>`` element with tabs, line breaks and ``\\f`` for page breaks."""
    out: list[str] = []
    ppr = p.find(_W_PPR)
    if ppr is not None:
        before = ppr.find(_W_PAGE_BREAK_BEFORE)
        if before is not None and before.get(_W_VAL, "true") not in {"0", "false", "off"}:
            out.append(_PAGE_BREAK)
    _run_text(p, out)
    return "".join(out)


def _run_text(element: Any, out: list[str]) -> None:
    """Collect run text below ``element``, skipping ``mc:Fallback`` (Word stores text boxes
    twice, as DrawingML and as a VML fallback) and field instructions."""
    for node in element:
        tag = node.tag
        if tag == _W_T:
            out.append(node.text or "")
        elif tag == _W_TAB:
            out.append("\t")
        elif tag == _W_BR:
            out.append(_PAGE_BREAK if node.get(_W_TYPE) == "page" else "\n")
        elif tag == _W_CR:
            out.append("\n")
        elif tag == _W_P:  # a paragraph inside a text box
            out.append("\n")
            _run_text(node, out)
            out.append("\n")
        elif tag != _MC_FALLBACK and isinstance(tag, str):
            _run_text(node, out)


def _table_text(table: Any) -> str:
    """A table as lines of tab-separated cells (merged cells once, nested tables inline)."""
    lines: list[str] = []
    for row in table.rows:
        cells: list[str] = []
        seen: list[Any] = []  # the <w:tc> elements already written (merged cells repeat)
        for cell in row.cells:
            if any(cell._tc is tc for tc in seen):
                continue
            seen.append(cell._tc)
            text = tidy(_block_text(cell._tc, cell).replace(_PAGE_BREAK, "").replace("\t", " "))
            cells.append(join_pieces(text.split("\n")))
        lines.append("\t".join(cells))
    return "\n".join(lines)


def _block_text(element: Any, parent: Any) -> str:
    """Paragraphs and tables of a body, cell, header or footer, in document order
    (content controls, ``<w:sdt>``, are opened: cover pages and tables of contents live there)."""
    parts: list[str] = []
    for child in element:
        if child.tag == _W_P:
            parts.append(_paragraph_text(child))
        elif child.tag == _W_TBL:
            parts.append(_table_text(Table(child, parent)))
        elif child.tag == _W_SDT:
            content = child.find(_W_SDT_CONTENT)
            if content is not None:
                parts.append(_block_text(content, parent))
    return "\n".join(parts)


def _headers_footers(document: Any) -> tuple[list[str], list[str]]:
    """Distinct header and footer texts of all sections (first-page and even-page ones too)."""
    headers: list[str] = []
    footers: list[str] = []
    for section in document.sections:
        for attr, bucket in (("header", headers), ("first_page_header", headers),
                             ("even_page_header", headers), ("footer", footers),
                             ("first_page_footer", footers), ("even_page_footer", footers)):
            part = getattr(section, attr)
            if part.is_linked_to_previous and attr != "header" and attr != "footer":
                continue
            text = tidy(_block_text(part._element, part).replace(_PAGE_BREAK, ""))
            if text and text not in bucket:
                bucket.append(text)
    return headers, footers


class DocxExtractor:
    """Word 2007+ documents via python-docx."""

    name: ClassVar[str] = "docx"
    mime_types: ClassVar[frozenset[str]] = frozenset({DOCX})

    def extract(self, path: Path, mime_type: str, ctx: ExtractContext) -> Extraction:
        """Read the whole text now (a DOCX is small) and split it at explicit page breaks."""
        check_not_ole(path, "Word (DOCX)", "Word（DOCX）")
        check_file(path, ctx, "Word (DOCX)", "Word（DOCX）")
        try:
            document = Document(str(path))
            body = _block_text(document.element.body, document._body)
            headers, footers = _headers_footers(document)
            metadata = _core_metadata(document.core_properties, "author")
        except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile,
                etree.XMLSyntaxError) as exc:
            raise _corrupt("Word (DOCX)", "Word（DOCX）", exc) from exc
        texts = [tidy(chunk) for chunk in body.split(_PAGE_BREAK)]
        # A break at the very start or end makes no page of its own.
        while len(texts) > 1 and not texts[-1]:
            texts.pop()
        while len(texts) > 1 and not texts[0]:
            texts.pop(0)
        if headers:
            texts[0] = "\n".join([*headers, texts[0]]).strip()
        if footers:
            texts[-1] = "\n".join([texts[-1], *footers]).strip()
        if headers:
            metadata["header"] = "\n".join(headers)
        if footers:
            metadata["footer"] = "\n".join(footers)
        if macros := office_macros(path):
            metadata["active_content"] = macros
        return Extraction(len(texts), _pages(texts, ctx), metadata)


def _cell(value: Any) -> str:
    """A cell value as text: whole floats without ``.0``, dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date().isoformat()  # Excel stores dates as midnight datetimes
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return str(value).replace("\r\n", " ").replace("\n", " ").replace("\t", " ")


class XlsxExtractor:
    """Excel 2007+ workbooks via openpyxl in read-only mode: one page per sheet."""

    name: ClassVar[str] = "xlsx"
    mime_types: ClassVar[frozenset[str]] = frozenset({XLSX})

    def extract(self, path: Path, mime_type: str, ctx: ExtractContext) -> Extraction:
        """Open the workbook; sheets are read one at a time as pages are asked for."""
        check_not_ole(path, "Excel (XLSX)", "Excel（XLSX）")
        check_file(path, ctx, "Excel (XLSX)", "Excel（XLSX）", streamed=("xl/worksheets/",))
        try:
            workbook = load_workbook(str(path), read_only=True, data_only=True)
            metadata = _core_metadata(workbook.properties, "creator")
        except (InvalidFileException, KeyError, ValueError, zipfile.BadZipFile, OSError,
                etree.XMLSyntaxError, ElementTree.ParseError) as exc:  # openpyxl parses with both
            raise _corrupt("Excel (XLSX)", "Excel（XLSX）", exc) from exc
        metadata["sheets"] = list(workbook.sheetnames)
        if macros := office_macros(path):
            metadata["active_content"] = macros
        return Extraction(len(workbook.sheetnames), _sheet_pages(workbook, ctx), metadata)


def _sheet_pages(workbook: Any, ctx: ExtractContext) -> Iterator[PageContent]:
    """One page per sheet; a sheet that fails to parse is a page error, the rest go on."""
    total = len(workbook.sheetnames)
    try:
        for number, sheet in enumerate(workbook.worksheets, start=1):
            try:
                lines = []
                for row in sheet.iter_rows(values_only=True):
                    cells = [_cell(value) for value in row]
                    while cells and not cells[-1]:
                        cells.pop()
                    if cells:
                        lines.append("\t".join(cells))
                page = PageContent(number, "\n".join(lines), PageSource.ELECTRONIC)
            except (KeyError, ValueError, TypeError, etree.XMLSyntaxError, ElementTree.ParseError,
                    zipfile.BadZipFile, EOFError) as exc:
                page = PageContent(number, "", PageSource.ELECTRONIC,
                                   error=_corrupt(f"Excel sheet ({sheet.title})",
                                                  f"Excel 工作表（{sheet.title}）", exc))
            yield page
            ctx.progress(number, total)
    finally:
        workbook.close()


def _pages(texts: list[str], ctx: ExtractContext) -> Iterator[PageContent]:
    """Electronic pages numbered from 1."""
    for number, text in enumerate(texts, start=1):
        yield PageContent(number=number, text=text, source=PageSource.ELECTRONIC)
        ctx.progress(number, len(texts))
