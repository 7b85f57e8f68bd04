"""Receipt checks (接收检测, the four properties of DA/T 70) on every item of a transfer.

The checks read what the pipeline already found (format detection, page count, page errors,
encryption, the text it extracted, active content met while walking a PDF or opening an Office
package: ``record.extra["technical"]["active_content"]``) and never parse a file again; the one
read of each stored original is its SHA-256 (authenticity of the bytes kept), and the optional
virus scan (``LANTAI_CLAMD_URL``). Each result is stored per item and check with a plain
explanation in Chinese and English and the rule it rests on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import socket
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from archive.audit import service as audit
from archive.audit.service import WORKER, Actor, Target
from archive.catalog.collection import ReceiptCheck, Transfer, TransferItem
from archive.catalog.models import Page, Record
from archive.description.schedule import active_lines, match_schedule
from archive.vocabulary import AuditAction, CheckProperty, CheckResult, RecordStatus, TransferStatus
from config.errors import message_halves
from config.settings import Settings
from indexer.context import Lantai
from indexer.describe.extract import extract_fields

AUTH, INTEG, USE, SEC = (
    CheckProperty.AUTHENTICITY,
    CheckProperty.INTEGRITY,
    CheckProperty.USABILITY,
    CheckProperty.SECURITY,
)
PASS, FAIL, WARN, SKIP = CheckResult.PASSED, CheckResult.FAILED, CheckResult.WARNING, CheckResult.SKIPPED
_RANK = {SKIP: 0, PASS: 1, WARN: 2, FAIL: 3}

RULES = {
    "sha256": "DA/T 70-2018 真实性：固化信息（数字摘要）有效 / fixity (digest) valid",
    "provenance": "DA/T 70-2018 真实性：移交人、移交时间已记录 / submitter and time recorded",
    "metadata": "DA/T 18-2022 必著录项（题名、日期、责任者）/ mandatory description",
    "consistency": "DA/T 70-2018 真实性：元数据与内容一致（文号、日期）/ metadata matches content",
    "received": "DA/T 70-2018 完整性：清册所列文件齐全 / every listed item arrived",
    "listed": "DA/T 70-2018 完整性：无清册外文件 / no unlisted item",
    "pages": "DA/T 70-2018 完整性：页数与清册一致 / page count as listed",
    "sequence": "DA/T 22-2015 件号（序号）连续无缺号 / item numbers without gaps",
    "count": "DA/T 70-2018 完整性：件数与清册一致 / item count as listed",
    "format": "DA/T 70-2018 可用性：长期保存格式 / long-term format (LANTAI_RECEIPT_FORMATS)",
    "readable": "DA/T 70-2018 可用性：文件可打开、各页可读 / opens and every page reads",
    "encryption": "DA/T 70-2018 安全性：未加密、无口令 / not encrypted",
    "active_content": "DA/T 70-2018 安全性：无宏、无脚本 / no macros or scripts",
    "virus": "DA/T 70-2018 安全性：病毒检测 / virus scan (clamd)",
}
_FORMATS = {
    "application/pdf": "pdf",
    "application/ofd": "ofd",
    "application/x-ofd": "ofd",
    "image/tiff": "tiff",
    "image/jpeg": "jpeg",
    "image/png": "png",
    "text/plain": "txt",
    "audio/mpeg": "mp3",
    "audio/x-wav": "wav",
    "audio/wav": "wav",
    "video/mp4": "mp4",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}


@dataclass(frozen=True)
class Finding:
    """One check's outcome, before it is stored."""

    property: str
    check: str
    result: str
    zh: str
    en: str


def _file_format(mime: str) -> str:
    return _FORMATS.get(mime.split(";")[0].strip().lower(), mime.split("/")[-1])


def ready(session: Session, transfer: Transfer) -> bool:
    """Whether the pipeline has finished every arrived item (done or failed)."""
    ids = [i.record_id for i in transfer.items if i.record_id]
    if not ids:
        return True
    waiting = session.scalar(
        select(Record.id)
        .where(Record.id.in_(ids), Record.status.in_([RecordStatus.PENDING, RecordStatus.PROCESSING]))
        .limit(1)
    )
    return waiting is None


