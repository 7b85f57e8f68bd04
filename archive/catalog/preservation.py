"""Catalog models of fixity (固定性检查): each run's result, and when each original was last re-hashed.

The checks themselves live in ``preservation.fixity``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, Boolean, DateTime, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from archive.catalog.models import Base, JSONType, utcnow


class FixityRun(Base):
    """One fixity pass: what it checked, how many passed and failed, bytes read, seconds, the failures."""

    __tablename__ = "fixity_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))  # all, sample, scheduled
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    checked: Mapped[int] = mapped_column(Integer, default=0)
    passed: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    # [{"record_id", "reference_code", "title", "key", "problem"}] for each original that failed
    failures: Mapped[list[Any]] = mapped_column(JSONType, default=list)


class FixityState(Base):
    """When an original was last re-hashed and whether it matched (the schedule checks the oldest first)."""

    __tablename__ = "fixity_states"

    original_id: Mapped[int] = mapped_column(ForeignKey("original_files.id", ondelete="CASCADE"), primary_key=True)
    checked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    ok: Mapped[bool] = mapped_column(Boolean)

    __table_args__ = (Index("ix_fixity_states_checked_at", "checked_at"),)
