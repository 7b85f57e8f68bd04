"""Catalog models of the portal's daily work: corrected page texts and read marks of notifications.

A record withdrawn from the portal keeps its columns on ``Record`` (``withdrawn_at`` ...);
these tables hold what has no place there.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from archive.catalog.models import Base, utcnow
from archive.catalog.sealing import SealedText


class PageTextVersion(Base):
    """One version of a page's text: version 1 is what OCR (or the text layer) gave, later ones
    are people's corrections. ``Page.text`` always holds the newest; none is ever overwritten."""

    __tablename__ = "page_text_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(SealedText, default="")  # sealed when encryption at rest is on
    source: Mapped[str] = mapped_column(String(16))  # a PageSource value, or "correction"
    created_by: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (UniqueConstraint("page_id", "version", name="uq_page_text_versions_page_version"),)


class NotificationRead(Base):
    """Until when one user has read one kind of notification (``archive.notifications``)."""

    __tablename__ = "notification_reads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    read_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        UniqueConstraint("user_id", "kind", name="uq_notification_reads_user_kind"),
        Index("ix_notification_reads_user", "user_id"),
    )
