"""Correcting a page's text (校对): every correction is a new version with who and when.

The first correction keeps what OCR (or the text layer) gave as version 1, so the machine's
text is never lost; ``Page.text`` holds the newest version, and the record is marked changed,
so the search index follows when the transaction ends. Audited like every change.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.audit import service as audit
from archive.audit.service import Target
from archive.catalog.db import mark_changed
from archive.catalog.models import Page, utcnow
from archive.catalog.portal_work import PageTextVersion
from archive.clock import Clock
from archive.description.records import Editor, visible_records
from archive.vocabulary import AccessLevel, AuditAction
from config.errors import InputError, NotFoundError

CORRECTION = "correction"  # the source of a version a person wrote
MAX_TEXT = 200_000


class TextCorrectionError(InputError):
    """A correction the archive refuses (unchanged, too long, a secret record)."""

    code = "text_correction_refused"


def text_versions(session: Session, page_id: int) -> list[PageTextVersion]:
    """Every kept version of a page's text, oldest first (empty while nobody corrected it)."""
    stmt = select(PageTextVersion).where(PageTextVersion.page_id == page_id).order_by(PageTextVersion.version)
    return list(session.scalars(stmt))


def correct_page_text(
    session: Session, record_id: int, number: int, text: str, editor: Editor, *, clock: Clock | None = None
) -> PageTextVersion:
    """Store ``text`` as page ``number``'s newest version; the index follows on commit."""
    (record,) = visible_records(session, [record_id], editor)
    if record.access_level == AccessLevel.SECRET:
        raise TextCorrectionError("The text of a secret record is not handled online",
                                  "涉密档案的文本不在线处理")
    page = session.scalar(select(Page).where(Page.record_id == record.id, Page.number == number))
    if page is None:
        raise NotFoundError(f"Record {record_id} has no page {number}", f"档案 {record_id} 没有第 {number} 页")
    text = text.replace("\r\n", "\n")
    if len(text) > MAX_TEXT:
        raise TextCorrectionError(f"The text is longer than {MAX_TEXT} characters", f"文本超过 {MAX_TEXT} 个字符")
    if text == (page.text or ""):
        raise TextCorrectionError("The text is unchanged", "文本没有修改")
    now = clock.now() if clock is not None else utcnow()
    last = session.scalar(select(func.max(PageTextVersion.version)).where(PageTextVersion.page_id == page.id))
    if last is None:  # the machine's text becomes version 1 (dated when received) before the first correction
        session.add(PageTextVersion(page_id=page.id, version=1, text=page.text or "", source=page.source,
                                    created_by=None, created_at=record.created_at or now))
        last = 1
    version = PageTextVersion(page_id=page.id, version=last + 1, text=text, source=CORRECTION,
                              created_by=editor.name, created_at=now)
    session.add(version)
    page.text = text
    record.touch()
    session.flush()
    mark_changed(session, record.id, record.access_level)
    audit.record(session, AuditAction.TEXT_CORRECT, editor.actor, Target.record(record),
                 {"page": number, "version": version.version, "chars": len(text)}, where=editor.where)
    return version
