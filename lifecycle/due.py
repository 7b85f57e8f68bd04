"""What is due (到期): records whose retention has expired, and records reaching the opening age.

Both count whole years from the filing year (年度): a 10-year (D10) record of 2014 is kept through
2024 and due for appraisal in 2025; with an opening age of 25, a record of 1999 is due for the
opening review in 2025. Permanent (永久) records are never due for disposal. The clock is a
parameter, so tests run decades in seconds.

Disposal list: expired records of the archive with no appraisal in force (an extension whose
next appraisal has not come, or a destruction proposal awaiting its batch).
Opening list: records of the opening age not yet open, excluding those marked 控制 or classified
秘密 and above (they are declassified or reviewed by a person first), those under review, those
reviewed (opened or kept controlled), and deferred ones until their revisit date.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from archive.access import Clearance
from archive.catalog.lifecycle import Appraisal, DestructionBatch, OpeningProposal
from archive.catalog.models import Record
from archive.vocabulary import (
    SECRET_CLASSIFICATIONS,
    AccessLevel,
    AppraisalDecision,
    OpeningDecision,
    Openness,
    Retention,
    ReviewStatus,
)
from config.settings import Settings
from indexer.context import Lantai
from indexer.search.base import SearchRequest
from indexer.search.request import MAX_WINDOW

PAGE = 1000


@dataclass(frozen=True)
class DueFilter:
    """Narrow a due list to one fonds, department or year (None: all)."""

    fonds: str | None = None
    department: str | None = None
    year: int | None = None
    record_ids: frozenset[int] | None = None  # the hits of a search (``matching``)

    def apply(self, query: Select[Any]) -> Select[Any]:
        """``query`` with these conditions added."""
        if self.fonds:
            query = query.where(Record.fonds_code == self.fonds)
        if self.department:
            query = query.where(Record.department_code == self.department)
        if self.year is not None:
            query = query.where(Record.year == self.year)
        if self.record_ids is not None:
            query = query.where(Record.id.in_(sorted(self.record_ids)))
        return query


def matching(lantai: Lantai, query: str, clearance: Clearance) -> frozenset[int]:
    """The ids of every record a full-text search finds (as ``clearance`` may see), to narrow a due
    list to a search: "this whole batch from a search". Up to the search's result window."""
    ids: set[int] = set()
    offset = 0
    while offset + PAGE <= MAX_WINDOW:
        response = lantai.search.search(SearchRequest(clearance=clearance, query=query, limit=PAGE, offset=offset,
                                                      facets=()))
        ids.update(hit.id for hit in response.hits)
        offset += PAGE
        if offset >= response.total:
            break
    return frozenset(ids)


def expiry_year(year: int | None, retention: str | None) -> int | None:
    """The year a record becomes due for appraisal (None: permanent or not described)."""
    if year is None or retention not in Retention.values():
        return None
    years = Retention(retention).years
    return None if years is None else year + years + 1


def opening_year(year: int | None, age: int) -> int | None:
    """The year a record of ``year`` reaches the opening age."""
    return None if year is None else year + age + 1


def _archive_records() -> Select[Any]:
    return select(Record).where(Record.custody.is_(None), Record.year.is_not(None))


def _appraised_ids(session: Session, this_year: int) -> set[int]:
    """Records whose latest appraisal is still in force this year."""
    latest: dict[int, Appraisal] = {}
    for row in session.scalars(select(Appraisal).order_by(Appraisal.id)):
        latest[row.record_id] = row
    return {
        record_id
        for record_id, row in latest.items()
        if row.decision == AppraisalDecision.DESTROY or (row.next_due_year or 0) > this_year
    }


def disposal_due(session: Session, now: dt.datetime, where: DueFilter | None = None) -> list[Record]:
    """Records due for appraisal in ``now``'s year, by 档号."""
    this_year = now.year
    expired = or_(
        *[
            and_(Record.retention == term.value, Record.year <= this_year - (term.years or 0) - 1)
            for term in Retention
            if term.years is not None
        ]
    )
    query = (where or DueFilter()).apply(_archive_records().where(expired))
    appraised = _appraised_ids(session, this_year)
    return [r for r in session.scalars(query.order_by(Record.year, Record.reference_code, Record.id))
            if r.id not in appraised]


def _reviewed_ids(session: Session, today: dt.date) -> set[int]:
    """Records under review, reviewed, or deferred until after ``today``."""
    out: set[int] = set()
    for row in session.scalars(select(OpeningProposal)):
        pending = row.status == ReviewStatus.PROPOSED
        deferred = row.revisit_on is not None and row.revisit_on > today
        if pending or row.decision != OpeningDecision.DEFER or deferred:
            out.add(row.record_id)
    return out


def opening_due(session: Session, now: dt.datetime, settings: Settings,
                where: DueFilter | None = None) -> list[Record]:
    """Records due for the opening review in ``now``'s year, by 档号."""
    cutoff = now.year - settings.opening_age_years - 1
    query = _archive_records().where(
        Record.year <= cutoff,
        Record.access_level != AccessLevel.OPEN,
        or_(Record.openness.is_(None), Record.openness != Openness.CONTROLLED),
        or_(Record.classification.is_(None), Record.classification.not_in([c.value for c in SECRET_CLASSIFICATIONS])),
    )
    query = (where or DueFilter()).apply(query)
    reviewed = _reviewed_ids(session, now.date())
    return [r for r in session.scalars(query.order_by(Record.year, Record.reference_code, Record.id))
            if r.id not in reviewed]


@dataclass(frozen=True)
class DueCounts:
    """How many records are due, for the archivist's home page."""

    disposal: int
    opening: int
    opening_proposals: int
    destruction_batches: int


def due_counts(session: Session, now: dt.datetime, settings: Settings) -> DueCounts:
    """The due counts now, and how many proposals and batches await approval."""
    proposals = Counter(session.scalars(select(OpeningProposal.status)))
    batches = Counter(session.scalars(select(DestructionBatch.status)))
    return DueCounts(
        disposal=len(disposal_due(session, now)),
        opening=len(opening_due(session, now, settings)),
        opening_proposals=proposals[ReviewStatus.PROPOSED.value],
        destruction_batches=batches[ReviewStatus.PROPOSED.value] + batches[ReviewStatus.APPROVED.value],
    )


def grouped(records: list[Record], by: str) -> dict[str, int]:
    """Counts of ``records`` by ``fonds``, ``department`` or ``year``."""
    attribute = {"fonds": "fonds_code", "department": "department_code", "year": "year"}[by]
    counts = Counter(str(getattr(r, attribute) or "—") for r in records)
    return dict(sorted(counts.items()))
