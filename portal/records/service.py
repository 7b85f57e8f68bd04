"""What the record page shows beyond the record itself: hits in this record, word boxes, related records."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.access import Clearance
from archive.catalog.models import Page, Record
from archive.vocabulary import DESCRIPTION_FIELDS, display
from indexer.search.base import PageHit, QuerySyntaxError, SearchBackend, SearchRequest, SearchUnavailable
from indexer.search.highlight import hit_boxes
from portal.i18n import localized

log = logging.getLogger(__name__)

# Where a record's access level comes from, as the record page says it: (中文, English).
SET_BY_PERSON = (" — 人工指定（比密级和开放标识所得更严）",
                 " — set by a person, stricter than its classification and openness")
BY_RULE = (" — 由密级和开放标识得出", " — follows its classification and openness")


def display_value(name: str, value: Any, language: str = "zh") -> str:
    """A field's value as shown: codes with their names (``archive.vocabulary.display``)."""
    return display(name, value, language)


def description_rows(
    record: Record, language: str = "zh", only: frozenset[str] | None = None
) -> list[tuple[str, str, str]]:
    """(Chinese label, English label, value) for every filled description field (or those in ``only``).

    The access level says where it comes from: 密级 and 开放标识 by the rule, or a person's
    stricter choice (the stricter of the two always wins).
    """
    rows = []
    for spec in DESCRIPTION_FIELDS:
        if spec.name == "access_override" or (only is not None and spec.name not in only):
            continue
        value = display_value(spec.name, getattr(record, spec.name, None), language)
        if spec.name == "access_level" and value:
            english = language.startswith("en")
            if record.access_override and record.access_override == record.access_level:
                value += SET_BY_PERSON[english]
            else:
                value += BY_RULE[english]
        if value:
            rows.append((spec.zh, spec.en, value))
    return rows


@dataclass
class RecordHits:
    """Where a query matches inside one record."""

    query: str
    terms: list[str] = field(default_factory=list)
    pages: list[PageHit] = field(default_factory=list)
    error: str | None = None

    @property
    def page_numbers(self) -> list[int]:
        """The matching page numbers, in order."""
        return [p.number for p in self.pages]


def hits_in_record(search: SearchBackend, record_id: int, query: str, clearance: Clearance) -> RecordHits:
    """Run ``query`` inside one record (search within this record); a bad query gives its message."""
    hits = RecordHits(query=query)
    if not query.strip():
        return hits
    try:
        response = search.search(
            SearchRequest(query=query, record_id=record_id, limit=1, clearance=clearance, facets=())
        )
    except (QuerySyntaxError, SearchUnavailable) as exc:  # the page still shows, without hits
        hits.error = localized(exc)  # the reader's language only
        return hits
    hits.terms = list(response.terms)
    if response.hits:
        hits.pages = sorted(response.hits[0].pages, key=lambda p: p.number)
    return hits


def page_boxes(page: Page, terms: list[str]) -> list[dict[str, float]]:
    """Hit boxes on a page in page-image pixels (the viewer's SVG viewBox scales them to the display)."""
    if not terms or not page.words or not page.width or not page.height:
        return []
    boxes = []
    for box in hit_boxes(page.words, terms):
        left, top, width, height = (float(v) for v in _box_tuple(box))
        boxes.append({"left": left, "top": top, "width": width, "height": height})
    return boxes


def _box_tuple(box: Any) -> tuple[float, float, float, float]:
    """(left, top, width, height) from whatever box shape ``hit_boxes`` returns."""
    if isinstance(box, dict):
        return box["left"], box["top"], box["width"], box["height"]
    if hasattr(box, "left"):
        return box.left, box.top, box.width, box.height
    left, top, width, height = box[-4:]
    return left, top, width, height


SERIES_FIELDS = ("fonds_code", "category_code", "year", "retention", "department_code")


def related_records(session: Session, record: Record, visible: Any, limit: int = 8) -> list[Record]:
    """Records of the same series (档号 levels) first, then of the same department and category.

    ``visible(record)`` decides what the caller may know about; hidden records are skipped.
    """
    found: list[Record] = []
    seen = {record.id}
    criteria: list[tuple[str, ...]] = [SERIES_FIELDS, ("fonds_code", "category_code", "department_code"), ("creator",)]
    for names in criteria:
        values = {n: getattr(record, n) for n in names}
        if any(v in (None, "") for v in values.values()):
            continue
        query = select(Record).where(*(getattr(Record, n) == v for n, v in values.items()))
        query = query.where(Record.id.not_in(seen)).order_by(Record.item_number, Record.id).limit(limit * 4)
        for other in session.scalars(query):
            if other.id not in seen and visible(other):
                seen.add(other.id)
                found.append(other)
                if len(found) >= limit:
                    return found
    return found