def item_findings(
    lantai: Lantai,
    transfer: Transfer,
    item: TransferItem,
    record: Record | None,
    scan: Callable[[Path], str | None] | None,
) -> list[Finding]:
    """The checks of one item (see the module docstring)."""
    if record is None:
        return [
            Finding(
                INTEG,
                "received",
                FAIL,
                f"清册第 {item.position} 项列出的文件“{item.filename}”未随本批移交。",
                f"Item {item.position} of the list, {item.filename!r}, did not arrive with the batch.",
            )
        ]
    out: list[Finding] = []
    original = record.original
    stored = lantai.storage.original_path(original.storage_key) if original else None
    if original is None or stored is None or not stored.exists():
        out.append(Finding(AUTH, "sha256", FAIL, "未找到存储的原件。", "The stored original is missing."))
    else:
        digest = hashlib.sha256()
        with lantai.storage.open_original(original.storage_key) as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        if item.sha256 and digest.hexdigest() == item.sha256 == original.sha256:
            out.append(
                Finding(
                    AUTH,
                    "sha256",
                    PASS,
                    "存储的原件与提交时记录的 SHA-256 一致。",
                    "The stored original has the SHA-256 recorded at submission.",
                )
            )
        else:
            out.append(
                Finding(
                    AUTH,
                    "sha256",
                    FAIL,
                    "存储的原件与提交时记录的 SHA-256 不一致，文件可能被改动。",
                    "The stored original does not match the SHA-256 recorded at submission.",
                )
            )
    if record.custody is None and record.reference_code:
        out.append(
            Finding(
                AUTH,
                "sha256",
                FAIL,
                f"该文件已作为档案 {record.reference_code} 存在，属于重复移交。",
                f"These bytes are already in the archive as {record.reference_code}: a duplicate.",
            )
        )
    out.append(
        Finding(
            AUTH,
            "provenance",
            PASS,
            f"移交人 {transfer.submitted_by}，移交时间 {transfer.submitted_at:%Y-%m-%d %H:%M}，已记录。",
            f"Submitted by {transfer.submitted_by} at {transfer.submitted_at:%Y-%m-%d %H:%M}; recorded.",
        )
    )
    missing = [
        zh for name, zh in (("title", "题名"), ("date", "日期"), ("creator", "责任者")) if not getattr(record, name)
    ]
    if missing:
        out.append(
            Finding(
                AUTH,
                "metadata",
                WARN,
                f"缺少必著录项：{'、'.join(missing)}，接收前请补充。",
                f"Mandatory description missing: {', '.join(missing)}; complete it before acceptance.",
            )
        )
    else:
        out.append(Finding(AUTH, "metadata", PASS, "题名、日期、责任者齐全。", "Title, date and creator are present."))
    out.extend(_consistency(record))
    if not item.listed:
        out.append(
            Finding(
                INTEG,
                "listed",
                FAIL,
                f"文件“{item.filename}”不在移交清册中。",
                f"{item.filename!r} arrived but is not on the transfer list.",
            )
        )
    if item.pages is not None and record.status == RecordStatus.DONE:
        if item.pages == record.page_count:
            out.append(
                Finding(
                    INTEG,
                    "pages",
                    PASS,
                    f"页数 {record.page_count} 与清册一致。",
                    f"{record.page_count} pages, as listed.",
                )
            )
        else:
            out.append(
                Finding(
                    INTEG,
                    "pages",
                    FAIL,
                    f"清册登记 {item.pages} 页，实际收到 {record.page_count} 页。",
                    f"The list says {item.pages} pages; {record.page_count} arrived.",
                )
            )
    fmt = _file_format(original.mime_type) if original else "?"
    allowed = lantai.settings.receipt_formats.split(",")
    if fmt in allowed:
        out.append(
            Finding(USE, "format", PASS, f"格式 {fmt.upper()} 适合长期保存。", f"{fmt.upper()} is a long-term format.")
        )
    else:
        out.append(
            Finding(
                USE,
                "format",
                FAIL,
                f"格式 {fmt.upper()} 不在长期保存格式清单中（{'、'.join(allowed)}）。",
                f"{fmt.upper()} is not on the long-term format list ({', '.join(allowed)}).",
            )
        )
    technical = (record.extra or {}).get("technical") or {}
    encrypted = record.error_code == "encrypted"
    if record.status == RecordStatus.FAILED and not encrypted:
        # a record's message is "中文 / English": each half of the finding takes its own language
        zh, en = message_halves(record.error_message or "")
        out.append(
            Finding(
                USE,
                "readable",
                FAIL,
                f"文件无法打开：{zh}",
                f"The file does not open: {en}",
            )
        )
    else:
        errors = (record.extra or {}).get("page_errors") or []
        if errors:
            out.append(
                Finding(
                    USE,
                    "readable",
                    FAIL,
                    f"第 {', '.join(map(str, errors))} 页无法读取。",
                    f"Pages {', '.join(map(str, errors))} cannot be read.",
                )
            )
        elif not encrypted:
            out.append(
                Finding(
                    USE,
                    "readable",
                    PASS,
                    f"文件可打开，{record.page_count} 页均可读取。",
                    f"The file opens and all {record.page_count} pages read.",
                )
            )
    if encrypted:
        out.append(
            Finding(
                SEC,
                "encryption",
                FAIL,
                "文件已加密或设有口令，档案室无法长期保存和利用，请去除密码后重新移交。",
                "The file is encrypted or password-protected; remove the password and submit it again.",
            )
        )
    else:
        out.append(Finding(SEC, "encryption", PASS, "文件未加密。", "The file is not encrypted."))
    active = list(technical.get("active_content") or [])
    if not active and record.status == RecordStatus.FAILED and stored is not None and stored.exists():
        from indexer.extract.office import office_macros  # an old Office file the pipeline refused

        active = office_macros(stored)
    if active:
        out.append(
            Finding(
                SEC,
                "active_content",
                FAIL,
                f"文件含有可执行内容（{'；'.join(active)}），请去除宏或脚本后重新移交。",
                f"The file holds active content ({'; '.join(active)}); remove macros or scripts.",
            )
        )
    else:
        out.append(Finding(SEC, "active_content", PASS, "未发现宏或脚本。", "No macros or scripts found."))
    if scan is None:
        out.append(
            Finding(
                SEC, "virus", SKIP, "未配置病毒检测（LANTAI_CLAMD_URL）。", "No virus scanner set (LANTAI_CLAMD_URL)."
            )
        )
    elif stored is not None and stored.exists():
        virus = scan(stored)
        out.append(
            Finding(SEC, "virus", FAIL, f"发现病毒：{virus}", f"Virus found: {virus}")
            if virus
            else Finding(SEC, "virus", PASS, "病毒检测未发现问题。", "The virus scan found nothing.")
        )
    return out


