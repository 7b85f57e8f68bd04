"""Saved searches: a user's search kept by name, with an optional alert when new records match it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from archive.catalog.models import Base, JSONType, utcnow


class SavedSearch(Base):
    """One saved search of one user.

    ``params`` is the search's URL query string (the link back); ``query``, ``filters`` and the
    resolved dates are what the alert check runs. New matches are records with an id above
    ``seen_up_to`` (the highest record id when it was saved or last checked); ``new_count``
    counts those found since the user last opened it (the in-app alert).
    """

    __tablename__ = "saved_searches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    params: Mapped[str] = mapped_column(Text, default="")
    query: Mapped[str] = mapped_column(Text, default="")
    filters: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    date_from: Mapped[dt.date | None] = mapped_column(Date)
    date_to: Mapped[dt.date | None] = mapped_column(Date)
    alert: Mapped[bool] = mapped_column(Boolean, default=False)
    seen_up_to: Mapped[int] = mapped_column(Integer, default=0)
    new_count: Mapped[int] = mapped_column(Integer, default=0)
    new_ids: Mapped[list[Any]] = mapped_column(JSONType, default=list)  # the latest new matches, newest first
    checked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
