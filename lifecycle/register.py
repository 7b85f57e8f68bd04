"""The destruction register (销毁清册) of a batch as XLSX and PDF: 序号, 档号, 题名, 年度, 保管期限,
页数, 鉴定意见, 批准人, 监销人, 销毁日期. Before execution it lists the records as they are (the
last two columns empty); after, it is read from the tombstones. Same libraries as the 移交清册
(openpyxl, reportlab with the CJK font)."""

from __future__ import annotations

import io
from dataclasses import dataclass

import openpyxl
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.catalog.lifecycle import Tombstone
from archive.catalog.models import Record
from archive.description.catalogue import CJK_FONT, pdf_escape, pdf_styles
from archive.vocabulary import Retention, ReviewStatus
from lifecycle.destruction import batch_appraisals, get_batch

HEADERS = ("序号", "档号", "题名", "年度", "保管期限", "页数", "鉴定意见", "批准人", "监销人", "销毁日期")


@dataclass(frozen=True)
class DestructionRegister:
    """What the 销毁清册 shows."""

    title: str
    facts: list[str]
    rows: list[list[str]]


def _retention(value: str | None) -> str:
    return Retention(value).zh if value in Retention.values() else (value or "")


def destruction_register(session: Session, batch_id: int) -> DestructionRegister:
    """The 销毁清册 of a batch, from the catalog (tombstones once carried out)."""
    batch = get_batch(session, batch_id)
    approvers = "、".join(a["by"] for a in batch.approvals)
    rows: list[list[str]] = []
    if batch.status == ReviewStatus.EXECUTED:
        stones = session.scalars(select(Tombstone).where(Tombstone.batch_id == batch.id).order_by(Tombstone.id))
        for n, stone in enumerate(stones, 1):
            rows.append([str(n), stone.reference_code or "", stone.title or "", str(stone.year or ""),
                         _retention(stone.retention), str(stone.page_count), stone.opinion or "",
                         "、".join(stone.approved_by), stone.witness or "", f"{stone.destroyed_at:%Y-%m-%d}"])
    else:
        for n, appraisal in enumerate(batch_appraisals(session, batch.id), 1):
            record = session.get(Record, appraisal.record_id)
            if record is None:
                continue
            rows.append([str(n), record.reference_code or "", record.title or "", str(record.year or ""),
                         _retention(record.retention), str(record.page_count or 0), appraisal.reason, approvers,
                         "", ""])
    facts = [
        f"批次：{batch.id}　{batch.title}",
        f"提出人：{batch.proposed_by}　提出时间：{batch.proposed_at:%Y-%m-%d}",
        f"状态：{ReviewStatus(batch.status).zh}　批准人：{approvers or '（未批准）'}",
        f"共 {len(rows)} 件，{sum(int(r[5] or 0) for r in rows)} 页",
    ]
    if batch.executed_at is not None:
        facts.append(f"执行人：{batch.executed_by}　监销人：{batch.witness}　销毁日期：{batch.executed_at:%Y-%m-%d}")
    return DestructionRegister("销毁清册", facts, rows)


def register_xlsx(data: DestructionRegister) -> bytes:
    """The 销毁清册 as a workbook."""
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
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()



def register_pdf(data: DestructionRegister) -> bytes:
    """The 销毁清册 as a PDF (A4 landscape)."""
    cell, heading = pdf_styles()
    text = ParagraphStyle("text", fontName=CJK_FONT, fontSize=10, leading=15)
    table = Table(
        [[Paragraph(h, cell) for h in HEADERS]] + [[Paragraph(pdf_escape(v), cell) for v in row] for row in data.rows],
        colWidths=[w * mm for w in (12, 46, 60, 14, 18, 12, 40, 28, 20, 22)],
        repeatRows=1,
    )
    table.setStyle(
        TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey)])
    )
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm,
                                 topMargin=12 * mm, bottomMargin=12 * mm, title=data.title)
    document.build([Paragraph(data.title, heading), *[Paragraph(pdf_escape(f), text) for f in data.facts],
                    Spacer(1, 4 * mm), table])
    return buffer.getvalue()