def _consistency(record: Record) -> list[Finding]:
    """文号 and 日期 as described against what extraction reads in the first page's text."""
    if not record.pages or not (record.doc_number or record.date):
        return []
    found = extract_fields(record.pages[0].text or "")
    problems_zh, problems_en = [], []
    number = found.get("doc_number")
    if record.doc_number and number and _plain(number.value) != _plain(record.doc_number):
        problems_zh.append(f"文号著录为“{record.doc_number}”，正文为“{number.value}”")
        problems_en.append(f"doc number described {record.doc_number!r}, text says {number.value!r}")
    date = found.get("date")
    if record.date and date and date.value != record.date.isoformat():
        problems_zh.append(f"日期著录为 {record.date.isoformat()}，正文为 {date.value}")
        problems_en.append(f"date described {record.date.isoformat()}, text says {date.value}")
    if problems_zh:
        return [Finding(AUTH, "consistency", FAIL, "；".join(problems_zh) + "。", "; ".join(problems_en) + ".")]
    return [Finding(AUTH, "consistency", PASS, "文号、日期与正文一致。", "Doc number and date match the text.")]


def _plain(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())


def batch_findings(transfer: Transfer) -> list[Finding]:
    """Checks of the whole list: 序号 without gaps or repeats, and the count of items."""
    listed = [i for i in transfer.items if i.listed]
    positions = sorted(i.position for i in listed)
    expected = list(range(1, len(positions) + 1))
    out = []
    if positions == expected:
        out.append(
            Finding(
                INTEG,
                "sequence",
                PASS,
                f"序号 1–{len(positions)} 连续，无缺号、重号。",
                f"Numbers 1–{len(positions)} run without gaps or repeats.",
            )
        )
    else:
        gaps = sorted(set(expected) - set(positions))
        out.append(
            Finding(
                INTEG,
                "sequence",
                FAIL,
                f"清册序号不连续（缺 {gaps or '—'}，或有重号）：{positions}。",
                f"List numbers have gaps ({gaps or '—'}) or repeats: {positions}.",
            )
        )
    pieces = sum(i.pieces for i in listed)
    arrived = sum(1 for i in transfer.items if i.record_id)
    if pieces == arrived:
        out.append(
            Finding(
                INTEG,
                "count",
                PASS,
                f"清册 {pieces} 件，实收 {arrived} 件。",
                f"{pieces} items listed, {arrived} arrived.",
            )
        )
    else:
        out.append(
            Finding(
                INTEG,
                "count",
                FAIL,
                f"清册登记 {pieces} 件，实际收到 {arrived} 件。",
                f"The list gives {pieces} items; {arrived} arrived.",
            )
        )
    return out


