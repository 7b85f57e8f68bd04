"""The signed-off transfer list (移交清册) as XLSX and PDF: 序号, 题名, 文号, 日期, 页数, 件数,
保管期限, 备注 and, once accepted, the 档号 each item received; with both sides' confirmation."""

from __future__ import annotations

import io
from dataclasses import dataclass

import openpyxl
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy.orm import Session

from archive.catalog.models import Record
from archive.description.catalogue import CJK_FONT, pdf_escape, pdf_styles
from archive.vocabulary import Retention, TransferStatus
from collection.decisions import get_transfer

HEADERS = ("序号", "档号", "题名", "文号", "日期", "页数", "件数", "保管期限", "备注")


@dataclass(frozen=True)
class TransferList:
    """What the 移交清册 shows."""

    title: str
    facts: list[str]
    rows: list[list[str]]
    signatures: list[str]


def transfer_list(session: Session, transfer_id: int) -> TransferList:
    """The 移交清册 of a transfer, from the catalog."""
    transfer = get_transfer(session, transfer_id)
    rows = []
    for item in transfer.items:
        record = session.get(Record, item.record_id) if item.record_id else None
        pages = record.page_count if record is not None and record.page_count else item.pages
        rows.append(
            [
                str(item.position),
                (record.reference_code or "") if record else "",
                item.title or "",
                item.doc_number or "",
                item.date.isoformat() if item.date else "",
                "" if pages is None else str(pages),
                str(item.pieces),
                Retention(item.retention).zh if item.retention in Retention.values() else "",
                "；".join(x for x in (item.note, item.return_reason, None if item.listed else "清册外") if x),
            ]
        )
    task = transfer.task
    facts = [
        f"移交单位：{transfer.department.name}（{transfer.department.code}）",
        f"归档任务：{task.title}（{task.period}），截止 {task.due_date.isoformat()}",
        f"移交编号：{transfer.id}　移交时间：{transfer.submitted_at:%Y-%m-%d %H:%M}",
        f"状态：{TransferStatus(transfer.status).zh}",
        f"共 {len(rows)} 件，{sum(int(r[5] or 0) for r in rows)} 页",
    ]
    signatures = [
        f"移交人：{transfer.submitted_by}　　部门确认：{transfer.confirmed_by_department or '（未确认）'}",
        f"接收人：{transfer.decided_by or '（未接收）'}　　档案室确认：{transfer.confirmed_by_archive or '（未确认）'}"
        + (f"　　接收时间：{transfer.decided_at:%Y-%m-%d}" if transfer.decided_at else ""),
    ]
    return TransferList("移交清册", facts, rows, signatures)


def transfer_list_xlsx(data: TransferList) -> bytes:
    """The 移交清册 as a workbook."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None  # noqa: S101 - a new workbook has one sheet
    sheet.title = data.title
    sheet.append([data.title])
    for fact in data.facts:
        sheet.append([fact])
    sheet.append(list(HEADERS))
    for row in data.rows:
        sheet.append(row)
    sheet.append([])
    for line in data.signatures:
        sheet.append([line])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()



def transfer_list_pdf(data: TransferList) -> bytes:
    """The 移交清册 as a PDF (A4 landscape), signature lines at the end."""
    cell, heading = pdf_styles()
    text = ParagraphStyle("text", fontName=CJK_FONT, fontSize=10, leading=15)
    table = Table(
        [[Paragraph(h, cell) for h in HEADERS]] + [[Paragraph(pdf_escape(v), cell) for v in row] for row in data.rows],
        colWidths=[w * mm for w in (12, 48, 70, 36, 22, 12, 12, 18, 40)],
        repeatRows=1,
    )
    table.setStyle(
        TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey)])
    )
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=data.title,
    )
    story = [
        Paragraph(data.title, heading),
        *[Paragraph(pdf_escape(f), text) for f in data.facts],
        Spacer(1, 4 * mm),
        table,
        Spacer(1, 8 * mm),
        *[Paragraph(pdf_escape(s), text) for s in data.signatures],
    ]
    document.build(story)
    return buffer.getvalue()
