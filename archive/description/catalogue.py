"""Export of the 归档文件目录 (catalogue) per fonds, year and retention, as XLSX or PDF.

Columns after DA/T 22: 序号, 档号, 文号, 责任者, 题名, 日期, 密级, 页数, 备注. The PDF uses
reportlab's built-in CID font STSong-Light, so Chinese renders without any font file.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import openpyxl
from openpyxl.styles import Alignment, Border, Font, Side
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.catalog.models import Record
from archive.description.schema import RETENTIONS
from config.errors import InputError

HEADERS = ("序号", "档号", "文号", "责任者", "题名", "日期", "密级", "页数", "备注")
CJK_FONT = "STSong-Light"


@dataclass(frozen=True)
class CatalogueRow:
    """One line of the 归档文件目录."""

    number: int
    reference_code: str
    doc_number: str
    creator: str
    title: str
    date: str
    classification: str
    page_count: int
    note: str

    def cells(self) -> list[str | int]:
        """The row's values in column order."""
        return [
            self.number,
            self.reference_code,
            self.doc_number,
            self.creator,
            self.title,
            self.date,
            self.classification,
            self.page_count,
            self.note,
        ]


def catalogue_rows(
    session: Session, fonds: str, year: int | None = None, retention: str | None = None
) -> list[CatalogueRow]:
    """The catalogue of one fonds (optionally one year and retention), in 档号 order."""
    query = select(Record).where(Record.fonds_code == fonds.upper())
    if year is not None:
        query = query.where(Record.year == year)
    if retention:
        query = query.where(Record.retention == retention.upper())
    query = query.order_by(
        Record.category_code, Record.year, Record.retention, Record.department_code, Record.item_number, Record.id
    )
    rows = []
    for number, record in enumerate(session.scalars(query), start=1):
        rows.append(
            CatalogueRow(
                number,
                record.reference_code or "",
                record.doc_number or "",
                record.creator or "",
                record.title or "",
                record.date.strftime("%Y%m%d") if record.date else "",  # DA/T 22 writes dates as 8 digits
                record.classification or "",
                record.page_count or 0,
                record.note or "",
            )
        )
    return rows


def catalogue_title(fonds: str, year: int | None, retention: str | None) -> str:
    """The heading line: 全宗号, 年度 and 保管期限 of the export."""
    parts = [f"全宗号：{fonds.upper()}"]
    if year is not None:
        parts.append(f"年度：{year}")
    if retention:
        parts.append(f"保管期限：{RETENTIONS.get(retention.upper(), retention)}")
    return "　".join(parts)


def catalogue_xlsx(rows: list[CatalogueRow], subtitle: str) -> bytes:
    """The catalogue as an XLSX workbook (one sheet, printable on A4 landscape)."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None  # noqa: S101 - a new workbook always has a sheet
    sheet.title = "归档文件目录"
    sheet.append(["归档文件目录"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    sheet["A1"].font = Font(size=16, bold=True)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append([subtitle])
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(HEADERS))
    sheet.append(list(HEADERS))
    for row in rows:
        sheet.append(row.cells())
    thin = Side(style="thin")
    for line in sheet.iter_rows(min_row=3, max_row=sheet.max_row):
        for cell in line:
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
            cell.alignment = Alignment(vertical="center", wrap_text=True)
    for letter, width in zip("ABCDEFGHI", (6, 26, 20, 18, 48, 11, 7, 6, 14), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.print_title_rows = "3:3"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def catalogue_pdf(rows: list[CatalogueRow], subtitle: str) -> bytes:
    """The catalogue as a PDF (A4 landscape, header row repeated on every page)."""
    cell, heading = pdf_styles()
    sub = ParagraphStyle("sub", fontName=CJK_FONT, fontSize=10, leading=14, alignment=1)
    data = [[Paragraph(h, cell) for h in HEADERS]]
    for row in rows:
        data.append([Paragraph(pdf_escape(str(value)), cell) for value in row.cells()])
    widths = [w * mm for w in (12, 48, 36, 32, 82, 20, 14, 12, 20)]
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title="归档文件目录",
    )
    document.build([Paragraph("归档文件目录", heading), Paragraph(subtitle, sub), Spacer(1, 4 * mm), table])
    return buffer.getvalue()


def pdf_styles() -> tuple[ParagraphStyle, ParagraphStyle]:
    """The CJK font registered once, and the table-cell and heading styles every register uses
    (归档文件目录, 移交清册, 销毁清册)."""
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    cell = ParagraphStyle("cell", fontName=CJK_FONT, fontSize=9, leading=12, wordWrap="CJK")
    heading = ParagraphStyle("heading", fontName=CJK_FONT, fontSize=18, leading=24, alignment=1)
    return cell, heading


def pdf_escape(text: str) -> str:
    """Paragraph text is mini-HTML: escape the characters it treats as markup.

    The 档号's middle dot U+00B7 is written as U+30FB: STSong-Light draws both alike, but only
    U+30FB maps back (to U+00B7) when the PDF's text is copied or searched.
    """
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("\u00b7", "\u30fb")


def export_catalogue(
    session: Session, fonds: str, year: int | None = None, retention: str | None = None, fmt: str = "xlsx"
) -> bytes:
    """The 归档文件目录 of one fonds / year / retention as ``xlsx`` or ``pdf`` bytes."""
    if fmt not in ("xlsx", "pdf"):
        raise InputError(
            f"Catalogue format must be xlsx or pdf, not {fmt!r}", f"目录格式应为 xlsx 或 pdf，而不是 {fmt!r}"
        )
    rows = catalogue_rows(session, fonds, year, retention)
    subtitle = catalogue_title(fonds, year, retention)
    return catalogue_xlsx(rows, subtitle) if fmt == "xlsx" else catalogue_pdf(rows, subtitle)