def clamd_scanner(settings: Settings) -> Callable[[Path], str | None] | None:
    """A function that scans a file through clamd's INSTREAM command (the virus name, or None), when set."""
    if not settings.clamd_url:
        return None
    url = urlsplit(settings.clamd_url)

    def scan(path: Path) -> str | None:
        if url.scheme == "unix":
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.connect(url.path)
        else:
            sock = socket.create_connection((url.hostname or "127.0.0.1", url.port or 3310), timeout=60)
        with sock, path.open("rb") as handle:
            sock.sendall(b"zINSTREAM\0")
            for chunk in iter(lambda: handle.read(1 << 16), b""):
                sock.sendall(struct.pack("!L", len(chunk)) + chunk)
            sock.sendall(struct.pack("!L", 0))
            answer = sock.recv(4096).decode("utf-8", "replace").strip("\0 \n")
        return answer.rsplit(" ", 1)[0].split(": ", 1)[-1] if answer.endswith("FOUND") else None

    return scan


def run_checks(lantai: Lantai, transfer_id: int, now: dt.datetime, actor: Actor = WORKER) -> Transfer | None:
    """Check every item of a submitted transfer whose items the pipeline finished; None when not ready.

    Results replace earlier ones (safe to run again); items missing 门类 or 保管期限 get the
    schedule line's suggestion. The transfer becomes ``checked``; audited (``receipt_check``).
    """
    scan = clamd_scanner(lantai.settings)
    with lantai.catalog.session() as session:
        transfer = session.get(Transfer, transfer_id)
        if transfer is None or transfer.status not in (TransferStatus.SUBMITTED, TransferStatus.CHECKED):
            return None
        if not ready(session, transfer):
            return None
        ids = [i.record_id for i in transfer.items if i.record_id]
        records = {
            r.id: r
            for r in session.scalars(
                select(Record)
                .where(Record.id.in_(ids))
                .options(selectinload(Record.files), selectinload(Record.pages).load_only(Page.number, Page.text))
            )
        }
        session.execute(delete(ReceiptCheck).where(ReceiptCheck.transfer_id == transfer.id))
        lines = active_lines(session)
        counts = {PASS.value: 0, FAIL.value: 0, WARN.value: 0}
        for item in transfer.items:
            record = records.get(item.record_id or 0)
            findings = item_findings(lantai, transfer, item, record, scan)
            for f in findings:
                session.add(
                    ReceiptCheck(
                        transfer_id=transfer.id,
                        item_id=item.id,
                        property=f.property,
                        check=f.check,
                        result=f.result,
                        explanation_zh=f.zh,
                        explanation_en=f.en,
                        rule=RULES[f.check],
                        checked_at=now,
                    )
                )
            item.result = max((f.result for f in findings), key=lambda r: _RANK[CheckResult(r)], default=PASS)
            counts[item.result] = counts.get(item.result, 0) + 1
            if record is not None and (not record.category_code or not record.retention):
                matched = match_schedule(session, record, lines)
                if matched is not None:  # the schedule suggests; the archivist confirms on acceptance
                    proposed = {name: value for name, value, _confidence in matched.proposals}
                    item.category_code = item.category_code or proposed.get("category_code")
                    item.retention = item.retention or proposed.get("retention")
        for f in batch_findings(transfer):
            session.add(
                ReceiptCheck(
                    transfer_id=transfer.id,
                    item_id=None,
                    property=f.property,
                    check=f.check,
                    result=f.result,
                    explanation_zh=f.zh,
                    explanation_en=f.en,
                    rule=RULES[f.check],
                    checked_at=now,
                )
            )
        transfer.status, transfer.checked_at = TransferStatus.CHECKED, now
        audit.record(
            session,
            AuditAction.RECEIPT_CHECK,
            actor,
            Target.of("transfer", transfer.id),
            {"items": len(transfer.items), **counts},
        )
        session.flush()
        session.expunge(transfer)
        return transfer


def check_ready_transfers(lantai: Lantai, now: dt.datetime) -> int:
    """Run the checks of every submitted transfer the pipeline has finished (the worker's pass)."""
    with lantai.catalog.session() as session:
        ids = list(session.scalars(select(Transfer.id).where(Transfer.status == TransferStatus.SUBMITTED)))
    return sum(1 for transfer_id in ids if run_checks(lantai, transfer_id, now) is not None)


def report(session: Session, transfer_id: int) -> list[ReceiptCheck]:
    """Every stored result of a transfer, batch checks first, then by item and property."""
    return list(
        session.scalars(
            select(ReceiptCheck)
            .where(ReceiptCheck.transfer_id == transfer_id)
            .order_by(ReceiptCheck.item_id.is_not(None), ReceiptCheck.item_id, ReceiptCheck.id)
        )
    )
