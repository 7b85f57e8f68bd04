"""Which filing-schedule line (归档范围与保管期限表) a record matches, and the 门类 and 保管期限
the line proposes for it.

Machine description (``indexer.describe.service.describe_record``, run at ingest and by
``lantai describe apply``) and the receipt checks (``collection.checks``) both ask here, so a record
submitted or described is matched the same way:

* the lines of the record's department come first, then the lines for every department;
* a line whose example keyword occurs in the title or the first page wins (confident: it fills
  empty 门类 and 保管期限);
* otherwise, once 门类 is known (from a person, a rule or the classifier), the department's line of
  that 门类 proposes the 保管期限: confidently when the lines of that 门类 agree on it, through the
  review queue when they do not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.catalog.collection import ScheduleLine
from archive.catalog.models import Record
from archive.departments import Directory
from archive.description.review import queue_suggestion
from archive.vocabulary import SuggestionSource

KEYWORD_CONFIDENCE = 0.9  # a listed example keyword in the record's own words
AGREED_CONFIDENCE = 0.85  # the only retention the department's lines give this 门类
DISPUTED_CONFIDENCE = 0.5  # lines of this 门类 differ: a person chooses (review queue)
FIRST_PAGE_CHARS = 2000
_SEPARATORS = re.compile(r"[,，、;；\n]+")


@dataclass(frozen=True)
class ScheduleMatch:
    """The line a record matches, how it matched, and what it proposes (field, value, confidence)."""

    line: ScheduleLine
    how: str  # "keyword" or "category"
    proposals: tuple[tuple[str, str, float], ...]

    @property
    def source(self) -> str:
        """The provenance source of a value the line proposed."""
        return f"{SuggestionSource.SCHEDULE}:{self.line.id}:{self.how}"


def active_lines(session: Session, schedule: str | None = None) -> list[ScheduleLine]:
    """The active lines (of one schedule, or all), in order."""
    query = select(ScheduleLine).where(ScheduleLine.active)
    if schedule:
        query = query.where(ScheduleLine.schedule == schedule)
    return list(session.scalars(query.order_by(ScheduleLine.schedule, ScheduleLine.position)))


def keywords(line: ScheduleLine) -> list[str]:
    """The line's example keywords (comma, 顿号, semicolon or line separated)."""
    return [word.strip() for word in _SEPARATORS.split(line.keywords or "") if word.strip()]


def _department_id(session: Session, record: Record, directory: Directory | None) -> int | None:
    given = record.department_code or record.department
    if not given:
        return None
    found = (directory or Directory.load(session)).find(given)
    return found.id if found is not None else None


def match_schedule(
    session: Session,
    record: Record,
    lines: list[ScheduleLine] | None = None,
    directory: Directory | None = None,
) -> ScheduleMatch | None:
    """The line ``record`` matches with what it proposes, or None (see the module docstring)."""
    candidates = lines if lines is not None else active_lines(session)
    if not candidates:
        return None
    department_id = _department_id(session, record, directory)
    own = sorted(
        (line for line in candidates if line.department_id in (department_id, None)),
        key=lambda line: (line.department_id is None, line.position, line.id),
    )
    text = (record.title or "") + "\n" + ((record.pages[0].text or "")[:FIRST_PAGE_CHARS] if record.pages else "")
    for line in own:
        if any(word in text for word in keywords(line)):
            if record.category_code and record.category_code != line.category_code:
                continue  # the record's 门类 is settled; a line of another 门类 is not its line
            return ScheduleMatch(
                line,
                "keyword",
                (("category_code", line.category_code, KEYWORD_CONFIDENCE),
                 ("retention", line.retention, KEYWORD_CONFIDENCE)),
            )
    if not record.category_code:
        return None
    same = [line for line in own if line.category_code == record.category_code]
    if not same:
        return None
    nearest = [line for line in same if line.department_id == same[0].department_id]
    agreed = len({line.retention for line in nearest}) == 1
    confidence = AGREED_CONFIDENCE if agreed else DISPUTED_CONFIDENCE
    return ScheduleMatch(same[0], "category", (("retention", same[0].retention, confidence),))


def propose_from_schedule(session: Session, record: Record) -> list[str]:
    """Queue the matched line's 门类 and 保管期限 for review where the record has none (the path of a
    person's edit, import or acceptance: a person confirms); the fields queued."""
    if record.id is None or (record.category_code and record.retention):
        return []
    matched = match_schedule(session, record)
    if matched is None:
        return []
    queued = []
    for name, value, confidence in matched.proposals:
        if not getattr(record, name) and queue_suggestion(session, record, name, value, confidence,
                                                          matched.source) is not None:
            queued.append(name)
    return queued


__all__ = ["ScheduleMatch", "active_lines", "keywords", "match_schedule", "propose_from_schedule"]
