"""Test documents for collection: born-digital Chinese PDFs (reportlab), a PDF carrying JavaScript
(pypdf), a DOCX with a macro project, and transfer lists; all built here, nothing downloaded."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"


def pdf_file(path: Path, pages: list[str]) -> Path:
    """A PDF with a text layer: one page per string."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    page = canvas.Canvas(str(path), pagesize=A4)
    for text in pages:
        page.setFont(FONT, 16)
        for number, line in enumerate(text.split("\n")):
            page.drawString(72, 760 - 24 * number, line)
        page.showPage()
    page.save()
    return path


def pdf_with_javascript(path: Path, pages: list[str]) -> Path:
    """A PDF that runs JavaScript when opened (document-level /Names /JavaScript and /OpenAction)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    plain = pdf_file(path.with_suffix(".plain.pdf"), pages)
    writer = PdfWriter(clone_from=PdfReader(str(plain)))
    action = DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                               NameObject("/JS"): TextStringObject("app.alert('hello');")})
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    with path.open("wb") as handle:
        writer.write(handle)
    plain.unlink()
    return path


def docx_with_macros(path: Path, source: Path) -> Path:
    """A copy of a DOCX package with a ``word/vbaProject.bin`` part added."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w") as out:
        for item in original.infolist():
            out.writestr(item, original.read(item.filename))
        out.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0 fake VBA project")
    return path


def transfer_list(path: Path, rows: list[dict[str, Any]]) -> Path:
    """A transfer list (移交清册) as CSV with Chinese headers."""
    headers = ["序号", "文件", "题名", "文号", "日期", "页数", "件数", "保管期限", "责任者", "备注"]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(h, "") for h in headers])
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path
